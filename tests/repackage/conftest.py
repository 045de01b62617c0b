"""Fixtures of the repackage tests: the session's real retrieval outputs."""

from __future__ import annotations

import pytest

from tests.repackage.scenes import Scene, scene


@pytest.fixture(scope="session")
def outputs(tmp_path_factory) -> Scene:
    """Simulated scene, its retrieval and the tile/site retrieval output files."""
    return scene(tmp_path_factory)
