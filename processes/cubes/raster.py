"""Lazy cubes of GeoTIFF/COG items through odc-stac, on the items' native grid."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import odc.stac
import pystac
import rasterio
import xarray as xr
from odc.geo.geobox import GeoBox

from processes.cubes.extents import WGS84, SpatialExtent, crs_code
from processes.cubes.grid import PixelGrid, covering_window, grid_from_stac
from processes.cubes.hrefs import gdal_path, resolve_href
from processes.exceptions import Internal, ProcessParameterInvalid

EO_EXTENSION = "https://stac-extensions.github.io/eo/v1.1.0/schema.json"
CHUNK = 2048
"""Pixels per chunk side; one chunk per time step along ``t``."""


@dataclass(frozen=True)
class BandMeta:
    """How to find and decode one band in every item."""

    label: str
    """Label in the cube."""
    asset: str
    """Asset key holding it."""
    index: int
    """1-based band of that asset."""
    nodata: float | None = None
    """Fill value of the stored data (→ NaN)."""
    scale: float = 1.0
    """physical = scale · stored + offset."""
    offset: float = 0.0


def _band_entries(asset: Mapping[str, Any]) -> list[dict]:
    return list(asset.get("eo:bands") or asset.get("bands") or [])


def locate(item: Mapping[str, Any], name: str) -> tuple[str, int] | None:
    """``(asset key, 1-based band)`` of a band name in an item, or None."""
    assets = item.get("assets") or {}
    if name in assets:
        return name, 1
    for key, asset in assets.items():
        for i, b in enumerate(_band_entries(asset)):
            if name in (b.get("name"), b.get("common_name")):
                return key, i + 1
    return None


def _header(location: str) -> dict[str, Any]:
    try:
        with rasterio.open(gdal_path(location)) as src:
            grid = PixelGrid(crs_code(src.crs), src.transform, src.width, src.height)
            return {"grid": grid if src.crs else None, "nodata": src.nodatavals}
    except rasterio.errors.RasterioIOError as e:
        raise Internal(reason=f"cannot open {location}: {e}") from e


def _band_field(asset: Mapping[str, Any], index: int, *keys: str) -> Any:
    """A field of band ``index`` from ``raster:bands`` (raster v1) or ``bands`` (STAC 1.1)."""
    for lst, key in (("raster:bands", keys[0]), ("bands", keys[-1])):
        entries = asset.get(lst) or []
        if len(entries) >= index and entries[index - 1].get(key) is not None:
            return entries[index - 1][key]
    return None


class _FirstItem:
    """Band metadata and grid from the first item, reading file headers only where the STAC
    metadata is silent (a missing nodata would turn fill into data)."""

    def __init__(self, item: Mapping[str, Any]) -> None:
        self.item = item
        self.headers: dict[str, dict[str, Any]] = {}

    def header(self, key: str) -> dict[str, Any]:
        if key not in self.headers:
            self.headers[key] = _header(resolve_href(self.item["assets"][key]))
        return self.headers[key]

    def meta(self, label: str, name: str, process: str) -> BandMeta:
        found = locate(self.item, name)
        if found is None:
            raise ProcessParameterInvalid(
                parameter="bands", process=process,
                reason=f"band {name!r} is not among the assets of item {self.item.get('id')!r}",
            )  # fmt: skip
        key, index = found
        asset = self.item["assets"][key]
        nodata = _band_field(asset, index, "nodata")
        if nodata is None:
            nodata = self.header(key)["nodata"][index - 1]
        scale = _band_field(asset, index, "scale", "raster:scale")
        offset = _band_field(asset, index, "offset", "raster:offset")
        return BandMeta(
            label, key, index, None if nodata is None else float(nodata),
            1.0 if scale is None else float(scale), 0.0 if offset is None else float(offset),
        )  # fmt: skip

    def grid(self, key: str) -> PixelGrid:
        grid = grid_from_stac(self.item, self.item["assets"][key]) or self.header(key)["grid"]
        if grid is None:
            raise Internal(reason=f"item {self.item.get('id')} has no usable grid")
        return grid


def _pystac_item(item: Mapping[str, Any], metas: Sequence[BandMeta]) -> pystac.Item:
    """A copy odc-stac reads as we mean it: resolved hrefs, nodata declared, bands aliased."""
    doc = copy.deepcopy(dict(item))
    doc.setdefault("links", [])
    for key, asset in doc.get("assets", {}).items():
        asset["href"] = gdal_path(resolve_href(asset))
        asset.pop("alternate", None)
        if not asset.get("eo:bands") and asset.get("bands"):
            asset["eo:bands"] = [{"name": b.get("name")} for b in asset["bands"]]
        for m in metas:
            if m.asset == key and m.nodata is not None:
                rb = asset.setdefault("raster:bands", [{} for _ in range(max(1, m.index))])
                while len(rb) < m.index:
                    rb.append({})
                rb[m.index - 1].setdefault("nodata", m.nodata)
    doc["stac_extensions"] = sorted({*doc.get("stac_extensions", []), EO_EXTENSION})
    return pystac.Item.from_dict(doc, preserve_dict=False)


def _coverage(
    ref: PixelGrid, item: Mapping[str, Any], asset: Mapping[str, Any]
) -> tuple[range, range]:
    grid = grid_from_stac(item, asset)
    if grid is not None and grid.crs == ref.crs:
        return ref.index_range(grid.bounds)
    bbox = item.get("bbox")
    if not bbox:
        return range(0), range(0)
    w, s, e, n = (bbox[0], bbox[1], bbox[3], bbox[4]) if len(bbox) == 6 else bbox[:4]
    box = SpatialExtent(float(w), float(s), float(e), float(n), crs=WGS84)
    return ref.index_range(box.bounds_in(ref.crs))


def load_rasters(
    items: Sequence[Mapping[str, Any]],
    bands: Sequence[tuple[str, str]],
    extent: SpatialExtent | None,
    *,
    groupby: str | None = "solar_day",
    process: str = "load_collection",
) -> tuple[xr.DataArray, PixelGrid] | None:
    """Build the lazy ``(t, bands, y, x)`` cube of raster items; None when nothing meets the extent.

    The grid is the native one of the first item (CRS, pixel size and alignment); items on
    other grids are warped onto it (nearest neighbour). Scale, offset and nodata (→ NaN) are
    applied; values are float32 (float64 when stored so).

    Args:
        items: STAC items.
        bands: ``(label, name)`` pairs; a name is an asset key or a band name inside an asset.
        extent: the requested box (any CRS), None for the union of the items.
        groupby: odc-stac grouping of items into time steps.
        process: the calling process, for error messages.
    """
    first = _FirstItem(items[0])
    metas = [first.meta(label, name, process) for label, name in bands]
    key = metas[0].asset
    ref = first.grid(key)
    spans = [_coverage(ref, it, it["assets"].get(key, {})) for it in items]
    found = covering_window(ref, spans, extent.bounds_in(ref.crs) if extent is not None else None)
    if found is None:
        return None
    target, touched = found
    hits = [it for it, hit in zip(items, touched, strict=True) if hit]
    if not hits:
        return None
    names = [name for _, name in bands]
    ds = odc.stac.load(
        [_pystac_item(it, metas) for it in hits],
        bands=names,
        geobox=GeoBox(target.shape, target.transform, target.crs),
        chunks={"x": CHUNK, "y": CHUNK},
        groupby=groupby,
        resampling="nearest",
        fail_on_error=True,
    )
    layers = [_decode(ds[name], m) for name, m in zip(names, metas, strict=True)]
    cube = xr.concat(layers, dim="bands", coords="minimal", compat="override", join="override")
    cube = cube.assign_coords(bands=[m.label for m in metas])
    cube = cube.drop_vars([c for c in cube.coords if c not in ("t", "bands")])
    return cube.assign_coords(x=target.xs, y=target.ys).rename(None), target


def _decode(raw: xr.DataArray, meta: BandMeta) -> xr.DataArray:
    # odc-stac names geographic axes latitude/longitude
    raw = raw.rename(dict(zip(raw.dims, ("t", "y", "x"), strict=True)))
    dtype = np.float64 if raw.dtype == np.float64 else np.float32
    out = raw.astype(dtype)
    if meta.nodata is not None and not np.isnan(meta.nodata):
        out = out.where(raw != meta.nodata)
    if meta.scale != 1.0 or meta.offset != 0.0:
        out = (out * dtype(meta.scale) + dtype(meta.offset)).astype(dtype)
    out.attrs = {}
    return out
