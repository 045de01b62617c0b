"""Process specs match their functions; the swath generator's geometry is sane."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import numpy as np
import pytest

from ingest.registry import load_registry
from ingest.swath.orbit import ScannerGeometry, swath_geolocation
from ingest.swath.sensors import AVHRR, VIIRS
from processes.preprocess import smac_correct, tile_project
from processes.preprocess.bands import SENSOR_BANDS
from processes.preprocess.l2b import UNCERTAINTY_FACTOR

SPECS = Path(__file__).resolve().parents[2] / "processes" / "specs"


@pytest.mark.parametrize("func", [smac_correct, tile_project])
def test_spec_parameters_are_the_function_keywords(func):
    spec = json.loads((SPECS / f"{func.__name__}.json").read_text())
    assert spec["id"] == func.__name__
    assert [p["name"] for p in spec["parameters"]] == list(inspect.signature(func).parameters)
    assert all(p["description"] for p in spec["parameters"])


def test_swath_geometry():
    geom = ScannerGeometry(altitude_km=817.0, max_scan_deg=55.37, n_pixels=101, line_spacing_km=1.1)
    geo = swath_geolocation(geom, 45.0, 10.0, ascending=False, n_lines=50)
    vza = geo["vza"][0]
    assert vza[50] == pytest.approx(0.0, abs=1e-9)
    # AVHRR edge-of-scan view zenith is about 68.9° for 55.37° scan at 817 km.
    assert vza[0] == pytest.approx(vza[-1]) and 67.5 < vza[0] < 70.0
    # Swath width ~2900 km; lines 1.1 km apart along track.
    width = np.radians(geo["lon"][0, 0] - geo["lon"][0, -1]) * 6371 * np.cos(np.radians(45.0))
    assert 2500 < abs(width) < 3300
    step = np.hypot(np.diff(geo["lat"][:, 50]), np.diff(geo["lon"][:, 50]) * np.cos(np.radians(45)))
    assert np.allclose(step * 111.2, 1.1, rtol=0.02)
    assert np.all(np.diff(geo["lat"][:, 50]) < 0)  # descending


def test_generated_segment_is_deterministic(avhrr_segment, meteo, dem, scene):
    from ingest.swath.generator import generate_segment
    from ingest.swath.sensors import AVHRR

    args = (
        AVHRR.scaled(50, 5.0),
        np.datetime64("2020-06-15T09:05"),
        51.0,
        9.0,
        20,
        meteo,
        dem,
        scene,
    )
    a, _ = generate_segment(*args, noise_rel=0.01, seed=4)
    b, _ = generate_segment(*args, noise_rel=0.01, seed=4)
    np.testing.assert_array_equal(a["RED"].values, b["RED"].values)
    assert 0.05 < avhrr_segment[1]["cloud"].values.mean() < 0.5  # SimpleScene cover 0.2
    assert a["sza"].values.max() < 60


@pytest.mark.parametrize("sensor", [AVHRR, VIIRS])
def test_swath_bands_are_the_registry_bands_with_its_uncertainty_convention(sensor):
    # The L2B files must be what the registry says they are: every band it lists, and TOC_ERR
    # such that the reader's uncertainty_factor·TOC_ERR is SMAC's 1σ.
    entry = load_registry()[{"AVHRR": "metop-avhrr", "VIIRS": "snpp-viirs"}[sensor.sensor]]
    products = [SENSOR_BANDS[sensor.sensor][b].l2b_band for b in sensor.bands]
    assert sorted(products) == sorted(b.name for b in entry.bands)
    for band in entry.bands:
        assert band.uncertainty_factor == pytest.approx(UNCERTAINTY_FACTOR, rel=1e-6)
