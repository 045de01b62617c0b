"""Benchmark: items/s of ``canopy ingest`` vs the raw pypgstac Loader on the same items.

Run: ``uv run python -m benchmarks.ingest [--products 5000] [--keep DIR]`` (or the file path).

Both sides run in this process against the same throwaway PostgreSQL cluster, each into a
fresh database migrated the same way. The products are cheap: the full L2B layout (every
group, variable and attribute of DESIGN.md §5) on a 4×4-pixel crop, so opening one costs what
opening a real product costs while generating 5,000 of them takes seconds.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import shutil
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

from ingest.collections import sensor_collection
from ingest.grid import PROBAV_1KM
from ingest.ingester import ingest
from ingest.registry import load_registry
from ingest.scan import discover, scan_batch
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


def fresh_db(admin: str, name: str, registry) -> str:
    """Create, migrate and return the DSN of a new database with the sensor collections."""
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    dsn = dsn_with_database(admin, name)
    migrate(dsn)
    catalog.upsert_collections(dsn, [sensor_collection(s) for s in registry.values()])
    return dsn


def main() -> None:
    """Run the benchmark and print rates and ratios."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--products", type=int, default=5000)
    ap.add_argument(
        "--keep", type=Path, default=Path(tempfile.gettempdir()) / "canopy-bench-products"
    )
    args = ap.parse_args()
    registry = {k: v for k, v in load_registry().items() if k in SENSORS}

    t = time.perf_counter()
    paths = make_products(args.keep, args.products, registry)
    print(f"{len(paths)} products ready in {time.perf_counter() - t:.1f} s under {args.keep}")

    base = Path(tempfile.mkdtemp(prefix="canopy-bench-pg-"))
    base.chmod(0o755)
    with socket_port() as port:
        pg = EmbeddedPostgres(directory=base, port=port, durable=False)
    pg.init()
    pg.start()
    admin = f"postgresql://postgres:unused@127.0.0.1:{port}/postgres"
    try:
        vps = {s.product_token: s.vp() for s in registry.values()}
        t = time.perf_counter()
        items = [o.item for o in scan_batch(paths, vps, {})]
        scan_s = time.perf_counter() - t
        print(f"scan only (1 process): {len(items) / scan_s:8.0f} files/s")

        dsn = fresh_db(admin, "bench_loader", registry)
        with catalog.pgstac_db(dsn) as db:
            t = time.perf_counter()
            for i in range(0, len(items), 1000):  # same batch size as ingest's flushes
                catalog.load_items(dsn, items[i : i + 1000], "insert", db=db)
            loader_s = time.perf_counter() - t
        loader_rate = len(items) / loader_s
        print(
            f"raw pypgstac Loader:   {loader_rate:8.0f} items/s  ({len(items)} items, {loader_s:.2f} s)"
        )

        from dask.distributed import Client, LocalCluster

        for workers in (1, 2):
            dsn = fresh_db(admin, f"bench_ingest_{workers}", registry)
            t0 = time.perf_counter()
            with Client(
                LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    dashboard_address=":0",
                    silence_logs=logging.ERROR,
                )
            ) as client:
                startup = time.perf_counter() - t0
                report = ingest([args.keep], dsn, registry, client=client)
                again = ingest([args.keep], dsn, registry, client=client)
            assert report.created == len(items) and not report.failed, report
            assert again.unchanged == len(items) and again.changed == 0, again
            rate = report.created / report.seconds
            print(
                f"canopy ingest, {workers} worker(s): {rate:8.0f} items/s  ({report.seconds:.2f} s; "
                f"+{startup:.1f} s Dask cluster start not counted)  ratio to raw Loader: {rate / loader_rate:.1%}"
            )
            print(
                f"  second run, nothing changed: {again.scanned / again.seconds:8.0f} files/s checked"
            )
    finally:
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
