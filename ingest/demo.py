"""A small simulated demo set, ingested with the sites, so a fresh catalogue is not empty."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from ingest.grid import PROBAV_1KM
from ingest.ingester import IngestReport, ingest
from ingest.registry import Sensor, load_registry
from ingest.roots import register_roots
from ingest.scan import discover
from ingest.simulate.run import SimulationConfig, simulate
from ingest.sites import load_sites, site_item, sites_collection, store_sites
from stac import catalog

DEMO_TILE = "X18Y02"
DEMO_SIZE = 32
"""Pixels per side of the demo crop (its north-west corner at 5°E 50°N, the Ardennes)."""
DEMO_START = date(2019, 6, 1)
DEMO_DAYS = 10
"""Days simulated by default (``CANOPY_DEMO_DAYS`` changes it for ``canopy up``)."""
DEMO_SENSORS = ("probav", "vgt2")
MARKER = ".complete"
"""Written after a simulation finished: a run cut short is simulated again, not half-used."""


def demo_bbox() -> tuple[float, float, float, float]:
    """The demo crop: ``DEMO_SIZE`` × ``DEMO_SIZE`` pixels from (5°E, 50°N)."""
    lon0, lat0 = 5.0, 50.0
    px = PROBAV_1KM.pixel_size
    return (lon0, lat0 - (DEMO_SIZE - 0.6) * px, lon0 + (DEMO_SIZE - 0.6) * px, lat0)


def simulate_demo(
    root: Path, registry: dict[str, Sensor], days: int = DEMO_DAYS, seed: int = 0
) -> bool:
    """Simulate the demo products under ``root`` unless a finished set of ``days`` is there.

    Returns:
        True when it simulated now.
    """
    marker = root / MARKER
    maps: list[str] = []
    done = marker.exists() and marker.read_text().strip() == str(days)
    if done and discover([root], maps)[0] and maps:  # sets from before the map: simulate again
        return False
    cfg = SimulationConfig(
        tile=DEMO_TILE, start=DEMO_START, end=DEMO_START + timedelta(days=days - 1),
        sensors=tuple(registry[s] for s in DEMO_SENSORS), out=root, seed=seed, bbox=demo_bbox(),
    )  # fmt: skip
    simulate(cfg)
    marker.write_text(f"{days}\n")
    return True


def load_demo(
    dsn: str,
    root: Path,
    registry: dict[str, Sensor] | None = None,
    seed: int = 0,
    days: int = DEMO_DAYS,
    home: Path | None = None,
) -> IngestReport:
    """Simulate the demo set under ``root`` (once), then register sensors, sites and products.

    Idempotent: an existing demo set is reused and re-ingesting it changes nothing.

    Args:
        dsn: catalogue database.
        root: folder of the demo products (``<home>/data/simulated`` for ``canopy up``).
        registry: sensors (default: the shipped ones).
        seed: simulation seed.
        days: days to simulate from 2019-06-01 (0: sensor collections and sites only).
        home: a Canopy home in which to register ``root`` as a data root.
    """
    registry = registry or load_registry()
    root = Path(root).absolute()
    if days > 0:
        root.mkdir(parents=True, exist_ok=True)
        simulate_demo(root, registry, days, seed)
        if home is not None:
            register_roots(home, [root])
    catalog.ping(dsn)
    sites = load_sites()
    store_sites(dsn, sites)
    catalog.upsert_collections(dsn, [sites_collection(sites)])
    catalog.load_items(dsn, [site_item(s) for s in sites], "upsert")
    # with no products, ingest still registers the sensor collections
    return ingest([root] if days > 0 else [], dsn, registry, workers=0)
