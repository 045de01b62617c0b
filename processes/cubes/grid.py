"""Native pixel grids of items and their crop to a requested extent (pixel-centre rule)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from affine import Affine
from rasterio.warp import transform_bounds

from processes.cubes.extents import WGS84, crs_code

_EPS = 1e-6
"""Tolerance, in pixels, for centres that lie on an extent's edge."""


@dataclass(frozen=True)
class PixelGrid:
    """A north-up grid: ``transform`` maps (col, row) of pixel corners to CRS coordinates."""

    crs: str
    """``EPSG:<n>`` or WKT."""
    transform: Affine
    """Upper-left corner of pixel (0, 0) and the pixel size (``e`` negative: rows go south)."""
    width: int
    """Columns."""
    height: int
    """Rows."""

    def __dask_tokenize__(self) -> tuple:
        return (type(self).__name__, self.crs, tuple(self.transform), self.width, self.height)

    @property
    def shape(self) -> tuple[int, int]:
        """``(height, width)``."""
        return self.height, self.width

    @property
    def xs(self) -> np.ndarray:
        """Column centres."""
        t = self.transform
        return t.c + (np.arange(self.width) + 0.5) * t.a

    @property
    def ys(self) -> np.ndarray:
        """Row centres."""
        t = self.transform
        return t.f + (np.arange(self.height) + 0.5) * t.e

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """``(minx, miny, maxx, maxy)`` of the pixel edges."""
        t = self.transform
        x0, x1 = t.c, t.c + self.width * t.a
        y0, y1 = t.f, t.f + self.height * t.e
        return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)

    def index_range(self, bounds: tuple[float, float, float, float]) -> tuple[range, range]:
        """Global (unclipped) column and row indices whose pixel centres lie inside ``bounds``."""
        t = self.transform
        minx, miny, maxx, maxy = bounds
        return _centres(t.c, t.a, minx, maxx), _centres(t.f, t.e, miny, maxy)

    def window(self, cols: range, rows: range) -> PixelGrid:
        """The grid of columns ``cols`` and rows ``rows`` (global indices, may extend it)."""
        t = self.transform @ Affine.translation(cols.start, rows.start)
        return PixelGrid(self.crs, t, len(cols), len(rows))

    def offset_of(self, other: PixelGrid) -> tuple[int, int]:
        """``(col, row)`` of ``other``'s pixel (0, 0) in this grid (same pixel size assumed)."""
        t, o = self.transform, other.transform
        return round((o.c - t.c) / t.a), round((o.f - t.f) / t.e)

    def same_lattice(self, other: PixelGrid) -> bool:
        """Same CRS, pixel size and alignment: pixels of one are pixels of the other."""
        t, o = self.transform, other.transform
        if self.crs != other.crs or not (
            math.isclose(t.a, o.a, rel_tol=1e-9) and math.isclose(t.e, o.e, rel_tol=1e-9)
        ):
            return False
        dc, dr = (o.c - t.c) / t.a, (o.f - t.f) / t.e
        return abs(dc - round(dc)) < 1e-3 and abs(dr - round(dr)) < 1e-3

    def wgs84_bounds(self) -> tuple[float, float, float, float]:
        """Envelope of the pixel edges in longitude/latitude."""
        if crs_code(self.crs) == WGS84:
            return self.bounds
        return tuple(transform_bounds(self.crs, WGS84, *self.bounds, densify_pts=21))  # type: ignore[return-value]


def _centres(origin: float, step: float, lo: float, hi: float) -> range:
    a, b = (lo - origin) / step - 0.5, (hi - origin) / step - 0.5
    first, last = math.ceil(min(a, b) - _EPS), math.floor(max(a, b) + _EPS)
    return range(first, max(first, last + 1))


def intersect(a: range, b: range) -> range:
    """The common part of two index ranges (possibly empty)."""
    start, stop = max(a.start, b.start), min(a.stop, b.stop)
    return range(start, max(start, stop))


def cover(ranges: Iterable[range]) -> range:
    """The smallest range holding all the given ones."""
    ranges = [r for r in ranges if len(r)]
    if not ranges:
        return range(0)
    return range(min(r.start for r in ranges), max(r.stop for r in ranges))


def covering_window(
    ref: PixelGrid, spans: Sequence[tuple[range, range]], bounds: Sequence[float] | None = None
) -> tuple[PixelGrid, list[bool]] | None:
    """The window of ``ref`` over the items' ``(cols, rows)`` spans, clipped to ``bounds``.

    Args:
        ref: The reference grid.
        spans: Each item's column and row ranges on ``ref``.
        bounds: ``(west, south, east, north)`` in ``ref``'s CRS, or None for the union.

    Returns:
        ``(window, touched)``, ``touched[i]`` telling whether item i meets the window; None
        when the window is empty.
    """
    cols, rows = cover(s[0] for s in spans), cover(s[1] for s in spans)
    if bounds is not None:
        want_c, want_r = ref.index_range(bounds)
        cols, rows = intersect(cols, want_c), intersect(rows, want_r)
    if not cols or not rows:
        return None
    touched = [bool(intersect(c, cols) and intersect(r, rows)) for c, r in spans]
    return ref.window(cols, rows), touched


def grid_from_stac(item: Mapping[str, Any], asset: Mapping[str, Any]) -> PixelGrid | None:
    """The grid an item/asset declares with the projection extension (asset fields win)."""

    def field(name: str) -> Any:
        return asset.get(name, item.get("properties", {}).get(name))

    code = field("proj:code") or (f"EPSG:{field('proj:epsg')}" if field("proj:epsg") else None)
    code = code or field("proj:wkt2")
    shape, transform = field("proj:shape"), field("proj:transform")
    if not (code and shape and transform) or len(transform) < 6:
        return None
    a, b, c, d, e, f = (float(v) for v in transform[:6])
    if b or d:  # rotated grids are left to the reader's own warping
        return None
    return PixelGrid(crs_code(code), Affine(a, b, c, d, e, f), int(shape[1]), int(shape[0]))
