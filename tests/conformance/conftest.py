"""A live server with the demo catalogue, for the external validators."""

from __future__ import annotations

import pytest

from stac.demo import load_demo


@pytest.fixture
def demo_server(live_server, stac_settings):
    """uvicorn on loopback serving the app with the demo collections loaded."""
    load_demo(stac_settings.dsn, stac_settings.home / "data")
    return live_server
