"""Meteorological (MERRA-like) and DEM inputs of SMAC, interpolated to pixels."""

from __future__ import annotations

import dataclasses

import numpy as np
import xarray as xr
from numpy.typing import NDArray
from scipy.interpolate import RegularGridInterpolator

from processes.exceptions import NoDataAvailable
from processes.preprocess.smac import P0, pressure_from_height

#: MERRA-2 variable names read from the meteo grid, and their units.
MERRA_VARIABLES = {
    "TOTEXTTAU": "1",  # aerosol optical thickness at 550 nm
    "TQV": "kg m-2",  # total precipitable water vapour
    "TO3": "Dobsons",  # total ozone column
    "SLP": "Pa",  # sea-level pressure
}

#: How far beyond the first/last meteo time a pixel may lie (MERRA-2 aerosol is 1- or 3-hourly).
TIME_TOLERANCE = np.timedelta64(3, "h")


@dataclasses.dataclass(frozen=True)
class PixelMeteo:
    """SMAC atmospheric inputs at each pixel, in SMAC units."""

    pressure: NDArray[np.float64]
    """Surface pressure (hPa) at the DEM height."""
    aot550: NDArray[np.float64]
    """AOT at 550 nm."""
    uo3: NDArray[np.float64]
    """Ozone (cm-atm)."""
    uh2o: NDArray[np.float64]
    """Water vapour (g/cm²)."""


def _axis_ok(axis: NDArray, values: NDArray) -> bool:
    half = 0.5 * abs(float(axis[1] - axis[0])) if axis.size > 1 else 0.0
    lo, hi = float(axis.min()) - half, float(axis.max()) + half
    return bool(np.all((values >= lo) & (values <= hi)))


def _lon_in_frame(grid: xr.Dataset | xr.DataArray, lon: NDArray) -> NDArray[np.float64]:
    """Longitudes shifted by ±360° into the grid's own frame (e.g. 0…360 or 170…190).

    A segment crossing the antimeridian has longitudes near both +180 and −180; a grid that
    spans 180° in its own frame (170…190, or a global 0…360) still covers all of them.
    """
    axis = grid["lon"].values
    half = 0.5 * abs(float(axis[1] - axis[0])) if axis.size > 1 else 0.0
    west = float(axis.min()) - half
    return (np.asarray(lon, float) - west) % 360.0 + west


def _interp2d(da: xr.DataArray, lat: NDArray, lon: NDArray) -> NDArray[np.float64]:
    # Bilinear inside the grid; edge cells (up to half a cell out) take the nearest edge value.
    la, lo = da["lat"].values, da["lon"].values
    order_la, order_lo = np.argsort(la), np.argsort(lo)
    values = da.values[np.ix_(order_la, order_lo)].astype(float)
    interp = RegularGridInterpolator((la[order_la], lo[order_lo]), values, bounds_error=False)
    pts = np.stack([np.clip(lat, la.min(), la.max()), np.clip(lon, lo.min(), lo.max())], -1)
    return interp(pts)


def _check_cover(name: str, ds: xr.Dataset | xr.DataArray, lat: NDArray, lon: NDArray) -> None:
    ok_lat = _axis_ok(ds["lat"].values, lat)
    ok_lon = _axis_ok(ds["lon"].values, lon)
    if not (ok_lat and ok_lon):
        raise NoDataAvailable(
            reason=f"{name} does not cover lat {np.nanmin(lat):.2f}..{np.nanmax(lat):.2f}, "
            f"lon {np.nanmin(lon):.2f}..{np.nanmax(lon):.2f}"
        )


def meteo_at_pixels(
    meteo: xr.Dataset | None,
    dem: xr.DataArray | None,
    lat: NDArray,
    lon: NDArray,
    time: np.datetime64,
) -> PixelMeteo:
    """Interpolate the meteo grid (linear in time, bilinear in space) and the DEM to pixels.

    Pressure is the meteo sea-level pressure brought down to the DEM height with the standard
    atmosphere of science.md §4.1: P = SLP/1013.25 · 1013.25(1 − 0.0065 z/288.15)^5.31.

    Args:
        meteo: MERRA-like grid with dims (time, lat, lon) and the ``MERRA_VARIABLES``.
        dem: elevation (m) with dims (lat, lon).
        lat: pixel latitudes.
        lon: pixel longitudes.
        time: acquisition time of the pixels.

    Returns:
        SMAC inputs at every pixel, shaped like ``lat``.

    Raises:
        NoDataAvailable: meteo or DEM missing, or not covering the time or area.
    """
    if meteo is None:
        raise NoDataAvailable(reason="no meteorological data (aerosol, water vapour, ozone)")
    if dem is None:
        raise NoDataAvailable(reason="no DEM for the surface pressure")
    missing = [v for v in MERRA_VARIABLES if v not in meteo]
    if missing:
        raise NoDataAvailable(reason=f"meteo grid lacks {missing}")
    lat, lon = np.asarray(lat, float), np.asarray(lon, float)
    valid = np.isfinite(lat) & np.isfinite(lon)
    lon_m, lon_d = _lon_in_frame(meteo, lon), _lon_in_frame(dem, lon)
    _check_cover("meteo", meteo, lat[valid], lon_m[valid])
    _check_cover("DEM", dem, lat[valid], lon_d[valid])
    times = meteo["time"].values
    t = np.datetime64(time, "ns")
    if not (times.min() - TIME_TOLERANCE <= t <= times.max() + TIME_TOLERANCE):
        raise NoDataAvailable(reason=f"meteo covers {times.min()}..{times.max()}, not {t}")
    # Linear in time between the two bracketing fields (clamped at the ends).
    i = int(np.clip(np.searchsorted(times, t), 1, max(times.size - 1, 1)))
    i0, i1 = (i - 1, i) if times.size > 1 else (0, 0)
    span = (times[i1] - times[i0]) / np.timedelta64(1, "s")
    w = 0.0 if span == 0 else float(np.clip((t - times[i0]) / np.timedelta64(1, "s") / span, 0, 1))

    safe_lat = np.where(valid, lat, 0.0)
    safe_m, safe_d = np.where(valid, lon_m, 0.0), np.where(valid, lon_d, 0.0)

    def field(name: str) -> NDArray[np.float64]:
        a = _interp2d(meteo[name].isel(time=i0), safe_lat, safe_m)
        b = _interp2d(meteo[name].isel(time=i1), safe_lat, safe_m)
        return np.where(valid, (1 - w) * a + w * b, np.nan)

    z = np.where(valid, _interp2d(dem, safe_lat, safe_d), np.nan)
    slp_hpa = field("SLP") / 100.0
    return PixelMeteo(
        pressure=slp_hpa / P0 * pressure_from_height(np.maximum(z, -400.0)),
        aot550=np.maximum(field("TOTEXTTAU"), 0.0),
        uo3=field("TO3") / 1000.0,  # Dobson units → cm-atm
        uh2o=np.maximum(field("TQV"), 0.0) / 10.0,  # kg/m² → g/cm²
    )
