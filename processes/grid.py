"""Plate-carrée tile grids (PROBA-V 1 km and any grid a sensor declares): tiles, bounds, pixels.

The one grid core: ``ingest.grid`` and ``processes.preprocess.tilegrid`` are thin users of it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

_TILE_RE = re.compile(r"^X(\d{2})Y(\d{2})$")


class GridError(ValueError):
    """A tile name, coordinate or region does not fit the grid."""


@dataclass(frozen=True)
class TileGrid:
    """A global plate-carrée grid cut into square tiles.

    Pixel centres lie on multiples of ``1/pixels_per_degree`` from the origin; the upper-left
    pixel of a tile is *centred* on the tile corner, so pixel footprints extend half a pixel
    west and north of the nominal tile corner (the seed's OptiSAIL ROI of X18Y02 is
    lon 0 … 9.991071, lat 45.008929 … 55).
    """

    name: str
    """Grid identifier referenced by sensor files (e.g. ``probav-1km``)."""
    pixels_per_degree: int = 112
    """Pixels per degree along both axes."""
    tile_pixels: int = 1120
    """Tile size in pixels along both axes."""
    origin_lon: float = -180.0
    """Longitude of the first column's pixel centres (tile X00)."""
    origin_lat: float = 75.0
    """Latitude of the first row's pixel centres (tile Y00)."""
    n_tiles_x: int = 36
    """Number of tile columns."""
    n_tiles_y: int = 14
    """Number of tile rows (Y00 … Y13 reach 65°S)."""

    @property
    def pixel_size(self) -> float:
        """Pixel size in degrees."""
        return 1.0 / self.pixels_per_degree

    @property
    def tile_degrees(self) -> float:
        """Tile size in degrees."""
        return self.tile_pixels / self.pixels_per_degree

    def parse_tile(self, tile: str) -> tuple[int, int]:
        """Return ``(h, v)`` of a tile name like ``X18Y02``.

        Raises:
            GridError: when the name is malformed or outside the grid.
        """
        m = _TILE_RE.match(tile)
        if not m:
            raise GridError(f"tile {tile!r} is not of the form XhhYvv")
        h, v = int(m.group(1)), int(m.group(2))
        if not (0 <= h < self.n_tiles_x and 0 <= v < self.n_tiles_y):
            raise GridError(f"tile {tile!r} lies outside grid {self.name}")
        return h, v

    @staticmethod
    def tile_name(h: int, v: int) -> str:
        """Return the name of tile column ``h`` and row ``v``."""
        return f"X{h:02d}Y{v:02d}"

    def tile_origin(self, tile: str) -> tuple[float, float]:
        """Return ``(lon, lat)`` of the centre of the tile's upper-left pixel."""
        h, v = self.parse_tile(tile)
        return self.origin_lon + h * self.tile_degrees, self.origin_lat - v * self.tile_degrees

    def tile_centre_bounds(self, tile: str) -> tuple[float, float, float, float]:
        """Return ``(west, south, east, north)`` of the tile's outermost pixel *centres*."""
        lon0, lat0 = self.tile_origin(tile)
        span = (self.tile_pixels - 1) * self.pixel_size
        return lon0, lat0 - span, lon0 + span, lat0

    def tile_bounds(self, tile: str) -> tuple[float, float, float, float]:
        """Return ``(west, south, east, north)`` of the tile's pixel *footprints* (edges)."""
        w, s, e, n = self.tile_centre_bounds(tile)
        half = self.pixel_size / 2
        return w - half, s - half, e + half, n + half

    def lonlat_to_global(self, lon: float | np.ndarray, lat: float | np.ndarray):
        """Return global ``(col, row)`` indices of the pixels containing the given points."""
        col = np.floor((np.asarray(lon) - self.origin_lon) * self.pixels_per_degree + 0.5)
        row = np.floor((self.origin_lat - np.asarray(lat)) * self.pixels_per_degree + 0.5)
        return col.astype(np.int64), row.astype(np.int64)

    def lonlat_to_pixel(self, lon: float, lat: float) -> tuple[str, int, int]:
        """Return ``(tile, row, col)`` of the pixel containing a point.

        Raises:
            GridError: when the point lies outside the grid.
        """
        gcol, grow = (int(x) for x in self.lonlat_to_global(lon, lat))
        gcol %= self.n_tiles_x * self.tile_pixels  # the grid wraps at the antimeridian
        h, col = divmod(gcol, self.tile_pixels)
        v, row = divmod(grow, self.tile_pixels)
        if not 0 <= v < self.n_tiles_y:
            raise GridError(f"latitude {lat} lies outside grid {self.name}")
        return self.tile_name(h, v), row, col

    def pixel_to_lonlat(self, tile: str, row: float, col: float) -> tuple[float, float]:
        """Return ``(lon, lat)`` of the centre of pixel ``(row, col)`` of a tile."""
        lon0, lat0 = self.tile_origin(tile)
        return lon0 + col * self.pixel_size, lat0 - row * self.pixel_size

    def pixel_centres(self, tile: str, rows: slice, cols: slice) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(lat, lon)`` centre vectors of a window (lat descending)."""
        lon0, lat0 = self.tile_origin(tile)
        r = np.arange(rows.start, rows.stop)
        c = np.arange(cols.start, cols.stop)
        return lat0 - r / self.pixels_per_degree, lon0 + c / self.pixels_per_degree

    def window(self, tile: str, bbox: tuple[float, float, float, float]) -> tuple[slice, slice]:
        """Return ``(rows, cols)`` slices of the tile pixels whose footprints meet ``bbox``.

        Args:
            tile: tile name.
            bbox: ``(west, south, east, north)`` in degrees.

        Raises:
            GridError: when the box misses the tile.
        """
        west, south, east, north = bbox
        if west >= east or south >= north:
            raise GridError(f"bbox {bbox} is empty")
        lon0, lat0 = self.tile_origin(tile)
        ppd = self.pixels_per_degree
        # a footprint [c - ½, c + ½) meets the box when its centre is within ½ px of it
        c0 = max(0, math.ceil((west - lon0) * ppd - 0.5))
        c1 = min(self.tile_pixels, math.floor((east - lon0) * ppd + 0.5) + 1)
        r0 = max(0, math.ceil((lat0 - north) * ppd - 0.5))
        r1 = min(self.tile_pixels, math.floor((lat0 - south) * ppd + 0.5) + 1)
        if c0 >= c1 or r0 >= r1:
            raise GridError(f"bbox {bbox} does not meet tile {tile}")
        return slice(r0, r1), slice(c0, c1)

    def tile_pixel_index(self, tile: str, lon, lat) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(row, col)`` of the pixels of ``tile``'s index space containing the points.

        Points outside the tile give indices outside ``0 … tile_pixels − 1`` (no wrap).
        """
        lon0, lat0 = self.tile_origin(tile)
        ppd = self.pixels_per_degree
        row = np.floor((lat0 - np.asarray(lat)) * ppd + 0.5).astype(np.int64)
        col = np.floor((np.asarray(lon) - lon0) * ppd + 0.5).astype(np.int64)
        return row, col

    def tiles_for_points(self, lon, lat) -> list[str]:
        """Return the sorted names of the tiles holding at least one point (NaN ignored)."""
        lon, lat = np.ravel(lon), np.ravel(lat)
        ok = np.isfinite(lon) & np.isfinite(lat)
        gcol, grow = self.lonlat_to_global(lon[ok], lat[ok])
        h = (gcol % (self.n_tiles_x * self.tile_pixels)) // self.tile_pixels
        v = grow // self.tile_pixels
        inside = (v >= 0) & (v < self.n_tiles_y) & (grow >= 0)
        pairs = set(zip(h[inside].tolist(), v[inside].tolist(), strict=True))
        return sorted(self.tile_name(a, b) for a, b in pairs)

    def tiles_for_bbox(self, bbox: tuple[float, float, float, float]) -> list[str]:
        """Return the names of the tiles whose pixel footprints meet ``bbox`` (no wrap)."""
        west, south, east, north = bbox
        if west >= east or south >= north:
            raise GridError(f"bbox {bbox} is empty")
        half = self.pixel_size / 2
        h0 = math.floor((west - self.origin_lon + half) / self.tile_degrees)
        h1 = math.ceil((east - self.origin_lon + half) / self.tile_degrees) - 1
        v0 = math.floor((self.origin_lat + half - north) / self.tile_degrees)
        v1 = math.ceil((self.origin_lat + half - south) / self.tile_degrees) - 1
        h0, v0 = max(h0, 0), max(v0, 0)
        h1, v1 = min(h1, self.n_tiles_x - 1), min(v1, self.n_tiles_y - 1)
        return [self.tile_name(h, v) for v in range(v0, v1 + 1) for h in range(h0, h1 + 1)]


PROBAV_1KM = TileGrid(name="probav-1km")
"""The PROBA-V / C3S 1 km plate-carrée grid (1/112°, 10° tiles, X00 at 180°W, Y00 at 75°N)."""

GRIDS: dict[str, TileGrid] = {PROBAV_1KM.name: PROBAV_1KM}
"""Named grids a sensor file may reference."""


def get_grid(spec: str | dict) -> TileGrid:
    """Return a grid by name, or build one from an inline sensor-file definition.

    Raises:
        GridError: for an unknown grid name.
    """
    if isinstance(spec, dict):
        return TileGrid(**spec)
    try:
        return GRIDS[spec]
    except KeyError:
        raise GridError(f"unknown grid {spec!r}; known: {sorted(GRIDS)}") from None
