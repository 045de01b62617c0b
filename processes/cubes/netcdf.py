"""Write a computed cube as CF-1.8 NetCDF-4 (one variable per band, a grid mapping)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
from pyproj import CRS

from processes.cubes.anatomy import anatomy, cube_crs, cube_transform

GRID_MAPPING = "crs"
"""Name of the CF grid mapping variable."""
_CF_RESERVED = {"geometry", "bounds", "coordinates", "grid_mapping", "units", "cell_methods"}
"""Attribute names with a CF meaning: band coordinates named so get a ``band_`` prefix."""

Write = Callable[[Path], None]


def _var_name(label: str, taken: set[str]) -> str:
    name = re.sub(r"[^A-Za-z0-9_.@+-]", "_", label) or "band"
    if not name[0].isalpha():
        name = "b_" + name
    base, k = name, 1
    while name in taken:
        k += 1
        name = f"{base}_{k}"
    taken.add(name)
    return name


def _attr(value: Any) -> Any:
    """A netCDF-storable attribute value, or None to drop it."""
    if isinstance(value, (str, int, float, np.number)) and not isinstance(value, bool):
        return value
    if isinstance(value, bool | np.bool_):
        return int(value)
    if isinstance(value, (list, tuple, np.ndarray)):
        arr = np.asarray(value)
        return arr if arr.dtype.kind in "iuf" else None
    return None


def _clean_attrs(attrs: dict) -> dict:
    out = {}
    for k, v in attrs.items():
        kept = _attr(v)
        if kept is not None and k not in ("_FillValue", "grid_mapping", "coordinates"):
            out[str(k)] = kept
    return out


def _crs_variable(crs: CRS, transform) -> xr.DataArray:
    attrs = {k: v for k, v in crs.to_cf().items() if _attr(v) is not None}
    wkt = crs.to_wkt()
    attrs.update(crs_wkt=wkt, spatial_ref=wkt)
    if transform is not None:
        attrs["GeoTransform"] = " ".join(
            str(v)
            for v in (transform.c, transform.a, transform.b, transform.f, transform.d, transform.e)
        )
    return xr.DataArray(np.int32(0), attrs=attrs)


def _coord_attrs(ds: xr.Dataset, parts, crs: CRS | None) -> None:
    geographic = crs is not None and crs.is_geographic
    if parts.x is not None:
        ds[parts.x].attrs = (
            {"standard_name": "longitude", "units": "degrees_east", "axis": "X"}
            if geographic
            else {"standard_name": "projection_x_coordinate", "units": "m", "axis": "X"}
        )
    if parts.y is not None:
        ds[parts.y].attrs = (
            {"standard_name": "latitude", "units": "degrees_north", "axis": "Y"}
            if geographic
            else {"standard_name": "projection_y_coordinate", "units": "m", "axis": "Y"}
        )
    if parts.t is not None:
        ds[parts.t].attrs = {"standard_name": "time", "axis": "T", "long_name": "time"}


def to_cf(data: xr.DataArray) -> xr.Dataset:
    """The CF dataset of a computed cube: one variable per band label, a grid mapping."""
    parts = anatomy(data)
    crs = cube_crs(data) if parts.spatial else None
    transform = cube_transform(data, parts) if parts.spatial else None
    data = data.drop_vars([c for c in ("spatial_ref", "crs") if c in data.coords])
    taken: set[str] = set()
    if parts.bands is not None and not parts.others:
        band_coords = [
            c for c in data.coords if data[c].dims == (parts.bands,) and c != parts.bands
        ]
        variables = {}
        for i, label in enumerate(data[parts.bands].values):
            var = data.isel({parts.bands: i}).drop_vars([parts.bands, *band_coords])
            attrs = {"long_name": str(label)}
            for c in band_coords:  # e.g. wavelength, fwhm of L2B bands
                kept = _attr(data[c].values[i].item())
                if kept is not None and kept == kept and kept != "":  # NaN != NaN
                    attrs[f"band_{c}" if c in _CF_RESERVED else str(c)] = kept
            var.attrs = attrs
            variables[_var_name(str(label), taken)] = var
        ds = xr.Dataset(variables)
    else:
        name = _var_name(str(data.name or "data"), taken)
        ds = data.to_dataset(name=name)
        ds[name].attrs = _clean_attrs(dict(data.attrs))
        ds[name].attrs.pop("crs", None)
    for name in ds.data_vars:
        if ds[name].dtype == bool:
            ds[name] = ds[name].astype(np.uint8)
        if crs is not None:
            ds[name].attrs["grid_mapping"] = GRID_MAPPING
    if crs is not None:
        ds[GRID_MAPPING] = _crs_variable(crs, transform)
    _coord_attrs(ds, parts, crs)
    glob = _clean_attrs(dict(data.attrs))
    glob.pop("crs", None)
    ds.attrs = {
        "title": str(glob.pop("title", "openEO result")),
        **glob,
        "Conventions": "CF-1.8",
        "source": "Canopy openEO save_result",
        "history": f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ} written by Canopy save_result",
    }
    for var in ds.variables.values():
        var.encoding = {}
    return ds


def plan_netcdf(data: xr.DataArray, options: dict[str, Any]) -> list[tuple[str, Write]]:
    """One ``openEO.nc`` holding the whole cube."""
    ds = to_cf(data)
    level = int(options.get("compression_level", 4))
    encoding: dict[str, dict] = {}
    for name, var in ds.data_vars.items():
        if name == GRID_MAPPING:
            continue
        encoding[name] = {"zlib": level > 0, "complevel": level} if level > 0 else {}
        if var.dtype.kind == "f":
            encoding[name]["_FillValue"] = np.nan
    for name in ds.coords:
        encoding[str(name)] = {"_FillValue": None}  # CF: coordinates have no fill value
        if ds[name].dtype.kind == "M":  # CF 1.8 has no int64; float64 seconds keep µs
            encoding[str(name)].update(units="seconds since 1970-01-01 00:00:00", dtype="float64")

    def write(path: Path) -> None:
        ds.to_netcdf(path, engine="netcdf4", format="NETCDF4", encoding=encoding)

    return [("openEO.nc", write)]
