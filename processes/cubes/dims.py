"""Dimension names of a collection's cube and the common finish of every loaded cube."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import rioxarray  # noqa: F401  (registers the .rio accessor processes-dask relies on)
import xarray as xr

from processes.cubes.grid import PixelGrid

LOAD_DIMS = ("t", "bands", "y", "x")
"""Internal order of a loaded cube; renamed to the collection's names at the end."""


@dataclass(frozen=True)
class DimNames:
    """Names of the four dimensions, as the collection's ``cube:dimensions`` declares them."""

    t: str = "t"
    """Temporal dimension."""
    bands: str = "bands"
    """Bands dimension."""
    y: str = "y"
    """Spatial y (northing, latitude)."""
    x: str = "x"
    """Spatial x (easting, longitude)."""

    @classmethod
    def of(cls, collection: Mapping[str, Any] | None) -> DimNames:
        """Read names from ``cube:dimensions`` (by type and axis); defaults x, y, t, bands."""
        dims = (collection or {}).get("cube:dimensions") or {}
        found: dict[str, str] = {}
        for name, spec in dims.items():
            kind = (spec or {}).get("type")
            if kind == "spatial" and spec.get("axis") in ("x", "y"):
                found[spec["axis"]] = name
            elif kind == "temporal":
                found["t"] = name
            elif kind == "bands":
                found["bands"] = name
        return cls(**found)


def finish(
    cube: xr.DataArray, grid: PixelGrid, names: DimNames, attrs: Mapping[str, Any] | None = None
) -> xr.DataArray:
    """Name dimensions as the collection does and attach the CRS (``crs`` attribute and a
    ``spatial_ref`` coordinate with the GeoTransform, as rioxarray and processes-dask read it).

    Args:
        cube: a ``(t, bands, y, x)`` cube whose x/y coordinates are ``grid``'s pixel centres.
        grid: its pixel grid.
        names: the collection's dimension names.
        attrs: extra attributes.
    """
    cube = cube.transpose(*LOAD_DIMS)
    cube.coords["bands"] = np.asarray([str(b) for b in cube.coords["bands"].values], dtype=str)
    cube = cube.rio.write_crs(grid.crs).rio.write_transform(grid.transform)
    cube.attrs = {**dict(attrs or {}), "crs": grid.crs}
    rename = {
        k: v
        for k, v in zip(LOAD_DIMS, (names.t, names.bands, names.y, names.x), strict=True)
        if k != v
    }
    if rename:
        cube = cube.rename(rename)
        cube = cube.rio.set_spatial_dims(x_dim=names.x, y_dim=names.y)
    return cube
