"""Read one C3S-style L2B product into the observation-cube convention of the retrieval."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import netCDF4
import numpy as np
import xarray as xr

from processes.exceptions import Internal

ANGLES = ("sza", "saa", "vza", "vaa")


def _layer(ds: netCDF4.Dataset, path: str, window, raw: bool = False) -> np.ndarray:
    """Read a variable by absolute HDF5 path; scale/offset/fill applied unless ``raw``."""
    var = ds[path.lstrip("/")]
    var.set_auto_maskandscale(not raw)
    data = var[window]
    if raw:
        return np.asarray(data)
    return np.ma.filled(np.ma.asarray(data).astype(np.float32), np.nan)


def _test(ds, test: Mapping[str, Any], window, cache: dict) -> np.ndarray:
    """Evaluate ``(layer & bitmask) == bitvalue``; bit layers are read raw (no fill masking)."""
    if test["path"] not in cache:
        cache[test["path"]] = _layer(ds, test["path"], window, raw=True).astype(np.int64)
    return (cache[test["path"]] & test["bitmask"]) == test["bitvalue"]


def _window(ds, bbox) -> tuple[slice, slice]:
    if bbox is None:
        return slice(None), slice(None)
    west, south, east, north = bbox
    lat, lon = ds["lat"][:], ds["lon"][:]
    rows = np.flatnonzero((lat >= south) & (lat <= north))
    cols = np.flatnonzero((lon >= west) & (lon <= east))
    if rows.size == 0 or cols.size == 0:
        return slice(0, 0), slice(0, 0)
    return slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1)


def _time(ds) -> np.datetime64:
    text = ds.getncattr("time_coverage_start")
    return np.datetime64(
        datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None), "ns"
    )


def open_l2b(
    path: str | Path, vp: Mapping[str, Any], bbox: Sequence[float] | None = None
) -> xr.DataArray:
    """Read one L2B product into a ``(t, bands, y, x)`` observation cube.

    Bands: each reflectance band ``X`` (registry name), its raw uncertainty ``X_unc`` (the
    product's SDR_uncertainty layer; the retrieval applies ``max(uncertainty_factor·X_unc,
    min_rel_uncertainty·X)``), ``sza``, ``saa``, ``vza``, ``vaa`` of the first band geometry,
    ``vza_<geometry>``/``vaa_<geometry>`` of every further geometry (e.g. ``vza_swir``),
    ``clear`` (cloud-free land with good radiometry in every band), ``snow`` and ``land`` (the
    sensor's land flag; 1 where the registry names no land test). Fill → NaN.

    Args:
        path: product file.
        vp: the sensor's ``vp`` block (its STAC collection's ``vp`` field), as plain dict.
        bbox: optional ``(west, south, east, north)`` of pixel centres to read.

    Returns:
        A float32 DataArray with coordinates ``t``, ``bands``, ``y`` (lat, descending), ``x``
        (lon) and, along ``bands``, ``wavelength``, ``fwhm``, ``uncertainty_factor``,
        ``min_rel_uncertainty`` (NaN for non-reflectance bands) and ``geometry``.

    Raises:
        Internal: when the file cannot be read or lacks a layer the registry names.
    """
    try:
        with netCDF4.Dataset(path) as ds:
            return _read(ds, vp, bbox, Path(path).name)
    except (OSError, KeyError, IndexError, ValueError) as e:
        raise Internal(f"cannot read L2B product {path}: {type(e).__name__}: {e}") from e


def _read(ds, vp, bbox, name) -> xr.DataArray:
    window = _window(ds, bbox)
    lat, lon = ds["lat"][window[0]], ds["lon"][window[1]]
    bands, layers, coords = (
        [],
        [],
        {
            k: []
            for k in ("wavelength", "fwhm", "uncertainty_factor", "min_rel_uncertainty", "geometry")
        },
    )

    def add(label, data, wl=np.nan, fwhm=np.nan, fac=np.nan, rel=np.nan, geom=""):
        bands.append(label)
        layers.append(data)
        for k, v in zip(coords, (wl, fwhm, fac, rel, geom), strict=True):
            coords[k].append(v)

    for b in vp["bands"]:
        srf = b["srf"]
        add(
            b["name"],
            _layer(ds, b["sdr"], window),
            srf["centre"],
            srf["fwhm"],
            b["uncertainty_factor"],
            b["min_rel_uncertainty"],
            b["geometry"],
        )
    for b in vp["bands"]:
        add(f"{b['name']}_unc", _layer(ds, b["sdr_uncertainty"], window), geom=b["geometry"])
    # The first band's geometry is the reference; jsonb (pgstac) does not keep key order.
    reference = vp["bands"][0]["geometry"]
    geoms = sorted(vp["geometries"].items(), key=lambda kv: kv[0] != reference)
    first_name, first = geoms[0]
    for a in ANGLES:
        add(a, _layer(ds, first[a], window), geom=first_name)
    for gname, g in geoms[1:]:
        for a in ("vza", "vaa"):
            if g[a] != first[a]:
                add(f"{a}_{gname.lower()}", _layer(ds, g[a], window), geom=gname)
    cache: dict[str, np.ndarray] = {}
    clear = np.ones((lat.size, lon.size), bool)
    land = np.ones_like(clear)
    snow = np.zeros_like(clear)
    for _, g in geoms:
        clear &= _test(ds, g["cloud"], window, cache)
        if g.get("land"):
            land &= _test(ds, g["land"], window, cache)
        snow |= _test(ds, g["snow"], window, cache)
    clear &= land
    for b, data in zip(vp["bands"], layers, strict=False):
        clear &= _test(ds, b["quality"], window, cache) & np.isfinite(data)
    add("clear", clear.astype(np.float32))
    add("snow", snow.astype(np.float32))
    add("land", land.astype(np.float32))
    cube = np.stack(layers)[None].astype(np.float32)
    return xr.DataArray(
        cube,
        dims=("t", "bands", "y", "x"),
        coords={
            "t": [_time(ds)],
            "bands": bands,
            "y": np.asarray(lat, dtype=float),
            "x": np.asarray(lon, dtype=float),
            **{k: ("bands", np.asarray(v)) for k, v in coords.items()},
        },
        attrs={"sensor": vp["id"], "platform": vp["platform"], "crs": "EPSG:4326", "product": name},
        name="observations",
    )


def open_l2b_many(
    paths: Sequence[str | Path], vp: Mapping[str, Any], bbox: Sequence[float] | None = None
) -> xr.DataArray:
    """Read several products of one sensor and grid window, concatenated and sorted along ``t``."""
    cubes = [open_l2b(p, vp, bbox) for p in paths]
    if not cubes:
        raise Internal("open_l2b_many needs at least one product")
    out = xr.concat(
        cubes, dim="t", coords="minimal", compat="override", combine_attrs="drop_conflicts"
    )
    return out.sortby("t")
