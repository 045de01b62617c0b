"""A swath crossing 180°: meteo/DEM in a 170…190° frame, tiles X00 and X35 both get pixels."""

from __future__ import annotations

import numpy as np
import pytest

from ingest.swath.generator import generate_segment
from ingest.swath.scene import SimpleScene, synthetic_dem, synthetic_meteo
from ingest.swath.sensors import AVHRR
from processes.preprocess import smac_correct, tile_project
from processes.preprocess.tilegrid import PIXEL_DEG, tile_coords
from processes.preprocess.tiling import tile_window


@pytest.fixture(scope="module")
def crossing():
    scene = SimpleScene(seed=1)
    meteo = synthetic_meteo((45, 70), (170, 190), np.datetime64("2020-06-14T12:00"), seed=1)
    dem = synthetic_dem((45, 70), (170, 190), scene)
    sensor = AVHRR.scaled(200, max_scan_deg=10.0)
    # 09:25 local time at 180° is 21:25 UTC of the previous day
    l1b, _ = generate_segment(sensor, np.datetime64("2020-06-14T21:25"), 57.0, 179.9, 200,
                              meteo, dem, scene)  # fmt: skip
    return l1b, meteo, dem


def test_segment_crosses_and_both_sides_are_tiled(crossing):
    l1b, meteo, dem = crossing
    lon = l1b["lon"].values
    assert lon.max() > 179.5 and lon.min() < -179.5  # it does cross
    toc = smac_correct(l1b, meteo, dem)  # meteo/DEM given as 170…190° still cover it
    assert np.isfinite(toc["RED"].values).mean() > 0.7
    # carry each swath pixel's position through the tiling to check where it lands
    toc = toc.assign(src_lat=l1b["lat"].astype("f8"), src_lon=l1b["lon"].astype("f8"))
    tiles = tile_project(toc)
    assert {t[:3] for t in tiles} == {"X00", "X35"}
    spacing = 2 * 10.0 / 199 * 817.0 / 111.2 / np.cos(np.radians(57.0))  # ≈ scan step, deg lon
    for tile, ds in tiles.items():
        lat, lon_t = tile_coords(tile)
        got = np.isfinite(ds["src_lat"].values)
        assert got.sum() > 500
        rows, cols = np.nonzero(got)
        dlat = ds["src_lat"].values[got] - lat[rows]
        dlon = (ds["src_lon"].values[got] - lon_t[cols] + 180.0) % 360.0 - 180.0
        assert np.abs(dlat).max() < 0.02 and np.abs(dlon).max() < spacing
    # no seam: in the rows where the swath covers both sides of 180° (X35's column 1118 and
    # X00's column 1), the two columns at the seam are filled too
    for row in ("Y01", "Y02"):
        west = np.isfinite(tiles[f"X35{row}"]["src_lat"].values)
        east = np.isfinite(tiles[f"X00{row}"]["src_lat"].values)
        both = west[:, -2] & east[:, 1]
        assert both.sum() > (100 if row == "Y01" else 0)
        assert west[both, -1].all() and east[both, 0].all()


def test_window_sees_pixels_across_the_antimeridian():
    # swath pixels just east of 180°W seen from X35, and just west of 180°E seen from X00
    lat = np.full((3, 3), 60.0) - np.arange(3)[:, None] * PIXEL_DEG
    lon = 179.999 + np.arange(3)[None, :] * 0.0005 + 0 * lat  # 179.999 … 180.000
    window = tile_window("X00Y01", lat, np.where(lon > 180, lon - 360, lon), margin=2)
    assert window is not None and window[1].start == 0
    east = tile_window("X35Y01", lat, -179.999 + 0 * lat, margin=2)
    assert east is not None and east[1].stop == 1120
