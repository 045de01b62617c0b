"""One sensor overpass: geometry, PROSPECT-D + 4SAIL radiometry, sky effects, noise, flags."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from ingest.registry import Sensor
from ingest.simulate import sky
from ingest.simulate.forward import MODEL_ERROR, GeneratingModel, Leaves, band_toc
from ingest.simulate.geometry import overpass_utc, solar_position, view_geometry
from ingest.simulate.writer import CLOUD, SHADOW, Observation
from processes.retrieval.bands import SpectralBands, make_bands

MAX_SZA = 85.0
"""No observation is written where the sun is lower than this."""
BAD_QUALITY_RATE = 0.003
"""Share of pixels per band flagged as radiometrically bad."""


@dataclass
class DayState:
    """Truth of one day, arrays of shape (lat, lon)."""

    date: datetime
    doy: int
    leaves: Leaves
    """Leaf optics and soil of the land pixels."""
    leaf_index: np.ndarray
    """Position in ``leaves`` of each flat pixel index (-1 for water)."""
    snow_fraction: np.ndarray
    land: np.ndarray
    cloud_base: np.ndarray
    """The day's smooth cloud field shared by all sensors."""
    model: GeneratingModel = MODEL_ERROR
    """How reflectance is generated (model error or identical twin)."""


_BANDS: dict[tuple[str, str, float], tuple[list[str], SpectralBands | None]] = {}


def _bands(sensor: Sensor, geometry: str, step: float) -> tuple[list[str], SpectralBands | None]:
    """The sensor's bands of one geometry, cached per process (make_bands samples the SRFs)."""
    key = (sensor.model_dump_json(), geometry, step)
    if key not in _BANDS:
        sel = [b for b in sensor.bands if b.geometry == geometry]
        names = [b.name for b in sel]
        bands = (
            make_bands(names, [b.srf.centre for b in sel], [b.srf.fwhm for b in sel], step)
            if sel
            else None
        )
        _BANDS[key] = (names, bands)
    return _BANDS[key]


def sensor_wavelengths(sensor: Sensor, model: GeneratingModel = MODEL_ERROR) -> np.ndarray:
    """Every wavelength the generating model samples for a sensor's bands."""
    step = model.srf_step
    return np.concatenate(
        [
            _bands(sensor, g, step)[1].wavelength
            for g in sensor.geometries
            if _bands(sensor, g, step)[0]
        ]
    )


def diffuse_fraction(wavelength: np.ndarray, sza: np.ndarray) -> np.ndarray:
    """Diffuse share of the irradiance per band, Ångström-like, growing with the sun's zenith."""
    cos = np.cos(np.radians(np.minimum(sza, 80.0)))[..., None]
    return np.clip(0.08 * (np.asarray(wavelength) / 550.0) ** -1.5 / cos, 0.02, 0.6)


def _canopy(sensor, day: DayState, idx, sza, saa, vza, vaa) -> dict[str, np.ndarray]:
    """Band TOC reflectance of the pixels ``idx`` (flat indices), per band name."""
    pos = day.leaf_index[idx]
    out: dict[str, np.ndarray] = {}
    s, sa = sza.ravel()[idx][:, None], saa.ravel()[idx][:, None]
    for geom in sensor.geometries:
        names, bands = _bands(sensor, geom, day.model.srf_step)
        if not names:
            continue
        vz, va = vza[geom].ravel()[idx][:, None], vaa[geom].ravel()[idx][:, None]
        centres = np.array([b.srf.centre for b in sensor.bands if b.name in names])
        f_d = diffuse_fraction(centres, s)
        refl = band_toc(day.leaves, pos, s, vz, sa - va, bands, f_d, day.model)
        out.update({n: refl[:, i] for i, n in enumerate(names)})
    return out


def observe(
    sensor: Sensor,
    tile: str,
    lat: np.ndarray,
    lon: np.ndarray,
    day: DayState,
    rng: np.random.Generator,
) -> tuple[Observation, dict[str, np.ndarray]]:
    """Simulate one overpass of ``sensor`` over the crop.

    Returns:
        The product content and the per-overpass truth (cloud state, undetected-cloud mask and
        fraction, noise-free and observed reflectance).
    """
    sim = sensor.simulation
    shape = (lat.size, lon.size)
    lat2, lon2 = np.meshgrid(lat, lon, indexing="ij")
    hour = overpass_utc(sim.overpass_local_time, lon2) + rng.normal(0, 0.05)
    sza, saa = solar_position(day.doy, hour, lat2, lon2)
    offset = rng.uniform(-1, 1)
    vza, vaa = {}, {}
    for i, g in enumerate(sensor.geometries):
        extra = sim.swir_view_offset if i else 0.0
        vza[g], vaa[g] = view_geometry(offset, lat, lon, sim.max_vza, sim.view_azimuths, extra)

    cloud, thickness = sky.cloud_field(
        day.cloud_base, rng, sky.cloud_cover(day.doy, float(lat.mean()))
    )
    shadow = sky.shadows(cloud, float(sza.mean()), float(saa.mean()))
    state = sky.cloud_state(cloud, shadow)
    lit = sza < MAX_SZA
    run = day.land & (state != CLOUD) & lit
    idx = np.flatnonzero(run)
    canopy = _canopy(sensor, day, idx, sza, saa, vza, vaa) if idx.size else {}
    undetected, c_thin = sky.undetected_clouds(rng, run & (state != SHADOW))
    if not day.model.undetected_clouds:  # drawn all the same: the other draws stay as they are
        undetected, c_thin = np.zeros_like(undetected), np.zeros_like(c_thin)
    eps_tau = rng.normal(0, 0.05, shape)  # one AOT-like error per observation, shared by bands

    refl, unc, clean, quality = {}, {}, {}, {}
    f_s = day.snow_fraction
    for b in sensor.bands:
        wl = b.srf.centre
        r = np.full(shape, np.nan)
        if idx.size:
            r.flat[idx] = canopy[b.name]
        r = np.where(day.land, r, sky.water_reflectance(wl))
        r = (1 - f_s) * r + f_s * sky.snow_reflectance(wl)
        r = np.where(state == SHADOW, r * 0.3, r)
        r = np.where(cloud, (0.35 + 0.45 * thickness) * (1.0 if wl < 1000 else 0.8), r)
        r = np.where(undetected, (1 - c_thin) * r + 0.5 * c_thin, r)
        clean[b.name] = np.where(lit, r, np.nan)
        floor, rel = (0.004, 0.04) if wl < 1000 else (0.008, 0.05)
        sigma = np.maximum(floor, rel * r)
        if day.model.stated_noise:  # same draws, scaled to what a reader will assume
            sigma = np.maximum(sigma, b.min_rel_uncertainty * np.abs(r))
        dtau = 0.1 * (wl / 550.0) ** -1.3
        noisy = r + sigma * rng.standard_normal(shape) + dtau * eps_tau
        refl[b.name] = np.where(lit, np.clip(noisy, 0.0, 1.0), np.nan)
        # the product carries σ/uncertainty_factor, so factor·TOC_ERR is the true 1σ
        unc[b.name] = np.where(lit, np.hypot(sigma, 0.05 * dtau) / b.uncertainty_factor, np.nan)
        quality[b.name] = rng.random(shape) >= BAD_QUALITY_RATE

    obs = Observation(
        sensor=sensor, tile=tile, lat=lat, lon=lon, time=(hour % 24) * 3600.0, date=day.date,
        reflectance=refl, uncertainty=unc, sza=sza, saa=saa, vza=vza, vaa=vaa,
        cloud_state=state, snow=f_s > day.model.snow_flag_above, land=day.land, quality_ok=quality,
        attrs={"source": f"canopy simulate ({day.model.name})"},
    )  # fmt: skip
    truth = {"cloud_state": state, "undetected_cloud": undetected, "undetected_c": c_thin}
    truth |= {f"clean_{k}": v for k, v in clean.items()}
    return obs, truth
