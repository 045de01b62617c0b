"""The openEO process ``load_stac``: a cube from a STAC Item, Collection or job-results URL."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

import xarray as xr

from processes.cubes import extents
from processes.cubes.bands import BandSet
from processes.cubes.dims import DimNames, finish
from processes.cubes.hrefs import resolve_href
from processes.cubes.l2b import load_l2b
from processes.cubes.load_collection import band_set, in_time
from processes.cubes.netcdf_read import load_netcdf
from processes.cubes.properties import matches, to_cql2
from processes.cubes.raster import load_rasters
from processes.cubes.stac_docs import FetchJson, collect_items, sensor_block
from processes.exceptions import NoDataAvailable

PROCESS = "load_stac"
_NOT_DATA = {"thumbnail", "overview", "metadata", "visual"}


def _is_netcdf(asset: Mapping[str, Any]) -> bool:
    return "netcdf" in str(asset.get("type", "")).lower() or str(
        asset.get("href", "")
    ).lower().endswith(".nc")


def data_assets(item: Mapping[str, Any]) -> dict[str, dict]:
    """Assets holding data: role ``data``, or raster/NetCDF files without a non-data role."""
    out = {}
    for key, asset in (item.get("assets") or {}).items():
        roles = set(asset.get("roles") or [])
        kind = str(asset.get("type", "")).lower()
        if "data" in roles or (not roles & _NOT_DATA and ("tiff" in kind or _is_netcdf(asset))):
            out[key] = asset
    return out


def _single_asset_items(items: list[dict]) -> list[dict]:
    """Items whose one data asset has a different key each (result files named by date) get
    it under one key, ``data``, so the reader sees one band layout."""
    keys = [list(data_assets(it)) for it in items]
    if all(len(k) == 1 for k in keys) and len({k[0] for k in keys}) > 1:
        out = []
        for it, (key,) in zip(items, keys, strict=True):
            it = copy.deepcopy(it)
            it["assets"] = {"data": it["assets"][key]}
            out.append(it)
        return out
    return [{**it, "assets": data_assets(it)} for it in items]


def _band_set(item: Mapping[str, Any]) -> BandSet:
    bands: list[dict] = []
    for key, asset in item["assets"].items():
        entries = asset.get("eo:bands") or asset.get("bands") or []
        named = [
            {"name": b["name"], "common_name": b.get("common_name")}
            for b in entries
            if b.get("name")
        ]
        bands += named or [{"name": key}]
    return BandSet.from_bands(bands)


def _in_time(item: Mapping[str, Any], times: extents.TemporalExtent) -> bool:
    props = item.get("properties") or {}
    if not any(props.get(k) for k in ("datetime", "start_datetime")):
        return times.start is None and times.end is None
    return in_time(item, times)


def _hits(item: Mapping[str, Any], box: extents.SpatialExtent | None) -> bool:
    if box is None or not item.get("bbox"):
        return True
    b = item["bbox"]
    w, s, e, n = (b[0], b[1], b[3], b[4]) if len(b) == 6 else b[:4]
    bw, bs, be, bn = box.wgs84()
    return w <= be and bw <= e and s <= bn and bs <= n


def make_load_stac(fetch_json: FetchJson) -> Callable[..., xr.DataArray]:
    """Bind ``load_stac`` to a JSON fetcher.

    Args:
        fetch_json: ``url -> dict``; the backend resolves its own URLs in-process.

    Returns:
        The process function ``load_stac(url, spatial_extent, temporal_extent, bands,
        properties)``.
    """

    def load_stac(
        url: str,
        spatial_extent: Any = None,
        temporal_extent: Any = None,
        bands: list[str] | None = None,
        properties: Mapping[str, Any] | None = None,
        **_: Any,
    ) -> xr.DataArray:
        """openEO process ``load_stac``: a lazy ``(t, bands, y, x)`` cube.

        Raises:
            ProcessParameterInvalid: unreadable URL, bad extent, unknown band or filter.
            NoDataAvailable: nothing meets the extents and filters.
        """
        box = extents.spatial_extent(spatial_extent, PROCESS)
        times = extents.temporal_extent(temporal_extent, PROCESS)
        cql = to_cql2(properties, PROCESS)
        doc, found = collect_items(str(url), fetch_json)
        items = [
            it
            for it in found
            if _in_time(it, times) and _hits(it, box) and matches(cql, it.get("properties") or {})
        ]
        items = [it for it in _single_asset_items(items) if it["assets"]]
        built, names = None, DimNames()
        netcdf = bool(items) and all(_is_netcdf(a) for it in items for a in it["assets"].values())
        vp = sensor_block(doc, items, fetch_json) if netcdf else None
        if vp:  # L2B products of a Canopy sensor collection
            pairs = band_set({"vp": vp}).resolve(bands, PROCESS)
            built = load_l2b(items, vp, box, pairs, asset_key=next(iter(items[0]["assets"])))
            names = DimNames.of(doc if doc.get("type") == "Collection" else None)
        elif netcdf:
            locations = [resolve_href(next(iter(it["assets"].values()))) for it in items]
            built = load_netcdf(items, locations, bands, box, times)
        elif items:
            pairs = _band_set(items[0]).resolve(bands, PROCESS)
            built = load_rasters(items, pairs, box, groupby="time", process=PROCESS)
        if built is None:
            where = f"spatial extent {box}" if box else "any place"
            raise NoDataAvailable(
                reason=f"{url} has no data in {where} and temporal extent {times}"
            )
        cube, grid = built
        return finish(cube, grid, names, {**cube.attrs, "source": str(url)})

    return load_stac
