"""Clouds with shadows, undetected thin clouds, and the spectra of cloud, snow and water."""

from __future__ import annotations

import numpy as np
from scipy.ndimage import shift as nd_shift

from ingest.simulate.scene import smooth_field
from ingest.simulate.writer import CLEAR, CLOUD, SHADOW

CLOUD_HEIGHT_KM = 2.0
"""Cloud-top height used to cast shadows."""

_SNOW = (
    [400, 460, 650, 850, 1000, 1250, 1600, 2250, 2500],
    [0.98, 0.97, 0.93, 0.85, 0.7, 0.45, 0.08, 0.03, 0.02],
)
_WATER = ([400, 450, 650, 850, 1600, 2500], [0.07, 0.06, 0.03, 0.01, 0.005, 0.004])


def snow_reflectance(wavelength: np.ndarray) -> np.ndarray:
    """Fixed snow spectrum (notes/science.md §5.5) at band centres."""
    return np.interp(wavelength, *_SNOW)


def water_reflectance(wavelength: np.ndarray) -> np.ndarray:
    """Clear inland water at band centres."""
    return np.interp(wavelength, *_WATER)


def cloud_cover(doy: int, lat: float) -> float:
    """Seasonal cloud-cover climatology between 30 and 70% (cloudier in winter)."""
    season = np.cos(2 * np.pi * (doy - 15) / 365.25) * (1 if lat >= 0 else -1)
    return float(np.clip(0.5 + 0.2 * season, 0.3, 0.7))


def cloud_field(
    base: np.ndarray, rng: np.random.Generator, cover: float
) -> tuple[np.ndarray, np.ndarray]:
    """Cloud mask and optical-thickness proxy in [0, 1] of one sensor's overpass.

    Args:
        base: the day's smooth cloud field, shared by sensors passing the same day.
        rng: the (day, sensor) generator: clouds move between overpasses.
        cover: target cloud fraction.
    """
    f = 0.8 * base + 0.6 * smooth_field(rng, base.shape, 3.0)
    threshold = np.quantile(f, 1 - cover)
    mask = f > threshold
    thickness = np.clip((f - threshold) / (f.max() - threshold + 1e-9), 0, 1)
    return mask, thickness


def shadows(cloud: np.ndarray, sza: float, saa: float, pixel_km: float = 1.0) -> np.ndarray:
    """Cloud shadows: the mask shifted away from the sun by ``h·tanθs`` (not under clouds)."""
    length = CLOUD_HEIGHT_KM * np.tan(np.radians(min(sza, 80.0))) / pixel_km
    # rows grow southwards; the shadow lies in the anti-solar direction
    drow = length * np.cos(np.radians(saa))
    dcol = -length * np.sin(np.radians(saa))
    shifted = nd_shift(cloud.astype(float), (drow, dcol), order=0, mode="constant", cval=0.0) > 0.5
    return shifted & ~cloud


def cloud_state(cloud: np.ndarray, shadow: np.ndarray) -> np.ndarray:
    """Cloud state codes of the writer (clear, shadow, cloud)."""
    return np.select([cloud, shadow], [CLOUD, SHADOW], CLEAR).astype(np.int8)


def undetected_clouds(
    rng: np.random.Generator, eligible: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """2–5% of the eligible (clear land) pixels under thin clouds the flags miss.

    Returns:
        ``(mask, c)``: the mask and the cloud fraction c in 0.05–0.3 used in ``(1−c)ρ + 0.5c``.
    """
    frac = rng.uniform(0.02, 0.05)
    f = smooth_field(rng, eligible.shape, 1.5)
    n = round(frac * eligible.sum())
    mask = np.zeros(eligible.shape, bool)
    if n:
        order = np.argsort(np.where(eligible, -f, np.inf), axis=None)[:n]
        mask.flat[order] = True
    c = np.where(mask, rng.uniform(0.05, 0.3, eligible.shape), 0.0)
    return mask, c
