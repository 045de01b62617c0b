"""Swath → 1 km tile resampling by nearest neighbour with pyresample's kd-tree."""

from __future__ import annotations

import numpy as np
import xarray as xr
from numpy.typing import NDArray
from pyresample import geometry, kd_tree

from processes.preprocess.tilegrid import PIXEL_DEG, TILE_PX, pixel_index, tile_coords

#: Fill of the flags variable outside the swath (bit 7 = "no observation").
FLAGS_FILL = 0x80
_EARTH_RADIUS_M = 6371008.8


def _great_circle_m(lat1, lon1, lat2, lon2) -> NDArray[np.float64]:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def default_radius(lat: NDArray, lon: NDArray) -> float:
    """Radius of influence (m) for nearest neighbour: 0.75 × the largest swath pixel spacing.

    0.75 exceeds half the diagonal of the largest swath pixel (≈0.71 × spacing), so every grid
    pixel inside the swath finds a neighbour, while grid pixels beyond the swath edge stay empty.
    """
    along_x = _great_circle_m(lat[:, :-1], lon[:, :-1], lat[:, 1:], lon[:, 1:])
    along_y = _great_circle_m(lat[:-1], lon[:-1], lat[1:], lon[1:])
    return 0.75 * float(max(np.nanmax(along_x), np.nanmax(along_y)))


def unwrap_lon(tile: str, lon: NDArray) -> NDArray:
    """Longitudes shifted by ±360° into the 360° span centred on the tile.

    A swath crossing the antimeridian holds longitudes near +180 and −180; relative to tile X00
    (180°W) the +179.9 pixels are really at −180.1, so the tile window must see them there.
    """
    centre = tile_coords(tile)[1].mean()
    return (np.asarray(lon, float) - centre + 180.0) % 360.0 - 180.0 + centre


def _window_rows_cols(tile: str, lat: NDArray, lon: NDArray) -> tuple[NDArray, NDArray]:
    # Tile pixel indices of the swath pixels, longitudes unwrapped around the tile.
    return pixel_index(tile, lat, unwrap_lon(tile, lon))


def tile_window(tile: str, lat: NDArray, lon: NDArray, margin: int) -> tuple[slice, slice] | None:
    """Rows and columns of the tile that the swath can touch, or None when it misses the tile.

    Longitudes are unwrapped around the tile first (antimeridian-crossing swaths).
    """
    row, col = _window_rows_cols(tile, lat, lon)
    return _window(row, col, margin)


def _window(row: NDArray, col: NDArray, margin: int) -> tuple[slice, slice] | None:
    inside = (
        (row >= -margin) & (row < TILE_PX + margin) & (col >= -margin) & (col < TILE_PX + margin)
    )
    if not inside.any():
        return None
    r0, r1 = (
        max(int(row[inside].min()) - margin, 0),
        min(int(row[inside].max()) + margin + 1, TILE_PX),
    )
    c0, c1 = (
        max(int(col[inside].min()) - margin, 0),
        min(int(col[inside].max()) + margin + 1, TILE_PX),
    )
    if r0 >= r1 or c0 >= c1:
        return None
    return slice(r0, r1), slice(c0, c1)


def neighbour_index(
    tile: str, lat: NDArray, lon: NDArray, radius_m: float
) -> NDArray[np.int64] | None:
    """Flat swath index of the nearest swath pixel for every tile pixel (−1: none).

    The kd-tree query runs only over the tile window that the swath touches, and its result is
    reused for every variable: that is what makes it faster than pyresample's per-variable
    ``resample_nearest`` over the whole tile. The swath pixels near the window are picked here,
    with longitudes unwrapped around the tile, rather than by pyresample's ``reduce_data``,
    which compares raw longitudes and so dropped the +179.99° pixels nearest to tile X00's
    first column (a seam at the antimeridian).

    Args:
        tile: tile id.
        lat: swath latitudes (2-D).
        lon: swath longitudes (2-D).
        radius_m: radius of influence in metres.

    Returns:
        (1120, 1120) int64 array, or None when the swath does not reach the tile.
    """
    margin = int(np.ceil(radius_m / 1000.0 * 112.0 / 111.0 * 2)) + 1
    row, col = _window_rows_cols(tile, lat, lon)
    window = _window(row, col, margin)
    if window is None:
        return None
    rows, cols = window
    near = (
        (row >= rows.start - margin) & (row < rows.stop + margin)
        & (col >= cols.start - margin) & (col < cols.stop + margin)
        & np.isfinite(lat) & np.isfinite(lon)
    )  # fmt: skip
    ids = np.flatnonzero(near)
    tlat, tlon = tile_coords(tile)
    half = PIXEL_DEG / 2
    area = geometry.AreaDefinition(
        f"{tile}_window", "tile window", "latlon", "EPSG:4326",
        cols.stop - cols.start, rows.stop - rows.start,
        (tlon[cols.start] - half, tlat[rows.stop - 1] - half,
         tlon[cols.stop - 1] + half, tlat[rows.start] + half),
    )  # fmt: skip
    # The kd-tree works on Earth-centred Cartesian points, so wrapped longitudes need no care.
    swath = geometry.SwathDefinition(
        lons=np.asarray(lon, float).ravel()[ids], lats=np.asarray(lat, float).ravel()[ids]
    )
    valid_in, valid_out, idx, _ = kd_tree.get_neighbour_info(
        swath, area, radius_m, neighbours=1, reduce_data=False
    )
    source_ids = ids[np.flatnonzero(valid_in)]
    found = idx < source_ids.size
    window_index = np.full(valid_out.size, -1, dtype=np.int64)
    out_ids = np.flatnonzero(valid_out)
    window_index[out_ids[found]] = source_ids[idx[found]]
    full = np.full((TILE_PX, TILE_PX), -1, dtype=np.int64)
    full[rows, cols] = window_index.reshape(rows.stop - rows.start, cols.stop - cols.start)
    if not (full >= 0).any():
        return None
    return full


def gather(values: NDArray, index: NDArray[np.int64], fill) -> NDArray:
    """Take swath values at a neighbour index, putting ``fill`` where there is no neighbour."""
    flat = np.asarray(values).ravel()
    out = np.take(flat, np.maximum(index, 0))
    return np.where(index >= 0, out, np.asarray(fill, dtype=flat.dtype))


def resample_to_tile(
    swath: xr.Dataset, tile: str, radius_m: float | None = None
) -> xr.Dataset | None:
    """Resample every (y, x) variable of a swath dataset onto one tile.

    Floats get NaN outside the swath, integers ``FLAGS_FILL``; scan-line times become a
    per-pixel ``obs_time``.

    Args:
        swath: dataset with dims (y, x), coords lat, lon (2-D) and time (y).
        tile: tile id.
        radius_m: radius of influence; ``default_radius`` when None.

    Returns:
        Dataset with dims (lat, lon) of the tile, or None when the swath misses the tile.
    """
    lat, lon = swath["lat"].values, swath["lon"].values
    radius = default_radius(lat, lon) if radius_m is None else radius_m
    index = neighbour_index(tile, lat, lon, radius)
    if index is None:
        return None
    tlat, tlon = tile_coords(tile)
    out = xr.Dataset(coords={"lat": tlat, "lon": tlon}, attrs={**swath.attrs, "tile": tile})
    for name, var in swath.data_vars.items():
        if var.dims != ("y", "x"):
            continue
        fill = np.nan if np.issubdtype(var.dtype, np.floating) else FLAGS_FILL
        out[name] = (("lat", "lon"), gather(var.values, index, fill), dict(var.attrs))
    line_time = np.broadcast_to(swath["time"].values[:, None], lat.shape)
    out["obs_time"] = (("lat", "lon"), gather(line_time, index, np.datetime64("NaT", "ns")))
    return out
