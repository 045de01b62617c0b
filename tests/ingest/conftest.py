"""Fixtures of the ingest tests: the registry and small simulated product sets."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from ingest.registry import load_registry
from ingest.simulate.run import SimulationConfig, SimulationResult, simulate
from tests.ingest.helpers import crop_bbox


@pytest.fixture(autouse=True)
def ingest_home(tmp_path_factory, monkeypatch) -> Path:
    """A private Canopy home: the CLI registers data roots there, never in the repository."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("CANOPY_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def registry():
    """The shipped sensors."""
    return load_registry()


def _simulate(root: Path, registry, start, end, sensors, seed=3, size=16) -> SimulationResult:
    cfg = SimulationConfig(
        tile="X18Y02", start=start, end=end, sensors=tuple(registry[s] for s in sensors),
        out=root, seed=seed, bbox=crop_bbox("X18Y02", 560, 560, size), workers=1,
    )  # fmt: skip
    return simulate(cfg)


@pytest.fixture(scope="session")
def summer(tmp_path_factory, registry) -> SimulationResult:
    """16×16 px, 6 June days, PROBA-V and VGT2 (read-only: copy before changing files)."""
    root = tmp_path_factory.mktemp("summer")
    return _simulate(root, registry, date(2019, 6, 1), date(2019, 6, 6), ("probav", "vgt2"))


@pytest.fixture(scope="session")
def winter(tmp_path_factory, registry) -> SimulationResult:
    """16×16 px, 20 January days, PROBA-V only."""
    root = tmp_path_factory.mktemp("winter")
    return _simulate(root, registry, date(2019, 1, 5), date(2019, 1, 24), ("probav",), seed=11)


@pytest.fixture
def products(summer, tmp_path) -> Path:
    """A private, writable copy of the summer products (no truth files)."""
    src = summer.products[0].parents[2]
    dst = tmp_path / "products"
    for sensor in ("probav", "vgt2"):
        shutil.copytree(src / sensor, dst / sensor)
    return dst
