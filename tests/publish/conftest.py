"""Fixtures of the publish tests: real retrieval outputs, a catalogue holding their inputs."""

from __future__ import annotations

import pytest

from ingest.ingester import ingest
from ingest.publish.settings import PublishSettings
from ingest.registry import load_registry
from tests.repackage.scenes import Scene, scene

DOI = "10.5285/canopy-test-doi"
PUBLIC_URL = "https://vp.example.org"


@pytest.fixture(scope="session")
def outputs(tmp_path_factory) -> Scene:
    """Simulated scene, its retrieval and the tile/site retrieval output files."""
    return scene(tmp_path_factory)


@pytest.fixture
def catalogue(pgstac_dsn, outputs) -> str:
    """A fresh catalogue holding the scene's L2B input items; its DSN."""
    report = ingest([outputs.products], pgstac_dsn, load_registry(), workers=0, arrivals=False)
    assert report.created == len(outputs.refs) and not report.failed
    return pgstac_dsn


@pytest.fixture
def settings(canopy_home) -> PublishSettings:
    """Publication into this test's Canopy home, with a DOI and a public URL."""
    return PublishSettings(
        publish_root=canopy_home / "published", public_url=PUBLIC_URL, product_doi=DOI
    )
