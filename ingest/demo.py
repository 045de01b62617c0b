"""A small simulated demo set, ingested with the sites, so a fresh catalogue is not empty."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from ingest.collections import sensor_collection
from ingest.grid import PROBAV_1KM
from ingest.ingester import IngestReport, ingest
from ingest.registry import Sensor, load_registry
from ingest.scan import discover
from ingest.simulate.run import SimulationConfig, simulate
from ingest.sites import load_sites, site_item, sites_collection, store_sites
from stac import catalog

DEMO_TILE = "X18Y02"
DEMO_SIZE = 32
"""Pixels per side of the demo crop (its north-west corner at 5°E 50°N, the Ardennes)."""
DEMO_DAYS = (date(2019, 6, 1), date(2019, 6, 10))
DEMO_SENSORS = ("probav", "vgt2")


def load_demo(
    dsn: str, root: Path, registry: dict[str, Sensor] | None = None, seed: int = 0
) -> IngestReport:
    """Simulate the demo set under ``root`` (once), then register sensors, sites and products.

    Idempotent: an existing demo set is reused and re-ingesting it changes nothing.
    """
    registry = registry or load_registry()
    root = Path(root)
    if not (root.exists() and discover([root])[0]):
        lon0, lat0 = 5.0, 50.0
        px = PROBAV_1KM.pixel_size
        bbox = (lon0, lat0 - (DEMO_SIZE - 0.6) * px, lon0 + (DEMO_SIZE - 0.6) * px, lat0)
        cfg = SimulationConfig(
            tile=DEMO_TILE, start=DEMO_DAYS[0], end=DEMO_DAYS[1],
            sensors=tuple(registry[s] for s in DEMO_SENSORS), out=root, seed=seed, bbox=bbox,
        )  # fmt: skip
        simulate(cfg)
    catalog.ping(dsn)
    catalog.upsert_collections(dsn, [sensor_collection(s) for s in registry.values()])
    sites = load_sites()
    store_sites(dsn, sites)
    catalog.upsert_collections(dsn, [sites_collection(sites)])
    catalog.load_items(dsn, [site_item(s) for s in sites], "upsert")
    return ingest([root], dsn, registry, workers=0)
