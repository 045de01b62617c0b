"""Benchmark of the openEO API: sync NDVI through POST /result against the same graph run
directly in-process (same run, same data), and submit → running latency of batch jobs.

    uv run python -m benchmarks.api [--size 1000] [--dates 10] [--repeat 3] [--jobs 10]

Targets (issue #5): /result ≤ 1.1× the direct run; median submit → running ≤ 1 s. It also
prints the seconds per million loaded values that backend/jobs/estimate.py's model uses.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn

from backend.app import create_app
from backend.auth.admin import add_user, issue_token
from backend.execution import execute
from backend.jobs.settings import JobSettings
from backend.jobs.worker import Worker
from backend.settings import BackendSettings
from stac.demo import sentinel2
from stac.embedded import EmbeddedPostgres
from stac.migrate import connect, migrate
from stac.settings import StacSettings, dsn_with_database

COLLECTION = "S2_BENCH"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ndvi_graph(fmt: str = "netCDF") -> dict:
    return {
        "process_graph": {
            "load": {
                "process_id": "load_collection",
                "arguments": {
                    "id": COLLECTION,
                    "spatial_extent": None,
                    "temporal_extent": ["2022-06-01", "2022-07-01"],
                    "bands": ["B04", "B08"],
                },
            },
            "ndvi": {
                "process_id": "ndvi",
                "arguments": {"data": {"from_node": "load"}, "nir": "B08", "red": "B04"},
            },
            "save": {
                "process_id": "save_result",
                "arguments": {"data": {"from_node": "ndvi"}, "format": fmt},
                "result": True,
            },
        }
    }


class Server:
    def __init__(self, app) -> None:
        self.port = free_port()
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.05)
        return f"http://127.0.0.1:{self.port}/openeo/1.2"

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1000, help="pixels per side")
    parser.add_argument("--step-days", type=int, default=3, help="days between dates (3 → 10)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=10, help="batch jobs for the latency")
    args = parser.parse_args()

    base = Path(tempfile.mkdtemp(prefix="canopy-bench-api-"))
    base.chmod(0o755)
    pg = EmbeddedPostgres(directory=base / "pg", port=free_port(), durable=False)
    pg.init()
    pg.start()
    try:
        run(base, pg.port, args)
    finally:
        pg.stop(mode="immediate")
        shutil.rmtree(base, ignore_errors=True)


def run(base: Path, port: int, args) -> None:
    dsn = dsn_with_database(f"postgresql://postgres:unused@127.0.0.1:{port}/postgres", "bench")
    with connect(dsn_with_database(dsn, "postgres"), autocommit=True) as conn:
        conn.execute("CREATE DATABASE bench")
    migrate(dsn)
    coll, items = sentinel2(
        base / "data", (args.size, args.size), args.step_days, collection_id=COLLECTION
    )
    with connect(dsn, autocommit=True) as conn:
        conn.execute("SELECT pgstac.upsert_collection(%s::jsonb)", [json.dumps(coll)])
        conn.execute("SELECT pgstac.upsert_items(%s::jsonb)", [json.dumps(items)])
    add_user(dsn, "bench", "bench-password")
    headers = {"Authorization": f"Bearer basic//{issue_token(dsn, 'bench')}"}
    stac_settings = StacSettings(database_url=dsn, home=base / "home")
    settings = JobSettings(sync_max_pixels=10**9, sync_timeout_s=600)
    values = args.size * args.size * len(items) * 2
    print(
        f"cube: {args.size}×{args.size} px × {len(items)} dates × 2 bands = {values / 1e6:.0f} M values"
    )

    app = create_app(BackendSettings(), stac_settings)
    app.state.job_settings = settings
    direct_s, api_s = [], []
    with Server(app) as url, httpx.Client(timeout=600) as http:
        body = {"process": ndvi_graph()}
        http.post(f"{url}/result", json=body, headers=headers).raise_for_status()  # warm-up
        for _ in range(args.repeat):
            out = base / "direct"
            t0 = time.perf_counter()
            execute(ndvi_graph(), owner="bench", dsn=dsn, output_dir=out)
            direct_s.append(time.perf_counter() - t0)
            shutil.rmtree(out)
            t0 = time.perf_counter()
            response = http.post(f"{url}/result", json=body, headers=headers)
            response.raise_for_status()
            _ = response.content
            api_s.append(time.perf_counter() - t0)
        direct, api = statistics.median(direct_s), statistics.median(api_s)
        print(f"direct (executor in-process, baseline): {direct:.2f} s  (runs {_fmt(direct_s)})")
        print(f"POST /result over HTTP:                 {api:.2f} s  (runs {_fmt(api_s)})")
        print(f"ratio /result ÷ direct: {api / direct:.2f}×  (target ≤ 1.10×)")
        print(f"estimate model: {direct / (values / 1e6):.4f} s per million loaded values")

        latencies = asyncio.run(batch_latency(url, headers, stac_settings, settings, args.jobs))
        print(
            f"batch submit → running: median {statistics.median(latencies):.3f} s, "
            f"max {max(latencies):.3f} s over {len(latencies)} jobs  (target median ≤ 1 s)"
        )


async def batch_latency(url, headers, stac_settings, settings, n) -> list[float]:
    """Median time from POST /jobs/{id}/results until GET /jobs/{id} says running."""
    worker = Worker(stac_settings, settings, concurrency=1)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    graph = {
        "process_graph": {"a": {"process_id": "add", "arguments": {"x": 1, "y": 2}, "result": True}}
    }
    out = []
    async with httpx.AsyncClient(timeout=60) as http:
        for _ in range(n):
            r = await http.post(f"{url}/jobs", json={"process": graph}, headers=headers)
            job = r.headers["OpenEO-Identifier"]
            t0 = time.perf_counter()
            (await http.post(f"{url}/jobs/{job}/results", headers=headers)).raise_for_status()
            while True:
                status = (await http.get(f"{url}/jobs/{job}", headers=headers)).json()["status"]
                if status in ("running", "finished", "error"):
                    break
                await asyncio.sleep(0.01)
            out.append(time.perf_counter() - t0)
            while status not in ("finished", "error"):
                await asyncio.sleep(0.05)
                status = (await http.get(f"{url}/jobs/{job}", headers=headers)).json()["status"]
    stop.set()
    await task
    return out


def _fmt(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


if __name__ == "__main__":
    main()
