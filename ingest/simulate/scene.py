"""Synthetic landscape and its daily truth: land cover, phenology, leaf state, soil, snow."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter
from scipy.special import ndtr

CLASSES = ("crop", "grass", "deciduous", "evergreen", "bare")
"""Land-cover classes, in the order of ``Landscape.cover`` codes (-1 is water)."""


@dataclass(frozen=True)
class ClassParams:
    """Phenology and leaf parameters of a land-cover class (ranges are per-pixel draws)."""

    lai_min: tuple[float, float]
    lai_max: tuple[float, float]
    t_up: tuple[float, float]
    t_dn: tuple[float, float]
    k: tuple[float, float]
    n: float
    cm: float
    ala: float
    evergreen: bool = False


PARAMS = {
    "crop": ClassParams(
        (0.1, 0.3), (3.0, 6.0), (110, 140), (200, 230), (0.08, 0.15), 1.5, 0.005, 60.0
    ),
    "grass": ClassParams(
        (0.4, 0.8), (1.5, 3.0), (85, 115), (240, 280), (0.05, 0.10), 1.6, 0.006, 55.0
    ),
    "deciduous": ClassParams(
        (0.4, 0.8), (4.0, 6.0), (110, 135), (270, 295), (0.10, 0.20), 1.8, 0.010, 50.0
    ),
    "evergreen": ClassParams(
        (3.0, 3.3), (3.5, 4.0), (90, 120), (250, 290), (0.05, 0.08), 2.0, 0.015, 45.0, True
    ),
    "bare": ClassParams(
        (0.05, 0.1), (0.15, 0.4), (100, 130), (180, 220), (0.05, 0.10), 1.5, 0.005, 57.0
    ),
}


def smooth_field(rng: np.random.Generator, shape: tuple[int, ...], sigma: float) -> np.ndarray:
    """Gaussian-filtered white noise, rescaled to zero mean and unit standard deviation."""
    f = gaussian_filter(rng.standard_normal(shape), sigma, mode="wrap")
    return (f - f.mean()) / (f.std() + 1e-12)


def _draw(u: np.ndarray, lo_hi: tuple[float, float]) -> np.ndarray:
    return lo_hi[0] + (lo_hi[1] - lo_hi[0]) * u


@dataclass
class Landscape:
    """Static per-pixel properties, arrays of shape (lat, lon)."""

    cover: np.ndarray
    """Class index into :data:`CLASSES`; -1 for water."""
    params: dict[str, np.ndarray]
    """Per-pixel phenology/leaf parameters (lai_min, lai_max, t_up, t_dn, k, n, cm, ala, evergreen)."""
    soil_brightness: np.ndarray
    """Soil brightness B."""
    elevation: np.ndarray
    """Elevation (m), drives the snow proxy."""

    @property
    def land(self) -> np.ndarray:
        """Land mask."""
        return self.cover >= 0


def make_landscape(rng: np.random.Generator, shape: tuple[int, int]) -> Landscape:
    """Five classes in smooth random patches, ~8% water, smooth per-pixel parameters."""
    patches = np.stack([smooth_field(rng, shape, 5.0) for _ in CLASSES])
    cover = patches.argmax(axis=0).astype(np.int8)
    water = smooth_field(rng, shape, 4.0)
    cover[water > np.quantile(water, 0.92)] = -1
    names = ("lai_min", "lai_max", "t_up", "t_dn", "k")
    u = {n: ndtr(smooth_field(rng, shape, 3.0)) for n in names}  # smooth spatial noise in [0, 1]
    params = {n: np.zeros(shape) for n in (*names, "n", "cm", "ala", "evergreen")}
    for code, name in enumerate(CLASSES):
        p, m = PARAMS[name], cover == code
        for n in names:
            params[n][m] = _draw(u[n][m], getattr(p, n))
        params["n"][m], params["cm"][m], params["ala"][m] = p.n, p.cm, p.ala
        params["evergreen"][m] = float(p.evergreen)
    brightness = 0.9 + 0.2 * smooth_field(rng, shape, 6.0)
    elevation = np.clip(400 + 300 * smooth_field(rng, shape, 8.0), 0, None)
    return Landscape(cover, params, np.clip(brightness, 0.5, 1.3), elevation)


def phenology(land: Landscape, doy: np.ndarray) -> dict[str, np.ndarray]:
    """Daily leaf state from a double-logistic LAI (Zhang et al. 2003), shape (day, lat, lon).

    Cab follows the LAI phase 25 → 50 → 20 µg/cm², Cbrown rises 0 → 0.8 in senescence and
    Cw = 0.012·(1 − 0.5·Cbrown) (notes/science.md §5.2).
    """
    p = land.params
    t = np.asarray(doy, dtype=float)[:, None, None]
    up = 1 / (1 + np.exp(-p["k"] * (t - p["t_up"])))
    dn = 1 / (1 + np.exp(-p["k"] * (t - p["t_dn"])))
    green = np.clip(up - dn, 0, 1)
    lai = p["lai_min"] + (p["lai_max"] - p["lai_min"]) * green
    ever = p["evergreen"] > 0
    up = np.where(ever, 1.0, up)
    dn = np.where(ever, 0.0, dn)
    cab = 25 + 25 * up - 30 * up * dn
    cbrown = 0.8 * up * dn
    return {
        "lai": np.maximum(lai, 0.05),
        "cab": cab,
        "car": cab / 4,
        "cbrown": cbrown,
        "cw": 0.012 * (1 - 0.5 * cbrown),
    }


def weather(
    rng: np.random.Generator, doy: np.ndarray, lat: np.ndarray, land: Landscape
) -> dict[str, np.ndarray]:
    """Daily soil dry fraction ψ (rain events) and snow fraction (degree-day proxy).

    Returns arrays of shape (day, lat, lon): ``soil_dry``, ``snow_fraction``, ``temperature``.
    """
    nd, shape = len(doy), land.cover.shape
    lat2 = np.broadcast_to(np.asarray(lat)[:, None], shape)
    t_mean = 30 - 0.42 * np.abs(lat2) - 0.0065 * land.elevation
    season = np.cos(2 * np.pi * (np.asarray(doy) - 15) / 365.25)
    season = np.where(lat2.mean() < 0, -season, season)
    anomaly = np.zeros(nd)
    for i in range(1, nd):  # regional AR(1) weather anomaly, ~4 K
        anomaly[i] = 0.8 * anomaly[i - 1] + 2.4 * rng.standard_normal()
    rain = rng.random(nd) < 0.25
    local = 0.5 * smooth_field(rng, shape, 6.0)
    temp = np.empty((nd, *shape))
    soil_dry = np.empty((nd, *shape))
    snow = np.empty((nd, *shape))
    wet, swe = np.zeros(shape), np.zeros(shape)
    for i in range(nd):
        temp[i] = t_mean - 9 * season[i] + anomaly[i] + local
        wet = np.where(rain[i], 1.0, wet * np.exp(-1 / 4))  # dries with a 4-day time constant
        soil_dry[i] = np.clip(1 - 0.8 * wet, 0.05, 1)
        swe = np.where((temp[i] < 0) & rain[i], swe + 8.0, swe)
        swe = np.maximum(swe - 3.0 * np.maximum(temp[i], 0), 0)
        snow[i] = np.clip(swe / 15.0, 0, 1)
    return {"soil_dry": soil_dry, "snow_fraction": snow, "temperature": temp}
