"""Lazy cubes of L2B sensor collections: one dask block per acquisition, read by ``open_l2b``."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import dask
import dask.array as da
import numpy as np
import xarray as xr
from xarray.backends.locks import HDF5_LOCK

from processes.cubes.extents import SpatialExtent, to_utc
from processes.cubes.grid import PixelGrid, covering_window, grid_from_stac
from processes.cubes.hrefs import local_file, resolve_href
from processes.exceptions import FeatureUnsupported, Internal
from processes.io.l2b import ANGLES, open_l2b

BAND_COORDS = ("wavelength", "fwhm", "uncertainty_factor", "min_rel_uncertainty", "geometry")
"""Coordinates along ``bands`` that ``open_l2b`` writes and ``optisail`` reads."""


@dataclass(frozen=True)
class L2BBand:
    """One layer of the observation cube and its coordinates along ``bands``."""

    name: str
    wavelength: float = np.nan
    fwhm: float = np.nan
    uncertainty_factor: float = np.nan
    min_rel_uncertainty: float = np.nan
    geometry: str = ""


def geometry_order(vp: Mapping[str, Any]) -> dict[str, Any]:
    """The ``vp`` block with ``geometries`` in the order their bands first use them.

    ``open_l2b`` takes the first geometry as the reference one (``sza``, ``vza``...), but a
    collection read back from pgstac has lost its key order (jsonb sorts keys: PROBA-V's
    ``SWIR`` came before ``VNIR``). Band order is a list and survives, so it restores the
    registry's order.
    """
    geoms = vp["geometries"]
    order = list(dict.fromkeys(b["geometry"] for b in vp["bands"] if b["geometry"] in geoms))
    order += [g for g in geoms if g not in order]
    return {**vp, "geometries": {g: geoms[g] for g in order}}


def l2b_bands(vp: Mapping[str, Any]) -> list[L2BBand]:
    """Every layer ``open_l2b`` reads for a sensor, in its order (same rules as the reader)."""
    vp = geometry_order(vp)
    out = [
        L2BBand(
            b["name"],
            b["srf"]["centre"],
            b["srf"]["fwhm"],
            b["uncertainty_factor"],
            b["min_rel_uncertainty"],
            b["geometry"],
        )
        for b in vp["bands"]
    ]
    out += [L2BBand(f"{b['name']}_unc", geometry=b["geometry"]) for b in vp["bands"]]
    geoms = list(vp["geometries"].items())
    first_name, first = geoms[0]
    out += [L2BBand(a, geometry=first_name) for a in ANGLES]
    for gname, g in geoms[1:]:
        for a in ("vza", "vaa"):
            if g[a] != first[a]:
                out.append(L2BBand(f"{a}_{gname.lower()}", geometry=gname))
    return [*out, L2BBand("clear"), L2BBand("snow"), L2BBand("land")]


@dataclass(frozen=True)
class L2BRead:
    """What one dask block reads: the products of one acquisition time, placed on ``grid``."""

    locations: tuple[str, ...]
    """Resolved asset locations (paths or URLs)."""
    vp: str
    """The sensor's ``vp`` block as JSON text (hashable, tokenizable)."""
    grid: PixelGrid
    """Target grid of the cube."""
    bands: tuple[str, ...]
    """Layers to keep, in order."""

    def __dask_tokenize__(self) -> tuple:
        return (
            type(self).__name__,
            self.locations,
            self.vp,
            self.grid.__dask_tokenize__(),
            self.bands,
        )


def read_block(read: L2BRead) -> np.ndarray:
    """Read and mosaic the products of one block into a ``(1, bands, y, x)`` float32 array."""
    grid, vp = read.grid, json.loads(read.vp)
    t = grid.transform
    out = np.full((1, len(read.bands), grid.height, grid.width), np.nan, np.float32)
    # centres of the target with a quarter pixel margin: open_l2b keeps centres inside its box
    xs, ys = grid.xs, grid.ys
    box = (
        xs.min() - abs(t.a) / 4, ys.min() - abs(t.e) / 4,
        xs.max() + abs(t.a) / 4, ys.max() + abs(t.e) / 4,
    )  # fmt: skip
    for location in read.locations:
        # the netCDF-C/HDF5 libraries are not thread-safe: one read at a time per process,
        # under the lock xarray's own netCDF reads take too
        with local_file(location, suffix=".nc") as path, HDF5_LOCK:
            sub = open_l2b(path, vp, box)
        if sub.sizes["x"] == 0 or sub.sizes["y"] == 0:
            continue
        cols = np.rint((sub.x.values - xs[0]) / t.a).astype(int)
        rows = np.rint((sub.y.values - ys[0]) / t.e).astype(int)
        keep_c = (cols >= 0) & (cols < grid.width)
        keep_r = (rows >= 0) & (rows < grid.height)
        values = sub.sel(bands=list(read.bands)).values[:, :, keep_r][:, :, :, keep_c]
        r, c = rows[keep_r], cols[keep_c]
        current = out[:, :, r[:, None], c[None, :]]
        out[:, :, r[:, None], c[None, :]] = np.where(np.isnan(current), values, current)
    return out


def _item_time(item: Mapping[str, Any]) -> datetime:
    props = item.get("properties") or {}
    stamp = to_utc(props.get("datetime") or props.get("start_datetime"))
    if stamp is None:
        raise Internal(reason=f"item {item.get('id')} has no datetime")
    return stamp


def load_l2b(
    items: Sequence[Mapping[str, Any]],
    vp: Mapping[str, Any],
    extent: SpatialExtent | None,
    bands: Sequence[tuple[str, str]],
    asset_key: str = "data",
) -> tuple[xr.DataArray, PixelGrid] | None:
    """Build the lazy ``(t, bands, y, x)`` cube of L2B items; None when nothing meets the extent.

    Args:
        items: STAC items of one sensor collection (their ``data`` asset is the product).
        vp: the collection's ``vp`` block.
        extent: the requested box (any CRS) or None for the union of the items.
        bands: ``(label, layer name)`` pairs to deliver, in order.
        asset_key: the product asset of each item.

    Raises:
        FeatureUnsupported: items on different pixel lattices.
        Internal: an item without grid metadata or datetime.
    """
    grids = []
    for item in items:
        grid = grid_from_stac(item, item["assets"][asset_key])
        if grid is None:
            raise Internal(reason=f"item {item.get('id')} lacks proj:shape/proj:transform")
        grids.append(grid)
    ref = grids[0]
    if not all(ref.same_lattice(g) for g in grids):
        raise FeatureUnsupported(feature="loading L2B items that lie on different pixel grids")
    spans = [_span(ref, g) for g in grids]
    found = covering_window(ref, spans, extent.bounds_in(ref.crs) if extent is not None else None)
    if found is None:
        return None
    target, touched = found
    groups: dict[datetime, list[str]] = {}
    for item, hit in zip(items, touched, strict=True):
        if hit:
            href = resolve_href(item["assets"][asset_key])
            groups.setdefault(_item_time(item), []).append(href)
    if not groups:
        return None
    vp = geometry_order(vp)
    layers = tuple(name for _, name in bands)
    vp_text = json.dumps(vp)  # key order matters: the first geometry is the reference one
    blocks, times = [], sorted(groups)
    for when in times:
        read = L2BRead(tuple(groups[when]), vp_text, target, layers)
        block = dask.delayed(read_block, pure=True)(read)
        shape = (1, len(layers), target.height, target.width)
        blocks.append(da.from_delayed(block, shape=shape, dtype=np.float32))
    info = {b.name: b for b in l2b_bands(vp)}
    coords: dict[str, Any] = {
        "t": np.array([np.datetime64(w.replace(tzinfo=None), "ns") for w in times]),
        "bands": [label for label, _ in bands],
        "y": target.ys,
        "x": target.xs,
    }
    for key in BAND_COORDS:
        coords[key] = ("bands", np.asarray([getattr(info[n], key) for n in layers]))
    cube = xr.DataArray(
        da.concatenate(blocks, axis=0), dims=("t", "bands", "y", "x"), coords=coords,
        name="observations",
    )  # fmt: skip
    cube.attrs = {"sensor": vp.get("id"), "platform": vp.get("platform")}
    return cube, target


def _span(ref: PixelGrid, grid: PixelGrid) -> tuple[range, range]:
    col, row = ref.offset_of(grid)
    return range(col, col + grid.width), range(row, row + grid.height)
