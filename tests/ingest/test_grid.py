"""The PROBA-V 1 km grid: the seed's X18Y02 ROI, round trips, windows, covering tiles."""

from __future__ import annotations

import numpy as np
import pytest

from ingest.grid import PROBAV_1KM as G
from ingest.grid import GridError, TileGrid, get_grid


def test_x18y02_matches_the_seed_optisail_roi():
    west, south, east, north = G.tile_centre_bounds("X18Y02")
    assert (round(west, 6), round(east, 6)) == (0.0, 9.991071)
    assert (round(south, 6), round(north, 6)) == (45.008929, 55.0)
    assert G.lonlat_to_pixel(0.0, 55.0) == ("X18Y02", 0, 0)
    assert G.lonlat_to_pixel(9.991071, 45.008929) == ("X18Y02", 1119, 1119)
    # the footprint of the upper-left pixel reaches half a pixel beyond the corner
    assert G.tile_bounds("X18Y02")[0] == pytest.approx(-0.5 / 112)
    assert G.lonlat_to_pixel(-0.4 / 112, 55.0) == ("X18Y02", 0, 0)
    assert G.lonlat_to_pixel(-0.6 / 112, 55.0) == ("X17Y02", 0, 1119)
    assert G.lonlat_to_pixel(0.0, 55.0 + 0.6 / 112) == ("X18Y01", 1119, 0)


def test_pixel_centres_are_multiples_of_the_pixel_size():
    lat, lon = G.pixel_centres("X18Y02", slice(0, 1120), slice(0, 1120))
    assert np.allclose(lon * 112, np.round(lon * 112), atol=1e-9)
    assert np.allclose(lat * 112, np.round(lat * 112), atol=1e-9)
    assert lat[0] == 55.0 and lon[0] == 0.0 and np.all(np.diff(lat) < 0)


@pytest.mark.parametrize("tile", ["X00Y00", "X18Y02", "X35Y13", "X07Y09"])
def test_round_trip_pixel_lonlat(tile):
    rng = np.random.default_rng(1)
    for row, col in rng.integers(0, 1120, (50, 2)):
        lon, lat = G.pixel_to_lonlat(tile, row, col)
        assert G.lonlat_to_pixel(lon, lat) == (tile, row, col)
        # anywhere inside the footprint maps back to the same pixel
        dx, dy = rng.uniform(-0.499, 0.499, 2) / 112
        assert G.lonlat_to_pixel(lon + dx, lat + dy) == (tile, row, col)


def test_round_trip_tile_bounds_and_window():
    bounds = G.tile_bounds("X19Y03")
    assert G.window("X19Y03", bounds) == (slice(0, 1120), slice(0, 1120))
    assert G.tiles_for_bbox(G.tile_centre_bounds("X19Y03")) == ["X19Y03"]
    rows, cols = G.window("X18Y02", (5.0, 50.0, 5.5, 50.5))
    lat, lon = G.pixel_centres("X18Y02", rows, cols)
    assert lon[0] - 0.5 / 112 <= 5.0 < lon[0] + 0.5 / 112
    assert lat[-1] - 0.5 / 112 <= 50.0 < lat[-1] + 0.5 / 112
    assert cols.stop - cols.start == 57 and rows.stop - rows.start == 57


def test_tiles_for_bbox_and_antimeridian():
    assert G.tiles_for_bbox((9.0, 44.0, 11.0, 46.0)) == ["X18Y02", "X19Y02", "X18Y03", "X19Y03"]
    assert G.lonlat_to_pixel(180.0, 0.0) == ("X00Y07", 560, 0)
    assert G.lonlat_to_pixel(-180.0, 0.0) == ("X00Y07", 560, 0)


def test_errors_and_named_grids():
    for bad in ("X36Y00", "X18Y14", "x18y02", "X1Y2"):
        with pytest.raises(GridError):
            G.parse_tile(bad)
    with pytest.raises(GridError):
        G.window("X18Y02", (20.0, 10.0, 21.0, 11.0))
    with pytest.raises(GridError):
        G.lonlat_to_pixel(0.0, -80.0)
    assert get_grid("probav-1km") is G
    custom = get_grid(
        {
            "name": "c",
            "pixels_per_degree": 10,
            "tile_pixels": 100,
            "origin_lon": -180,
            "origin_lat": 90,
        }
    )
    assert isinstance(custom, TileGrid) and custom.tile_degrees == 10


def test_vectorised_helpers_agree_with_the_point_functions():
    rng = np.random.default_rng(7)
    lon, lat = rng.uniform(-180, 180, 300), rng.uniform(-64.9, 74.9, 300)
    expected = sorted({G.lonlat_to_pixel(x, y)[0] for x, y in zip(lon, lat, strict=True)})
    assert G.tiles_for_points(np.append(lon, np.nan), np.append(lat, 0.0)) == expected
    assert G.tiles_for_points([0.0], [-80.0]) == []  # below the grid
    tile = "X18Y02"
    for x, y in zip(lon[:50] % 10, 45 + lat[:50] % 10, strict=True):
        row, col = G.tile_pixel_index(tile, x, y)
        assert G.lonlat_to_pixel(x, y) == (tile, row, col)


def test_preprocessing_uses_the_same_grid():
    from processes.preprocess import tilegrid

    assert (tilegrid.PIXEL_DEG, tilegrid.TILE_PX, tilegrid.TILE_DEG) == (
        G.pixel_size,
        G.tile_pixels,
        G.tile_degrees,
    )
    lat, lon = tilegrid.tile_coords("X07Y09")
    glat, glon = G.pixel_centres("X07Y09", slice(0, 1120), slice(0, 1120))
    assert np.array_equal(lat, glat) and np.array_equal(lon, glon)
    assert tilegrid.tiles_covering(np.array([50.0]), np.array([5.0])) == ["X18Y02"]
    assert tilegrid.tile_corner("X18Y02") == G.tile_origin("X18Y02")
