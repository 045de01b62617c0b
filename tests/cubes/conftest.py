"""Fixtures of the cube tests: the demo COG catalogue and a small simulated, ingested L2B set."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from ingest.ingester import ingest
from ingest.registry import load_registry
from ingest.simulate.run import SimulationConfig, SimulationResult, simulate
from stac.cube_catalogue import PgstacCubeCatalogue
from stac.demo import sentinel2, soil_moisture
from stac.migrate import connect
from tests.ingest.helpers import crop_bbox


@pytest.fixture(scope="session")
def probav():
    """The PROBA-V sensor of the shipped registry."""
    return load_registry()["probav"]


@pytest.fixture(scope="session")
def l2b_products(tmp_path_factory, probav) -> SimulationResult:
    """12×12 px of tile X18Y02, 4 June days of PROBA-V (read-only)."""
    root = tmp_path_factory.mktemp("l2b")
    root.chmod(0o755)
    cfg = SimulationConfig(
        tile="X18Y02", start=date(2019, 6, 1), end=date(2019, 6, 4), sensors=(probav,),
        out=root, seed=5, bbox=crop_bbox("X18Y02", 560, 560, 12), workers=1,
    )  # fmt: skip
    return simulate(cfg)


@pytest.fixture(scope="session")
def demo_files(tmp_path_factory) -> tuple[Path, list[tuple[dict, list[dict]]]]:
    """The demo COGs, written once, and their collection and item documents."""
    root = tmp_path_factory.mktemp("demo")
    return root, [build(root) for build in (soil_moisture, sentinel2)]


@pytest.fixture
def demo_dir(demo_files) -> Path:
    """Folder of the demo COGs: ``<collection id>/<YYYYMMDD>_<band>.tif``."""
    return demo_files[0]


@pytest.fixture
def demo(pgstac_dsn: str, demo_files) -> PgstacCubeCatalogue:
    """pgstac holding the demo COG collections (CGLS_SSM_1KM, SENTINEL2_L2A_SYNTHETIC), as
    ``stac.demo.load_demo`` loads them (its builders, without rewriting the files per test)."""
    with connect(pgstac_dsn, autocommit=True) as conn:
        for coll, items in demo_files[1]:
            conn.execute("SELECT pgstac.upsert_collection(%s::jsonb)", [json.dumps(coll)])
            conn.execute("SELECT pgstac.upsert_items(%s::jsonb)", [json.dumps(items)])
    return PgstacCubeCatalogue(pgstac_dsn)


@pytest.fixture
def l2b(pgstac_dsn: str, l2b_products: SimulationResult, probav) -> PgstacCubeCatalogue:
    """pgstac holding the ``probav`` collection and its ingested L2B items."""
    report = ingest([l2b_products.products[0].parent], pgstac_dsn, {"probav": probav}, workers=0)
    assert report.created == len(l2b_products.products) and not report.failed
    return PgstacCubeCatalogue(pgstac_dsn)
