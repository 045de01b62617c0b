"""PROBA-V 1 km plate-carrée tiles (local helper; same convention as ``ingest/grid.py``)."""

from __future__ import annotations

import re

import numpy as np
from numpy.typing import NDArray

from processes.exceptions import ProcessParameterInvalid

#: Pixel size in degrees; upper-left pixel centred ON the tile corner.
PIXEL_DEG = 1.0 / 112.0
#: Pixels per tile side (10° tiles).
TILE_PX = 1120
#: Tile size in degrees.
TILE_DEG = 10.0
#: Upper-left corner of tile X00Y00.
ORIGIN_LON, ORIGIN_LAT = -180.0, 75.0

_TILE_RE = re.compile(r"^X(\d{2})Y(\d{2})$")


def parse_tile(tile: str) -> tuple[int, int]:
    """Split ``XnnYmm`` into (nn, mm).

    Raises:
        ProcessParameterInvalid: not a tile id of the grid.
    """
    match = _TILE_RE.match(tile)
    if not match or int(match[1]) > 35 or int(match[2]) > 14:
        raise ProcessParameterInvalid(
            process="tile_project", parameter="tiles", reason=f"{tile!r} is not a tile XnnYmm"
        )
    return int(match[1]), int(match[2])


def tile_corner(tile: str) -> tuple[float, float]:
    """Return (lon, lat) of the tile's upper-left pixel centre."""
    h, v = parse_tile(tile)
    return ORIGIN_LON + TILE_DEG * h, ORIGIN_LAT - TILE_DEG * v


def tile_coords(tile: str) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return the pixel-centre latitudes (north to south) and longitudes (west to east).

    Args:
        tile: tile id, e.g. ``X18Y02``.

    Returns:
        (lat, lon), each of ``TILE_PX`` values.
    """
    lon0, lat0 = tile_corner(tile)
    idx = np.arange(TILE_PX, dtype=np.float64)
    return lat0 - idx * PIXEL_DEG, lon0 + idx * PIXEL_DEG


def pixel_index(tile: str, lat: NDArray, lon: NDArray) -> tuple[NDArray, NDArray]:
    """Return the (row, col) of the tile pixel containing each point (may fall outside 0..1119)."""
    lon0, lat0 = tile_corner(tile)
    row = np.floor((lat0 - np.asarray(lat)) / PIXEL_DEG + 0.5).astype(np.int64)
    col = np.floor((np.asarray(lon) - lon0) / PIXEL_DEG + 0.5).astype(np.int64)
    return row, col


def tiles_covering(lat: NDArray, lon: NDArray) -> list[str]:
    """List the tiles that contain at least one of the points.

    Args:
        lat: latitudes (NaN ignored).
        lon: longitudes.

    Returns:
        Sorted tile ids.
    """
    lat, lon = np.ravel(lat), np.ravel(lon)
    ok = np.isfinite(lat) & np.isfinite(lon) & (lat <= ORIGIN_LAT + PIXEL_DEG / 2)
    ok &= lat > ORIGIN_LAT - 15 * TILE_DEG + PIXEL_DEG / 2
    h = np.floor((lon[ok] - ORIGIN_LON + PIXEL_DEG / 2) / TILE_DEG).astype(int) % 36
    v = np.floor((ORIGIN_LAT - lat[ok] + PIXEL_DEG / 2) / TILE_DEG).astype(int)
    return sorted({f"X{a:02d}Y{b:02d}" for a, b in set(zip(h.tolist(), v.tolist(), strict=True))})
