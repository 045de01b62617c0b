"""Which dimension of a computed cube is time, bands, y and x, and its CRS and transform."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import rioxarray  # noqa: F401  (.rio accessor)
import xarray as xr
from affine import Affine
from pyproj import CRS
from rioxarray.exceptions import RioXarrayError

_TIME_NAMES = ("t", "time", "date", "datetime")
_X_NAMES = ("x", "lon", "longitude", "easting")
_Y_NAMES = ("y", "lat", "latitude", "northing")


@dataclass(frozen=True)
class Anatomy:
    """Roles of a DataArray's dimensions (None where absent)."""

    t: str | None
    """Temporal dimension."""
    bands: str | None
    """The one other dimension, if any (band labels)."""
    y: str | None
    """Spatial rows."""
    x: str | None
    """Spatial columns."""
    others: tuple[str, ...]
    """Dimensions beyond these four."""

    @property
    def spatial(self) -> bool:
        """Whether the cube has both x and y."""
        return self.x is not None and self.y is not None


def anatomy(data: xr.DataArray) -> Anatomy:
    """Name the roles of ``data``'s dimensions (by coordinate dtype first, then by name)."""
    dims = list(data.dims)
    t = next(
        (d for d in dims if d in data.coords and np.issubdtype(data[d].dtype, np.datetime64)),
        next((d for d in dims if str(d).lower() in _TIME_NAMES), None),
    )
    x = next((d for d in dims if str(d).lower() in _X_NAMES), None)
    y = next((d for d in dims if str(d).lower() in _Y_NAMES), None)
    rest = [d for d in dims if d not in (t, x, y)]
    bands = rest[0] if len(rest) >= 1 else None
    return Anatomy(t, bands, y, x, tuple(rest[1:]))


def scalar_time(data: xr.DataArray | xr.Dataset) -> np.datetime64 | None:
    """The value of a 0-d datetime coordinate (what ``isel(t=0)`` leaves behind), or None."""
    for coord in data.coords.values():
        if coord.ndim == 0 and np.issubdtype(coord.dtype, np.datetime64):
            return coord.values
    return None


def cube_crs(data: xr.DataArray) -> CRS | None:
    """The CRS from rioxarray's grid mapping, else a ``crs`` attribute or coordinate."""
    try:
        crs = data.rio.crs
    except RioXarrayError:
        crs = None
    if crs is not None:
        return CRS.from_user_input(crs.to_wkt())
    for value in (
        data.attrs.get("crs"),
        data.coords["crs"].item() if "crs" in data.coords else None,
    ):
        if value:
            return CRS.from_user_input(value)
    return None


def cube_transform(data: xr.DataArray, parts: Anatomy) -> Affine:
    """Affine of pixel corners from the x/y centres (a one-pixel axis takes its size from the
    grid mapping's GeoTransform, else 1)."""
    xs = np.asarray(data[parts.x].values, dtype=float)
    ys = np.asarray(data[parts.y].values, dtype=float)
    try:
        stored = data.rio.transform(recalc=False)
    except RioXarrayError:
        stored = Affine.identity()
    dx = (xs[-1] - xs[0]) / (xs.size - 1) if xs.size > 1 else stored.a
    dy = (ys[-1] - ys[0]) / (ys.size - 1) if ys.size > 1 else stored.e
    # the stored pixel size is exact where differences of centres carry rounding (1/112°)
    if math.isclose(stored.a, dx, rel_tol=1e-9):
        dx = stored.a
    if math.isclose(stored.e, dy, rel_tol=1e-9):
        dy = stored.e
    return Affine(dx, 0.0, xs[0] - dx / 2, 0.0, dy, ys[0] - dy / 2)
