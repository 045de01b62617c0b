"""Benchmark: items/s of ``canopy ingest`` vs the raw pypgstac Loader on the same items.

Run: ``uv run python -m benchmarks.ingest_rate [--products 5000] [--keep DIR]`` (or the file path).

Both sides run in this process against the same throwaway PostgreSQL cluster, each into a
fresh database migrated the same way. The products are cheap: the full L2B layout (every
group, variable and attribute of DESIGN.md §5) on a 4×4-pixel crop, so opening one costs what
opening a real product costs while generating 5,000 of them takes seconds.
"""

from __future__ import annotations

import argparse
import copy
import multiprocessing
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

if __name__ == "__main__" and __package__ in (None, ""):
    # run by file path: this file's folder comes first on sys.path and its name, ingest.py,
    # would shadow the ingest package
    sys.path[:] = [
        p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent
    ]
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import psycopg
from psycopg import sql
from pypgstac.load import Loader, Methods

from ingest.collections import sensor_collection
from ingest.grid import PROBAV_1KM
from ingest.ingester import ingest
from ingest.registry import load_registry
from ingest.runner import close_client, dask_client
from ingest.scan import ScanSpec, discover, scan_batch
from ingest.simulate.writer import Observation, write_product
from stac import catalog
from stac.embedded import EmbeddedPostgres
from stac.migrate import migrate
from stac.settings import dsn_with_database

SENSORS = ("probav", "vgt2")
TILES = ("X18Y02", "X19Y02", "X18Y03", "X19Y03", "X20Y02")
SIZE = 4


def _product(args: tuple) -> None:
    sensor, tile, day, out = args
    lat0, lon0 = PROBAV_1KM.tile_origin(tile)[::-1]
    lat = lat0 - np.arange(SIZE) / 112
    lon = lon0 + np.arange(SIZE) / 112
    shape = (SIZE, SIZE)
    full = np.full(shape, 0.2)
    obs = Observation(
        sensor=sensor, tile=tile, lat=lat, lon=lon, time=np.full(shape, 37800.0),
        date=datetime(day.year, day.month, day.day, tzinfo=UTC),
        reflectance={b.name: full for b in sensor.bands}, uncertainty={b.name: full / 20 for b in sensor.bands},
        sza=full * 200, saa=full * 700, vza=dict.fromkeys(sensor.geometries, full * 50),
        vaa=dict.fromkeys(sensor.geometries, full * 500), cloud_state=np.zeros(shape, np.int8),
        snow=np.zeros(shape, bool), land=np.ones(shape, bool),
        quality_ok={b.name: np.ones(shape, bool) for b in sensor.bands},
    )  # fmt: skip
    folder = out / sensor.id / tile
    folder.mkdir(parents=True, exist_ok=True)
    write_product(obs, folder, compress=False)


def make_products(root: Path, n: int, registry) -> list[str]:
    """Write ``n`` small products (reused when ``root`` already holds them)."""
    paths, _ = discover([root]) if root.exists() else ([], 0)
    if len(paths) >= n:
        return paths[:n]
    days = -(-n // (len(SENSORS) * len(TILES)))
    jobs = [
        (registry[s], t, date(2019, 1, 1) + timedelta(days=d), root)
        for d in range(days) for t in TILES for s in SENSORS
    ][:n]  # fmt: skip
    with multiprocessing.get_context("fork").Pool(2) as pool:
        pool.map(_product, jobs, chunksize=64)
    return discover([root])[0][:n]


def template_db(admin: str, registry) -> str:
    """Migrate a template database holding the sensor collections once; return its name."""
    name = "bench_template"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    dsn = dsn_with_database(admin, name)
    migrate(dsn)
    catalog.upsert_collections(dsn, [sensor_collection(s) for s in registry.values()])
    return name


def fresh_db(admin: str, template: str, name: str) -> str:
    """A new database cloned from the template (0.1 s instead of a 2 s migration)."""
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        )
    return dsn_with_database(admin, name)


def run_loader(admin: str, template: str, items: list[dict], label: str) -> float:
    """Seconds of one raw ``Loader.load_items`` call over all items into a fresh database."""
    dsn = fresh_db(admin, template, label)
    batch = copy.deepcopy(items)  # the Loader may mutate what it is given
    with catalog.pgstac_db(dsn) as db:
        t = time.perf_counter()
        Loader(db).load_items(iter(batch), insert_mode=Methods.insert)
        return time.perf_counter() - t


def run_ingest(admin, template, root, registry, n, label, **kw) -> tuple[float, float]:
    """Seconds of a first ingest and of an unchanged second run into a fresh database."""
    dsn = fresh_db(admin, template, label)
    report = ingest([root], dsn, registry, **kw)
    again = ingest([root], dsn, registry, **kw)
    if report.created != n or report.failed or again.unchanged != n or again.changed:
        raise RuntimeError(f"{label}: unexpected reports {report} / {again}")
    return report.seconds, again.seconds


def main() -> None:
    """Run the benchmark and print rates and ratios."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--products", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=5, help="Rounds (medians are printed).")
    ap.add_argument(
        "--keep", type=Path, default=Path(tempfile.gettempdir()) / "canopy-bench-products"
    )
    args = ap.parse_args()
    registry = {k: v for k, v in load_registry().items() if k in SENSORS}

    t = time.perf_counter()
    paths = make_products(args.keep, args.products, registry)
    if len(discover([args.keep])[0]) != len(paths):
        raise SystemExit(f"{args.keep} holds more than {args.products} products: use a new --keep")
    n = len(paths)
    print(f"{n} products ready in {time.perf_counter() - t:.1f} s under {args.keep}")

    base = Path(tempfile.mkdtemp(prefix="canopy-bench-pg-"))
    base.chmod(0o755)
    with socket_port() as port:
        pg = EmbeddedPostgres(directory=base, port=port, durable=False)
    pg.init()
    pg.start()
    admin = f"postgresql://postgres:unused@127.0.0.1:{port}/postgres"
    clients: dict[int, object] = {}
    try:
        template = template_db(admin, registry)
        specs = {s.product_token: ScanSpec.from_vp(s.vp()) for s in registry.values()}
        t = time.perf_counter()
        items = [o.item for o in scan_batch(paths, specs, {})]
        print(f"scan only, in-process: {n / (time.perf_counter() - t):8.0f} files/s")

        startup = {}
        for workers in (1, 2):
            t = time.perf_counter()
            clients[workers] = dask_client(workers)
            startup[workers] = time.perf_counter() - t
        configs = {"in-process": {"workers": 0}} | {
            f"{w} worker{'s' * (w > 1)}": {"client": c} for w, c in clients.items()
        }
        # rounds interleave the Loader and every ingest variant, so that load from other
        # programs on a shared machine hits all of them alike; ratios are taken per round
        loader_s, first, again = [], {k: [] for k in configs}, {k: [] for k in configs}
        for r in range(args.repeat):
            loader_s.append(run_loader(admin, template, items, f"bench_loader_{r}"))
            for i, (label, kw) in enumerate(configs.items()):
                f, a = run_ingest(admin, template, args.keep, registry, n, f"bench_{i}_{r}", **kw)
                first[label].append(f)
                again[label].append(a)
        loader_rate = n / statistics.median(loader_s)
        print(f"raw pypgstac Loader:   {loader_rate:8.0f} items/s  (median of {args.repeat})")
        for label in configs:
            ratio = statistics.median(lo / f for lo, f in zip(loader_s, first[label], strict=True))
            rate = n / statistics.median(first[label])
            print(
                f"canopy ingest, {label:10s}: {rate:8.0f} items/s  ratio to raw Loader: {ratio:.0%}"
                f"  (per round: {', '.join(f'{lo / f:.0%}' for lo, f in zip(loader_s, first[label], strict=True))})"
            )
            print(
                f"  second run, nothing changed: {n / statistics.median(again[label]):8.0f} files/s"
            )
        for w, s in startup.items():
            with_start = n / (statistics.median(first[f"{w} worker{'s' * (w > 1)}"]) + s)
            print(
                f"starting a LocalCluster of {w} took {s:.1f} s; paid once per command it "
                f"makes {w} worker{'s' * (w > 1)} {with_start:.0f} items/s"
            )
    finally:
        for c in clients.values():
            close_client(c)
        pg.stop(mode="immediate")
        shutil.rmtree(base, ignore_errors=True)


class socket_port:
    """Context manager yielding a free loopback TCP port."""

    def __enter__(self) -> int:
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    def __exit__(self, *exc) -> None:
        return None


if __name__ == "__main__":
    main()
