"""Lazy cubes of NetCDF items (the CF files ``save_result`` writes, or alike)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import fsspec
import numpy as np
import xarray as xr
from pyproj import CRS

from processes.cubes.anatomy import anatomy, cube_transform
from processes.cubes.bands import BandSet
from processes.cubes.extents import SpatialExtent, TemporalExtent, crs_code, to_utc
from processes.cubes.grid import PixelGrid, intersect
from processes.cubes.hrefs import is_local
from processes.exceptions import FeatureUnsupported, Internal


def _open(location: str) -> xr.Dataset:
    # chunks={} keeps every variable lazy, one dask chunk per file chunk
    if is_local(location):
        return xr.open_dataset(location, engine="netcdf4", chunks={})
    return xr.open_dataset(
        fsspec.open(location, "rb").open(), engine="h5netcdf", chunks={}, decode_coords=False
    )


def _grid_mapping(ds: xr.Dataset, var: xr.DataArray) -> CRS | None:
    name = var.attrs.get("grid_mapping") or var.encoding.get("grid_mapping")
    gm = ds.variables.get(name) if name else None
    if gm is None:
        return None
    wkt = gm.attrs.get("crs_wkt") or gm.attrs.get("spatial_ref")
    return CRS.from_user_input(wkt) if wkt else CRS.from_cf(dict(gm.attrs))


def _as_cube(ds: xr.Dataset, when: Any) -> tuple[xr.DataArray, CRS | None]:
    """Stack the spatial variables of a file into ``(t, bands, y, x)`` (labels from long_name)."""
    spatial = [n for n, v in ds.data_vars.items() if anatomy(v).spatial]
    if not spatial:
        raise Internal(reason="a NetCDF asset without x/y variables")
    parts = anatomy(ds[spatial[0]])
    labels = [str(ds[n].attrs.get("long_name", n)) for n in spatial]
    layers = [ds[n].drop_vars([c for c in ds[n].coords if c not in ds[n].dims]) for n in spatial]
    cube = xr.concat(layers, dim="bands", coords="minimal", compat="override", join="exact")
    cube = cube.assign_coords(bands=labels)
    rename = {parts.y: "y", parts.x: "x"}
    if parts.t is not None:
        rename[parts.t] = "t"
    cube = cube.rename({k: v for k, v in rename.items() if k != v})
    if "t" not in cube.dims:
        stamp = to_utc(when)
        times = (
            [np.datetime64(stamp.replace(tzinfo=None), "ns")]
            if stamp
            else [np.datetime64("NaT", "ns")]
        )
        cube = cube.expand_dims(t=times)
    if cube["y"].values.size > 1 and cube["y"].values[0] < cube["y"].values[-1]:
        cube = cube.isel(y=slice(None, None, -1))  # north-up, as the grid model expects
    cube.attrs = {}
    return cube.transpose("t", "bands", "y", "x"), _grid_mapping(ds, ds[spatial[0]])


def load_netcdf(
    items: Sequence[Mapping[str, Any]],
    locations: Sequence[str],
    requested: Any,
    extent: SpatialExtent | None,
    times: TemporalExtent,
) -> tuple[xr.DataArray, PixelGrid] | None:
    """Build the lazy cube of NetCDF assets (one per item, same grid), cropped and filtered.

    Args:
        items: the items (their datetime stands in for files without a time dimension).
        locations: resolved location of each item's NetCDF asset.
        requested: the ``bands`` argument (None = all).
        extent: requested box in any CRS, or None.
        times: requested interval.

    Raises:
        ProcessParameterInvalid: an unknown band.
        FeatureUnsupported: files on different grids.
    """
    cubes, crs = [], None
    for item, location in zip(items, locations, strict=True):
        props = item.get("properties") or {}
        cube, crs = _as_cube(_open(location), props.get("datetime") or props.get("start_datetime"))
        cubes.append(cube)
    try:
        cube = xr.concat(cubes, dim="t", join="exact", coords="minimal", compat="override")
    except ValueError as e:
        raise FeatureUnsupported(feature=f"loading NetCDF items on different grids ({e})") from e
    pairs = BandSet.from_bands([{"name": b} for b in cube["bands"].values]).resolve(
        requested, "load_stac"
    )
    cube = cube.sel(bands=[name for _, name in pairs]).assign_coords(
        bands=[label for label, _ in pairs]
    )
    cube = cube.sortby("t")
    if times.start is not None or times.end is not None:
        t = cube["t"].values
        keep = np.ones(t.size, bool)
        if times.start is not None:
            keep &= t >= np.datetime64(times.start.replace(tzinfo=None), "ns")
        if times.end is not None:
            keep &= t < np.datetime64(times.end.replace(tzinfo=None), "ns")
        cube = cube.isel(t=np.flatnonzero(keep))
    parts = anatomy(cube)
    transform = cube_transform(cube, parts)
    grid = PixelGrid(
        crs_code(crs) if crs else "EPSG:4326", transform, cube.sizes["x"], cube.sizes["y"]
    )
    if extent is not None:
        want_c, want_r = grid.index_range(extent.bounds_in(grid.crs))
        cols, rows = intersect(range(grid.width), want_c), intersect(range(grid.height), want_r)
        if not cols or not rows:
            return None
        cube, grid = (
            cube.isel(x=slice(cols.start, cols.stop), y=slice(rows.start, rows.stop)),
            grid.window(cols, rows),
        )
    if cube.sizes["t"] == 0:
        return None
    return cube, grid
