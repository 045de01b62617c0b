"""Benchmark of ``vp_lai_fapar``'s tile path: a chunked tile end to end on 1 and 2 Dask workers.

    uv run python -m benchmarks.production [--size 128] [--days 20] [--chunk 64] [--workers 1,2]

Simulates ``size``×``size`` px of X18Y02 (PROBA-V + VGT2, daily from 2019-06-01), ingests them
into an embedded pgstac, then runs ``vp_lai_fapar`` (mode tile, 5-day steps, 10-day windows,
every step whose window lies inside the simulated days: (days − 5)/5 of them) on a LocalCluster
of 1 and of 2 worker processes (127.0.0.1, one thread each) and writes one NetCDF per date.
Prints the wall times, the scaling ratio (target of issue #6: ≥ 1.8×), the split between
loading, retrieval, merging and writing (loading and retrieval are task-seconds summed over
chunks), how busy the workers were (task-seconds / (wall × workers): what is left is serial
or idle time) and a projection to issue #6's size, 128×128 px × 1 year (73 dates).

Issue #6 in full is ``--days 365`` (72 dates; hours of CPU: see the projection of a short run
first). The load average of the machine is printed with every run: timings from a shared
machine are only comparable at similar load.
"""

from __future__ import annotations

import argparse
import os
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
#: Issue #6: a 128×128 px tile crop over one year of 5-day steps.
ISSUE_SIZE, ISSUE_DATES = 128, 73
TILE, ROW0, COL0 = "X18Y02", 500, 500
START = date(2019, 6, 1)


def bbox(size: int) -> tuple[float, float, float, float]:
    """A box selecting exactly ``size``×``size`` pixels of the tile from (ROW0, COL0)."""
    lon0, lat0 = PROBAV_1KM.pixel_to_lonlat(TILE, ROW0, COL0)
    px = PROBAV_1KM.pixel_size
    return (lon0 - 0.4 * px, lat0 - (size - 1 + 0.4) * px,
            lon0 + (size - 1 + 0.4) * px, lat0 + 0.4 * px)  # fmt: skip


def products(root: Path, size: int, days: int, registry, workers: int = 2) -> list[Path]:
    """Simulated products (reused when ``root`` already holds this set)."""
    marker = root / f"done_{size}_{days}"
    if not marker.exists():
        root.mkdir(parents=True, exist_ok=True)
        root.chmod(0o755)
        cfg = SimulationConfig(
            tile=TILE, start=START, end=START + timedelta(days=days - 1),
            sensors=tuple(registry[s] for s in SENSORS), out=root, seed=11, bbox=bbox(size),
            workers=workers,
        )  # fmt: skip
        simulate(cfg)
        marker.touch()
    return sorted({p.parent for s in SENSORS for p in (root / s).rglob("*.nc")})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load() -> str:
    """The 1/5/15-minute load averages."""
    return "/".join(f"{v:.1f}" for v in os.getloadavg())


def run(catalogue, size: int, days: int, chunk: int, workers: int, out: Path) -> dict:
    """One end-to-end run on ``workers`` processes; seconds by phase."""
    w, s, e, n = bbox(size)
    end = START + timedelta(days=days - 4)  # the last window [d − 5, d + 5) ends in the data
    done: list[float] = []
    with (
        LocalCluster(n_workers=workers, threads_per_worker=1, host="127.0.0.1",
                     dashboard_address=None, processes=True) as cluster,
        Client(cluster) as client,
    ):  # fmt: skip
        load0 = load()
        t0 = time.perf_counter()
        cube, report = run_production(
            catalogue, {"west": w, "south": s, "east": e, "north": n},
            str(START + timedelta(days=5)), str(end), sensors=list(SENSORS), mode="tile",
            chunk_size=chunk, client=client,
            on_date=lambda *_: done.append(time.perf_counter() - t0),
        )  # fmt: skip
        t1 = time.perf_counter()
        out.mkdir(parents=True, exist_ok=True)
        for k in range(cube.sizes["t"]):
            cube.isel(t=[k]).to_dataset(dim="bands").to_netcdf(out / f"{workers}w_{k}.nc")
        t2 = time.perf_counter()
    if report.failed:
        raise RuntimeError(f"dates failed: {report.outcomes}")
    return {"wall": t2 - t0, "process": t1 - t0, "write": t2 - t1, "dates": cube.sizes["t"],
            "chunks": report.chunks, "first_date": min(done), "last_date": max(done),
            "load_avg": f"{load0} → {load()}", **report.seconds}  # fmt: skip


def summary(r: dict, size: int, workers: int) -> str:
    """One run in a few lines: wall, split, worker occupancy, retrieval cost."""
    tasks = r["load"] + r["retrieval"]
    busy = tasks / (r["process"] * workers)
    pd = size * size * r["dates"]
    return (
        f"{workers} worker(s): {r['wall']:7.1f} s wall for {r['dates']} dates × {size}² px in "
        f"{r['chunks']} chunks (load average {r['load_avg']})\n"
        f"    plan {r['plan']:.1f} s, load {r['load']:.1f} task-s, retrieval "
        f"{r['retrieval']:.1f} task-s, merge {r['merge']:.2f} s, write {r['write']:.2f} s; "
        f"first date after {r['first_date']:.1f} s, last after {r['last_date']:.1f} s\n"
        f"    workers busy {100 * busy:.0f} % of the wall time; retrieval "
        f"{1e3 * r['retrieval'] / pd:.2f} ms, load {1e3 * r['load'] / pd:.2f} ms per pixel-date"
    )


def projection(r: dict, size: int, workers: int) -> str:
    """Issue #6's run (128² px × 73 dates) extrapolated from a measured run.

    Linear in pixel-dates from the task-seconds, divided over the workers at the measured
    occupancy; it holds while the ROI has at least as many chunks as workers.
    """
    per_pd = (r["load"] + r["retrieval"]) / (size * size * r["dates"])
    core_h = per_pd * ISSUE_SIZE**2 * ISSUE_DATES / 3600
    busy = (r["load"] + r["retrieval"]) / (r["process"] * workers)
    return (
        f"    projection {ISSUE_SIZE}² px × {ISSUE_DATES} dates: {core_h:.2f} core-hours, "
        f"~{core_h / (workers * busy):.2f} h wall on {workers} worker(s)"
    )


def main() -> None:
    """Run the benchmark and print the scaling ratio, the time split and the projection."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=ISSUE_SIZE, help="Pixels per side.")
    ap.add_argument("--days", type=int, default=20,
                    help="Simulated days: (days − 5)/5 step dates; 365 = issue #6's year.")  # fmt: skip
    ap.add_argument("--chunk", type=int, default=64, help="Chunk side in pixels.")
    ap.add_argument("--workers", default="1,2", help="Worker counts to run, comma-separated.")
    ap.add_argument("--sim-workers", type=int, default=2, help="Processes of the simulation.")
    ap.add_argument("--keep", type=Path, default=Path(tempfile.gettempdir()) / "canopy-bench-vp")
    args = ap.parse_args()
    counts = [int(c) for c in args.workers.split(",")]
    print(f"{os.cpu_count()} CPUs, load average {load()}")
    registry = load_registry()
    t = time.perf_counter()
    folders = products(
        args.keep / f"{args.size}px_{args.days}d", args.size, args.days, registry, args.sim_workers
    )
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
        for workers in counts:
            r = run(catalogue, args.size, args.days, args.chunk, workers, base / "out")
            results[workers] = r
            print(summary(r, args.size, workers))
            print(projection(r, args.size, workers))
        if 1 in results and 2 in results:
            r1, r2 = results[1], results[2]
            print(f"scaling 1 → 2 workers: {r1['wall'] / r2['wall']:.2f}× (target ≥ 1.8×)")
            # on a shared machine the same tasks run at different speeds in the two runs:
            # task-seconds per wall second is the parallelism actually obtained
            par = [(r["load"] + r["retrieval"]) / r["process"] for r in (r1, r2)]
            print(f"scaling at equal task speed (task-s per wall-s, {par[0]:.2f} → {par[1]:.2f}): "
                  f"{par[1] / par[0]:.2f}×")  # fmt: skip
    finally:
        pg.stop(mode="immediate")


if __name__ == "__main__":
    main()
