"""Synthetic L1B swath segments: a TOC truth pushed through SMAC forward over a known atmosphere."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from ingest.swath.orbit import solar_angles, swath_geolocation
from ingest.swath.scene import SimpleScene
from ingest.swath.sensors import SwathSensor
from processes.preprocess.bands import band_coefficients
from processes.preprocess.coefficients import SmacCoefficients
from processes.preprocess.l1b import FLAG_CLOUD, FLAG_LAND, write_segment
from processes.preprocess.meteo import meteo_at_pixels
from processes.preprocess.smac import smac_atmosphere, toc_to_toa

#: A TOC truth: (lat, lon, band, wavelength_um, time, *, sza, saa, vza, vaa) → reflectance,
#: shaped like lat (the geometry keywords let a BRDF truth such as ``CanopyTruth`` see the view).
TocTruth = Callable[..., NDArray]

#: TOA reflectance of cloud tops (bright, nearly flat; lower in the SWIR).
CLOUD_TOA = {"RED": 0.55, "NIR": 0.52, "SWIR": 0.35, "I1": 0.55, "I2": 0.52, "I3": 0.35,
             "M3": 0.57, "M4": 0.56, "M5": 0.55, "M7": 0.52, "M8": 0.45, "M10": 0.35,
             "M11": 0.25}  # fmt: skip


def _iso(t: np.datetime64) -> str:
    return str(np.datetime64(t, "s")) + "Z"


def _crop(geo: dict, bbox: tuple[float, float, float, float]) -> dict:
    west, south, east, north = bbox
    lat, lon = geo["lat"], geo["lon"]
    inside = (lat >= south) & (lat <= north) & (lon >= west) & (lon <= east)
    if not inside.any():
        raise ValueError(f"the swath does not reach {bbox}")
    rows, cols = np.flatnonzero(inside.any(axis=1)), np.flatnonzero(inside.any(axis=0))
    ys, xs = slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1)
    return {k: v[ys] if v.ndim == 1 else v[ys, xs] for k, v in geo.items()}


def generate_segment(
    sensor: SwathSensor,
    start: np.datetime64,
    lat0: float,
    lon0: float,
    n_lines: int,
    meteo: xr.Dataset,
    dem: xr.DataArray,
    scene: SimpleScene | None = None,
    toc: TocTruth | None = None,
    aerosol: str = "continental",
    coefficients: dict[str, SmacCoefficients] | None = None,
    noise_rel: float = 0.0,
    seed: int = 0,
    bbox: tuple[float, float, float, float] | None = None,
) -> tuple[xr.Dataset, xr.Dataset]:
    """Simulate one L1B segment and its truth.

    Args:
        sensor: the swath sensor (``ingest.swath.sensors``).
        start: UTC time of the first scan line.
        lat0: latitude of the first line's nadir.
        lon0: longitude of the first line's nadir.
        n_lines: scan lines.
        meteo: MERRA-like meteo grid (``processes.preprocess.meteo``).
        dem: elevation grid (m).
        scene: land/cloud masks; ``SimpleScene()`` when None.
        toc: TOC truth callable; the scene's own field when None (plug ``canopy simulate`` here).
        aerosol: aerosol model of the SMAC coefficients.
        coefficients: band → coefficients overriding the sensor's table (e.g. to simulate with
            a set different from the proxy the correction will use).
        noise_rel: relative Gaussian noise added to clear TOA reflectances.
        seed: noise seed.
        bbox: ``(west, south, east, north)``: keep only the block of scan lines and samples
            whose pixels fall in it (a full-width swath costs nothing to geolocate but much to
            simulate); the block is still a regular (y, x) swath piece.

    Returns:
        (L1B dataset in the ``processes.preprocess.l1b`` layout, truth dataset with the TOC
        truth and the atmosphere at every pixel).
    """
    scene = scene or SimpleScene()
    toc = toc or scene.toc
    start = np.datetime64(start, "ns")
    geo = swath_geolocation(sensor.geometry, lat0, lon0, sensor.ascending, n_lines)
    if bbox is not None:
        geo = _crop(geo, bbox)
    lat, lon = geo["lat"], geo["lon"]
    times = start + (geo["seconds"] * 1e9).astype("timedelta64[ns]")
    sza, saa = solar_angles(lat, lon, times[:, None])
    centre = times[0] + (times[-1] - times[0]) / 2
    atmos = meteo_at_pixels(meteo, dem, lat, lon, centre)
    land = scene.land(lat, lon)
    cloud = scene.cloud(lat, lon, centre)
    rng = np.random.default_rng(seed)

    dims = ("y", "x")
    data: dict[str, tuple] = {}
    truth: dict[str, tuple] = {}
    for band in sensor.bands:
        entry = band_coefficients(sensor.sensor, band)
        coef = (coefficients or {}).get(band) or entry.coefficients(aerosol)
        rho = np.asarray(toc(lat, lon, band, entry.wavelength_um, centre, sza=sza, saa=saa,
                             vza=geo["vza"], vaa=geo["vaa"]), float)  # fmt: skip
        atm = smac_atmosphere(coef, sza, saa, geo["vza"], geo["vaa"], atmos.pressure,
                              atmos.aot550, atmos.uo3, atmos.uh2o)  # fmt: skip
        toa = toc_to_toa(rho, atm) * (1.0 + noise_rel * rng.standard_normal(lat.shape))
        toa = np.where(cloud, CLOUD_TOA.get(band, 0.5), toa)
        attrs = {"long_name": f"TOA reflectance {band}", "units": "1",
                 "wavelength_um": entry.wavelength_um}  # fmt: skip
        data[band] = (dims, toa.astype(np.float32), attrs)
        truth[f"toc_{band}"] = (dims, rho)
    flags = np.where(cloud, FLAG_CLOUD, 0) | np.where(land, FLAG_LAND, 0)
    data["flags"] = (dims, flags.astype(np.uint8), {"flag_masks": [1, 2, 4],
                     "flag_meanings": "cloud snow_ice land"})  # fmt: skip
    for name, values in (("sza", sza), ("saa", saa), ("vza", geo["vza"]), ("vaa", geo["vaa"])):
        data[name] = (dims, values.astype(np.float32), {"units": "degree"})
    coords = {"lat": (dims, lat, {"units": "degrees_north"}),
              "lon": (dims, lon, {"units": "degrees_east"}), "time": ("y", times)}  # fmt: skip
    attrs = {
        "title": f"synthetic {sensor.platform} {sensor.sensor} L1B segment",
        "platform": sensor.platform,
        "sensor": sensor.sensor,
        "bands": " ".join(sensor.bands),
        "processing_level": "L1B",
        "reflectance_level": "TOA",
        "aerosol_model": aerosol,
        "time_coverage_start": _iso(times[0]),
        "time_coverage_end": _iso(times[-1]),
        "Conventions": "CF-1.8",
    }
    l1b = xr.Dataset(data, coords=coords, attrs=attrs)
    for name in ("pressure", "aot550", "uo3", "uh2o"):
        truth[name] = (dims, getattr(atmos, name))
    truth["cloud"], truth["land"] = (dims, cloud), (dims, land)
    return l1b, xr.Dataset(truth, coords=coords, attrs=attrs)


def write_segments(
    sensor: SwathSensor,
    out_dir: str | Path,
    starts: list[tuple[np.datetime64, float, float]],
    n_lines: int,
    meteo: xr.Dataset,
    dem: xr.DataArray,
    **kwargs,
) -> list[Path]:
    """Generate and write several segments, named ``<SENSOR>_L1B_<YYYYMMDD>_<HHMMSS>.nc``.

    Args:
        sensor: the swath sensor.
        out_dir: output folder.
        starts: (start time, lat0, lon0) per segment.
        n_lines: scan lines per segment.
        meteo: meteo grid.
        dem: elevation grid.
        **kwargs: passed to ``generate_segment``.

    Returns:
        The files written.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for k, (start, lat0, lon0) in enumerate(starts):
        l1b, _ = generate_segment(sensor, start, lat0, lon0, n_lines, meteo, dem, seed=k, **kwargs)
        stamp = str(np.datetime64(start, "s")).replace("-", "").replace(":", "")
        paths.append(write_segment(l1b, out / f"{sensor.sensor}_L1B_{stamp[:8]}_{stamp[9:15]}.nc"))
    return paths
