"""Fixtures of the production tests: a small simulated, ingested set of two sensors."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ingest.ingester import ingest
from ingest.registry import load_registry
from ingest.simulate.run import SimulationConfig, SimulationResult, simulate
from stac.cube_catalogue import PgstacCubeCatalogue
from tests.ingest.helpers import crop_bbox

TILE, ROW0, COL0 = "X18Y02", 560, 560
SENSORS = ("probav", "vgt2")


@pytest.fixture(scope="session")
def registry():
    """The shipped sensor registry."""
    return load_registry()


def simulate_set(root: Path, registry, size: int, days: int, sensors=SENSORS, seed=7):
    """Simulate ``size``×``size`` px of X18Y02 for ``days`` June 2019 days."""
    cfg = SimulationConfig(
        tile=TILE, start=date(2019, 6, 1), end=date(2019, 6, days),
        sensors=tuple(registry[s] for s in sensors), out=root, seed=seed,
        bbox=crop_bbox(TILE, ROW0, COL0, size), workers=1,
    )  # fmt: skip
    return simulate(cfg)


@pytest.fixture(scope="session")
def products(tmp_path_factory, registry) -> SimulationResult:
    """16×16 px, 30 days, PROBA-V and VGT2 (read-only)."""
    root = tmp_path_factory.mktemp("production")
    root.chmod(0o755)
    return simulate_set(root, registry, 16, 30)


def ingest_set(dsn: str, result: SimulationResult, registry, sensors=SENSORS):
    """Ingest every product of a simulation into pgstac; the catalogue over it."""
    folders = sorted({p.parent for p in result.products})
    report = ingest(folders, dsn, {s: registry[s] for s in sensors}, workers=0)
    assert report.created == len(result.products) and not report.failed
    return PgstacCubeCatalogue(dsn)


@pytest.fixture
def catalogue(pgstac_dsn: str, products: SimulationResult, registry) -> PgstacCubeCatalogue:
    """pgstac holding both sensors' collections and items."""
    return ingest_set(pgstac_dsn, products, registry)


def roi(size: int = 16) -> dict:
    """The bounding box of the simulated pixels."""
    w, s, e, n = crop_bbox(TILE, ROW0, COL0, size)
    return {"west": w, "south": s, "east": e, "north": n}
