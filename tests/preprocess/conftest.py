"""Shared fixtures: a synthetic scene, its meteo and DEM, and small AVHRR/VIIRS segments."""

from __future__ import annotations

import numpy as np
import pytest

from ingest.swath.generator import generate_segment
from ingest.swath.scene import SimpleScene, synthetic_dem, synthetic_meteo
from ingest.swath.sensors import AVHRR, VIIRS

LAT_RANGE, LON_RANGE = (40.0, 60.0), (-5.0, 25.0)
DAY = np.datetime64("2020-06-15T00:00")


@pytest.fixture(scope="session")
def scene():
    return SimpleScene(seed=3)


@pytest.fixture(scope="session")
def meteo():
    return synthetic_meteo(LAT_RANGE, LON_RANGE, DAY, hours=24, seed=3)


@pytest.fixture(scope="session")
def dem(scene):
    return synthetic_dem(LAT_RANGE, LON_RANGE, scene)


@pytest.fixture(scope="session")
def avhrr_segment(scene, meteo, dem):
    """A 300-line, 300-sample AVHRR-like segment over central Europe, and its truth."""
    sensor = AVHRR.scaled(300, max_scan_deg=15.0)
    return generate_segment(sensor, np.datetime64("2020-06-15T09:05:00"), 51.0, 9.0, 300,
                            meteo, dem, scene)  # fmt: skip


@pytest.fixture(scope="session")
def viirs_segment(scene, meteo, dem):
    """A 300-line, 300-sample VIIRS-like segment, and its truth."""
    sensor = VIIRS.scaled(300, max_scan_deg=12.0)
    return generate_segment(sensor, np.datetime64("2020-06-15T12:35:00"), 47.0, 11.0, 300,
                            meteo, dem, scene)  # fmt: skip
