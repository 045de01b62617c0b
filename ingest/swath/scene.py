"""A small self-contained synthetic scene: TOC truth, clouds, MERRA-like meteo and a DEM."""

from __future__ import annotations

import dataclasses

import numpy as np
import xarray as xr
from numpy.typing import NDArray

# Flat reference spectra (blue, red, NIR, SWIR) of the three surface types.
_VEG = (0.03, 0.04, 0.45, 0.20)
_SOIL = (0.12, 0.20, 0.28, 0.33)
_WATER = (0.04, 0.03, 0.02, 0.01)


def smooth_field(lat: NDArray, lon: NDArray, seed: int, scale_deg: float = 2.0) -> NDArray:
    """A smooth pseudo-random field in [-1, 1], a continuous function of position.

    Being a function of (lat, lon), not of a pixel grid, it takes the same value wherever it is
    sampled: swath pixels and tile pixels see the same truth.
    """
    rng = np.random.default_rng(seed)
    lat, lon = np.asarray(lat, float), np.asarray(lon, float)
    total = np.zeros(np.broadcast(lat, lon).shape)
    for _ in range(6):
        k = rng.normal(size=2) * 2 * np.pi / scale_deg
        total += np.cos(k[0] * lat + k[1] * lon + rng.uniform(0, 2 * np.pi))
    return total / np.sqrt(6 * 0.5) / 2.5


def _band_index(wavelength_um: float) -> int:
    return (
        0 if wavelength_um < 0.55 else 1 if wavelength_um < 0.7 else 2 if wavelength_um < 1.2 else 3
    )


@dataclasses.dataclass(frozen=True)
class SimpleScene:
    """Vegetation/soil mixture with lakes and clouds; each method is a function of position."""

    seed: int = 0
    """Seed of every field."""
    cloud_cover: float = 0.2
    """Approximate cloudy fraction."""

    def land(self, lat: NDArray, lon: NDArray) -> NDArray[np.bool_]:
        """Land mask (False on lakes)."""
        return smooth_field(lat, lon, self.seed + 1, 1.5) < 0.55

    def toc(
        self, lat: NDArray, lon: NDArray, band: str, wavelength_um: float, time=None, **geometry
    ) -> NDArray:
        """TOC reflectance of a band (time-invariant and Lambertian: ``geometry`` is ignored)."""
        i = _band_index(wavelength_um)
        f = np.clip(0.5 + 0.6 * smooth_field(lat, lon, self.seed + 2, 1.0), 0.0, 1.0)
        rho = f * _VEG[i] + (1 - f) * _SOIL[i]
        return np.where(self.land(lat, lon), rho, _WATER[i])

    def cloud(self, lat: NDArray, lon: NDArray, time=None) -> NDArray[np.bool_]:
        """Cloud mask: the top ``cloud_cover`` quantile of a smooth field (approximately)."""
        # smooth_field is close to normal with σ = 0.4.
        threshold = np.sqrt(2) * 0.4 * _erfinv(1 - 2 * self.cloud_cover)
        return smooth_field(lat, lon, self.seed + 3, 0.5) > threshold


def _erfinv(y: float) -> float:
    from scipy.special import erfinv

    return float(erfinv(y))


def _axis(lo: float, hi: float, step: float) -> NDArray:
    start = np.floor(lo / step) * step - step
    return np.arange(start, hi + 2 * step, step)


def synthetic_meteo(
    lat_range: tuple[float, float],
    lon_range: tuple[float, float],
    start: np.datetime64,
    hours: int = 24,
    seed: int = 0,
) -> xr.Dataset:
    """MERRA-2-like 3-hourly fields on the 0.5° × 0.625° grid (names and units of MERRA-2).

    Args:
        lat_range: (south, north) to cover.
        lon_range: (west, east) to cover.
        start: first time step.
        hours: time span to cover.
        seed: field seed.

    Returns:
        Dataset with TOTEXTTAU, TQV (kg m-2), TO3 (Dobsons), SLP (Pa) on (time, lat, lon).
    """
    lat = _axis(*lat_range, 0.5)
    lon = _axis(*lon_range, 0.625)
    time = np.datetime64(start, "ns") + np.arange(0, hours + 3, 3) * np.timedelta64(1, "h")
    la, lo = np.meshgrid(lat, lon, indexing="ij")
    drift = np.arange(time.size)[:, None, None] * 0.05

    def f(k: int, scale: float) -> NDArray:
        return smooth_field(la[None] + drift, lo[None] - drift, seed + k, scale)

    data = {
        "TOTEXTTAU": (0.18 + 0.12 * f(10, 4.0), "1"),
        "TQV": (20.0 + 12.0 * f(11, 6.0), "kg m-2"),
        "TO3": (320.0 + 40.0 * f(12, 8.0), "Dobsons"),
        "SLP": (101325.0 + 800.0 * f(13, 8.0), "Pa"),
    }
    return xr.Dataset(
        {k: (("time", "lat", "lon"), v, {"units": u}) for k, (v, u) in data.items()},
        coords={"time": time, "lat": lat, "lon": lon},
        attrs={"title": "synthetic MERRA-2-like meteorology", "seed": seed},
    )


def synthetic_dem(
    lat_range: tuple[float, float],
    lon_range: tuple[float, float],
    scene: SimpleScene,
    step: float = 1 / 28,
) -> xr.DataArray:
    """Smooth hills 0-2000 m (sea level on the scene's lakes), on a regular lat/lon grid."""
    lat = _axis(*lat_range, step)
    lon = _axis(*lon_range, step)
    la, lo = np.meshgrid(lat, lon, indexing="ij")
    z = np.clip(900.0 + 900.0 * smooth_field(la, lo, scene.seed + 20, 3.0), 0.0, 2000.0)
    z = np.where(scene.land(la, lo), z, 0.0)
    return xr.DataArray(z, dims=("lat", "lon"), coords={"lat": lat, "lon": lon}, name="elevation",
                        attrs={"units": "m"})  # fmt: skip
