"""A live server with the demo catalogue, and a copy of the conformance suite's data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from stac.demo import load_demo


@pytest.fixture
def demo_server(live_server, stac_settings):
    """uvicorn on loopback serving the app with the demo collections loaded."""
    load_demo(stac_settings.dsn, stac_settings.home / "data")
    return live_server


@pytest.fixture
def suite_dir(shared_dir, tmp_path) -> Path:
    """A copy of the suite's data with the `$ref` link the suite needs (see its README)."""
    work = tmp_path / "openeo-test-suite"
    shutil.copytree(shared_dir / "openeo-test-suite", work)
    (work / "assets" / "processes" / "assets").symlink_to("tests/assets")
    return work
