"""Benchmark of ``vp_lai_fapar``'s tile path: a chunked tile end to end on 1 and 2 Dask workers.

    uv run python -m benchmarks.production [--size 128] [--days 20] [--chunk 64]

Simulates ``size``×``size`` px of X18Y02 (PROBA-V + VGT2, daily from 2019-06-01), ingests them
into an embedded pgstac, then runs ``vp_lai_fapar`` (mode tile, 5-day steps, 10-day windows,
every step whose window lies inside the simulated days) on a LocalCluster of 1 and of 2 worker
processes (127.0.0.1, one thread each) and writes one NetCDF per date. Prints the wall times,
the scaling ratio (target of issue #6: ≥ 1.8×) and the split between loading, retrieval,
merging and writing (loading and retrieval are task-seconds summed over chunks).
"""

from __future__ import annotations

import argparse
import socket
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import psycopg
from distributed import Client, LocalCluster
from psycopg import sql

from ingest.grid import PROBAV_1KM
from ingest.ingester import ingest
from ingest.registry import load_registry
from ingest.simulate.run import SimulationConfig, simulate
from processes.production import run_production
from stac.cube_catalogue import PgstacCubeCatalogue
from stac.embedded import EmbeddedPostgres
from stac.migrate import migrate
from stac.settings import dsn_with_database

SENSORS = ("probav", "vgt2")
TILE, ROW0, COL0 = "X18Y02", 500, 500
START = date(2019, 6, 1)


def bbox(size: int) -> tuple[float, float, float, float]:
    """A box selecting exactly ``size``×``size`` pixels of the tile from (ROW0, COL0)."""
    lon0, lat0 = PROBAV_1KM.pixel_to_lonlat(TILE, ROW0, COL0)
    px = PROBAV_1KM.pixel_size
    return (lon0 - 0.4 * px, lat0 - (size - 1 + 0.4) * px,
            lon0 + (size - 1 + 0.4) * px, lat0 + 0.4 * px)  # fmt: skip


def products(root: Path, size: int, days: int, registry) -> list[Path]:
    """Simulated products (reused when ``root`` already holds this set)."""
    marker = root / f"done_{size}_{days}"
    if not marker.exists():
        root.mkdir(parents=True, exist_ok=True)
        root.chmod(0o755)
        cfg = SimulationConfig(
            tile=TILE, start=START, end=START + timedelta(days=days - 1),
            sensors=tuple(registry[s] for s in SENSORS), out=root, seed=11, bbox=bbox(size),
            workers=2,
        )  # fmt: skip
        simulate(cfg)
        marker.touch()
    return sorted({p.parent for s in SENSORS for p in (root / s).rglob("*.nc")})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(catalogue, size: int, days: int, chunk: int, workers: int, out: Path) -> dict:
    """One end-to-end run on ``workers`` processes; seconds by phase."""
    w, s, e, n = bbox(size)
    end = START + timedelta(days=days - 4)  # the last window [d − 5, d + 5) ends in the data
    with (
        LocalCluster(n_workers=workers, threads_per_worker=1, host="127.0.0.1",
                     dashboard_address=None, processes=True) as cluster,
        Client(cluster) as client,
    ):  # fmt: skip
        t0 = time.perf_counter()
        cube, report = run_production(
            catalogue, {"west": w, "south": s, "east": e, "north": n},
            str(START + timedelta(days=5)), str(end), sensors=list(SENSORS), mode="tile",
            chunk_size=chunk, client=client,
        )  # fmt: skip
        t1 = time.perf_counter()
        out.mkdir(parents=True, exist_ok=True)
        for k in range(cube.sizes["t"]):
            cube.isel(t=[k]).to_dataset(dim="bands").to_netcdf(out / f"{workers}w_{k}.nc")
        t2 = time.perf_counter()
    if report.failed:
        raise RuntimeError(f"dates failed: {report.outcomes}")
    return {"wall": t2 - t0, "process": t1 - t0, "write": t2 - t1, "dates": cube.sizes["t"],
            "chunks": report.chunks, **report.seconds}  # fmt: skip


def main() -> None:
    """Run the benchmark and print the scaling ratio and the time split."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=128, help="Pixels per side.")
    ap.add_argument("--days", type=int, default=20, help="Simulated days (steps: (days−5)/5).")
    ap.add_argument("--chunk", type=int, default=64, help="Chunk side in pixels.")
    ap.add_argument("--keep", type=Path, default=Path(tempfile.gettempdir()) / "canopy-bench-vp")
    args = ap.parse_args()
    registry = load_registry()
    t = time.perf_counter()
    folders = products(args.keep / f"{args.size}px_{args.days}d", args.size, args.days, registry)
    print(f"products ready in {time.perf_counter() - t:.1f} s")
    base = Path(tempfile.mkdtemp(prefix="canopy-bench-pg-"))
    base.chmod(0o755)
    pg = EmbeddedPostgres(directory=base, port=free_port(), durable=False)
    pg.init()
    pg.start()
    try:
        admin = f"postgresql://postgres:unused@127.0.0.1:{pg.port}/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier("bench_vp")))
        dsn = dsn_with_database(admin, "bench_vp")
        migrate(dsn)
        report = ingest(folders, dsn, {s: registry[s] for s in SENSORS}, workers=0)
        print(f"ingested {report.created} products in {report.seconds:.1f} s")
        catalogue = PgstacCubeCatalogue(dsn)
        results = {}
        for workers in (1, 2):
            r = run(catalogue, args.size, args.days, args.chunk, workers, base / "out")
            results[workers] = r
            print(
                f"{workers} worker(s): {r['wall']:7.1f} s wall for {r['dates']} dates × "
                f"{args.size}² px in {r['chunks']} chunks | plan {r['plan']:.1f} s, "
                f"load {r['load']:.1f} task-s, retrieval {r['retrieval']:.1f} task-s, "
                f"merge {r['merge']:.2f} s, write {r['write']:.2f} s"
            )
        print(f"scaling 1 → 2 workers: {results[1]['wall'] / results[2]['wall']:.2f}× "
              f"(target ≥ 1.8×)")  # fmt: skip
    finally:
        pg.stop(mode="immediate")


if __name__ == "__main__":
    main()
