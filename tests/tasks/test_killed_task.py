"""A real `canopy worker --pool site` killed with SIGKILL mid-task: re-queued, completed once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import date

import numpy as np
import pytest
import xarray as xr

from backend.tasks.conf import graph, make_conf
from backend.tasks.store import create_task
from stac import catalog
from tests.conftest import wait_for
from tests.ingest.helpers import crop_bbox
from tests.production.conftest import COL0, ROW0, TILE

STEPS = ["2019-06-01", "2019-06-06", "2019-06-11", "2019-06-16", "2019-06-21", "2019-06-26"]


def _task(db, system) -> str:
    """A site task over 8×8 px of the simulated set, June 2019 (six dates)."""
    w, s, e, n = crop_bbox(TILE, ROW0 + 4, COL0 + 4, 8)
    conf = make_conf(
        "site-kill-test-2019", "site", {"west": w, "south": s, "east": e, "north": n},
        date(2019, 6, 1), date(2019, 7, 1), ("probav", "vgt2"), interval="5D", window="10D",
        basedir="vp_cci", site="kill-test",
    )  # fmt: skip
    job_id, created = db(create_task, system, conf, graph(conf))
    assert created
    return job_id


@pytest.mark.e2e
def test_sigkilled_site_worker_task_completes_once(
    db, jobs, catalogue, system, stac_settings, job_settings, start_worker, dask_cluster
):
    job_id = _task(db, system)
    env = dict(
        os.environ,
        CANOPY_DATABASE_URL=stac_settings.dsn,
        CANOPY_HOME=str(stac_settings.home),
        CANOPY_DASK_SCHEDULER=dask_cluster.scheduler_address,  # no cluster of its own
        CANOPY_HEARTBEAT_S="0.2",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "backend.cli", "worker", "--pool", "site", "--name", "victim"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    job_dir = stac_settings.home / "jobs" / job_id
    try:
        at_kill = wait_for(
            lambda: (
                (r := jobs.get(job_id, None))["status"] == "RUNNING"
                and r["worker"] == "victim"
                and 20 <= r["progress"] < 95
                and r
            ),
            timeout=120,
            what="the worker process to produce a first date",
        )
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert (job_dir / "results.tmp-1").is_dir()  # the killed attempt's unpublished output
    assert not (job_dir / "results").exists()
    assert jobs.get(job_id, None)["status"] == "RUNNING"  # nobody knows yet

    start_worker(job_type="site", name="rescuer")
    done = wait_for(
        lambda: (
            (r := jobs.get(job_id, None))["status"] in ("SUCCESS", "INCOMPLETE", "FAILURE") and r
        ),
        timeout=120,
        what="the re-queued task to finish",
    )
    assert done["status"] == "SUCCESS" and done["worker"] == "rescuer" and done["attempts"] == 2
    assert 20 <= at_kill["progress"] < 95
    warnings = [e["message"] for e in jobs.logs(job_id, system, None, "warning", 50)]
    assert any("victim stopped responding" in m for m in warnings)

    # no duplicates: one published file, each date once, nothing left of the killed attempt
    on_disk = sorted(str(p.relative_to(job_dir)) for p in job_dir.rglob("*"))
    assert on_disk == ["results", "results/openEO.nc"]
    assert [f["href"] for f in done["result"]["files"]] == [str(job_dir / "results/openEO.nc")]
    assert sorted(done["outcomes"]) == STEPS and set(done["outcomes"].values()) == {"ok"}
    with xr.open_dataset(job_dir / "results/openEO.nc") as ds:
        assert [str(t)[:10] for t in ds["t"].values] == STEPS
        assert float(np.isfinite(ds["LAI"].sel(t="2019-06-11")).mean()) > 0.8
    produced = [e["message"] for e in jobs.logs(job_id, system, None, "info", 500)]
    assert sum(m == "Date 2019-06-26 produced." for m in produced) == 1
    assert wait_for(lambda: result_items(stac_settings.dsn), what="the catalogue") == [
        f"{job_id}-openEO.nc"
    ]


def result_items(dsn: str) -> list[str]:
    """Ids of the items of collection ``openeo-job-results`` (registered after a job ends)."""
    with catalog._connect(dsn) as conn:
        rows = conn.execute("SELECT id FROM pgstac.items WHERE collection = 'openeo-job-results'")
        return [r[0] for r in rows]
