"""PROBA-V 1 km tiles for pre-processing: a thin, openEO-error-raising view of ``processes.grid``."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from processes.exceptions import ProcessParameterInvalid
from processes.grid import PROBAV_1KM, GridError

_GRID = PROBAV_1KM

#: Pixel size in degrees; upper-left pixel centred ON the tile corner.
PIXEL_DEG = _GRID.pixel_size
#: Pixels per tile side (10° tiles).
TILE_PX = _GRID.tile_pixels
#: Tile size in degrees.
TILE_DEG = _GRID.tile_degrees
#: Upper-left corner of tile X00Y00.
ORIGIN_LON, ORIGIN_LAT = _GRID.origin_lon, _GRID.origin_lat


def parse_tile(tile: str) -> tuple[int, int]:
    """Split ``XnnYmm`` into (nn, mm).

    Raises:
        ProcessParameterInvalid: not a tile id of the grid.
    """
    try:
        return _GRID.parse_tile(tile)
    except GridError:
        raise ProcessParameterInvalid(
            process="tile_project", parameter="tiles", reason=f"{tile!r} is not a tile XnnYmm"
        ) from None


def tile_corner(tile: str) -> tuple[float, float]:
    """Return (lon, lat) of the tile's upper-left pixel centre."""
    parse_tile(tile)
    return _GRID.tile_origin(tile)


def tile_coords(tile: str) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return the pixel-centre latitudes (north to south) and longitudes (west to east).

    Args:
        tile: tile id, e.g. ``X18Y02``.

    Returns:
        (lat, lon), each of ``TILE_PX`` values.
    """
    parse_tile(tile)
    whole = slice(0, TILE_PX)
    return _GRID.pixel_centres(tile, whole, whole)


def pixel_index(tile: str, lat: NDArray, lon: NDArray) -> tuple[NDArray, NDArray]:
    """Return the (row, col) of the tile pixel containing each point (may fall outside 0..1119)."""
    parse_tile(tile)
    return _GRID.tile_pixel_index(tile, lon, lat)


def tiles_covering(lat: NDArray, lon: NDArray) -> list[str]:
    """List the tiles that contain at least one of the points.

    Args:
        lat: latitudes (NaN ignored).
        lon: longitudes.

    Returns:
        Sorted tile ids.
    """
    return _GRID.tiles_for_points(lon, lat)
