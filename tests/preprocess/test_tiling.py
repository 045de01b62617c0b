"""Tile grid convention and swath → tile geolocation accuracy."""

from __future__ import annotations

import numpy as np
import pytest

from ingest.swath.orbit import ScannerGeometry, swath_geolocation
from processes.exceptions import NoDataAvailable, ProcessParameterInvalid
from processes.preprocess.process import tile_project
from processes.preprocess.tilegrid import PIXEL_DEG, tile_coords, tiles_covering
from processes.preprocess.tiling import resample_to_tile


def test_tile_convention_x18y02():
    lat, lon = tile_coords("X18Y02")
    assert lon[0] == 0.0 and lon[-1] == pytest.approx(9.991071, abs=1e-6)
    assert lat[0] == 55.0 and lat[-1] == pytest.approx(45.008929, abs=1e-6)
    # Pixel (0, 0) reaches half a pixel west of 0°E; the last row ends half a pixel above 45°N.
    assert tiles_covering(np.array([55.0]), np.array([-0.004])) == ["X18Y02"]
    assert tiles_covering(np.array([55.0]), np.array([-0.005])) == ["X17Y02"]
    assert tiles_covering(np.array([45.0 + PIXEL_DEG * 0.6]), np.array([9.995])) == ["X18Y02"]
    assert tiles_covering(np.array([45.0 + PIXEL_DEG * 0.4]), np.array([9.995])) == ["X18Y03"]
    with pytest.raises(ProcessParameterInvalid):
        tile_coords("X40Y02")


def _dense_swath(lat0, lon0):
    # 0.3 km sampling: denser than the grid, so every grid pixel has a swath pixel nearby.
    geom = ScannerGeometry(altitude_km=817.0, max_scan_deg=3.0, n_pixels=300, line_spacing_km=0.3)
    geo = swath_geolocation(geom, lat0, lon0, ascending=False, n_lines=400)
    import xarray as xr

    dims = ("y", "x")
    times = np.datetime64("2020-06-15T09:00", "ns") + (geo["seconds"] * 1e9).astype(
        "timedelta64[ns]"
    )
    return xr.Dataset(
        {"src_lat": (dims, geo["lat"]), "src_lon": (dims, geo["lon"]),
         "flags": (dims, np.zeros(geo["lat"].shape, np.uint8))},
        coords={"lat": (dims, geo["lat"]), "lon": (dims, geo["lon"]), "time": ("y", times)},
        attrs={"time_coverage_start": "2020-06-15T09:00:00Z"},
    )  # fmt: skip


@pytest.mark.parametrize(("lat0", "lon0"), [(40.5, 4.0), (10.0, 20.0)])
def test_every_tile_pixel_within_half_a_pixel_of_its_swath_pixel(lat0, lon0):
    swath = _dense_swath(lat0, lon0)
    tiles = tile_project(swath)
    assert tiles
    filled_total = 0
    for tile, out in tiles.items():
        lat, lon = tile_coords(tile)
        filled = np.isfinite(out["src_lat"].values)
        filled_total += filled.sum()
        dlat = np.abs(out["src_lat"].values - lat[:, None])[filled]
        dlon = np.abs(out["src_lon"].values - lon[None, :])[filled]
        assert dlat.max() <= PIXEL_DEG / 2 and dlon.max() <= PIXEL_DEG / 2, tile
        assert out["flags"].values[~filled].min() == 0x80  # outside the swath: "no observation"
    # About (300 × 0.3 km)² / (0.9 km × 0.9 km cos φ) pixels are expected; none may be lost.
    assert filled_total > 0.8 * (
        400 * 0.3 * 300 * 0.3 * 0.85 / (0.99 * 0.99 * np.cos(np.radians(lat0)))
    )


def test_each_swath_pixel_lands_in_its_own_tile_pixel(avhrr_segment):
    l1b, _ = avhrr_segment
    ds = l1b.assign(
        idx=(("y", "x"), np.arange(l1b["lat"].size, dtype=float).reshape(l1b["lat"].shape))
    )
    out = resample_to_tile(ds, "X18Y02")
    lat, lon = tile_coords("X18Y02")
    idx = out["idx"].values
    ok = np.isfinite(idx)
    src = idx[ok].astype(int)
    la, lo = l1b["lat"].values.ravel()[src], l1b["lon"].values.ravel()[src]
    # AVHRR pixels (~1.1-1.5 km) are larger than grid pixels, so the bound is half a swath pixel.
    rows, cols = np.nonzero(ok)
    km = np.hypot((la - lat[rows]) * 111.2, (lo - lon[cols]) * 111.2 * np.cos(np.radians(la)))
    assert km.max() < 0.75 * 1.6


def test_swath_outside_requested_tile_is_reported(avhrr_segment):
    with pytest.raises(NoDataAvailable):
        tile_project(avhrr_segment[0], tiles=["X00Y00"])
