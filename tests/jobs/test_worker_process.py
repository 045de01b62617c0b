"""A real `canopy worker` process killed with SIGKILL mid-job: the job is re-queued and finishes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from distributed import LocalCluster

from tests.conftest import wait_for

GRAPH = {
    "process_graph": {
        "load": {
            "process_id": "load_collection",
            "arguments": {"id": "CGLS_SSM_1KM", "spatial_extent": None, "temporal_extent": None},
        },
        "save": {
            "process_id": "save_result",
            "arguments": {"data": {"from_node": "load"}, "format": "netCDF"},
            "result": True,
        },
    }
}


@pytest.fixture
def stalled_scheduler():
    """A scheduler without workers: a job computing on it stays RUNNING until it is killed."""
    cluster = LocalCluster(n_workers=0, host="127.0.0.1", dashboard_address=None)
    yield cluster.scheduler_address
    cluster.close()


@pytest.mark.e2e
def test_sigkilled_worker_process_job_is_requeued_and_completes(
    jobs, stac_settings, start_worker, dask_client, job_settings, stalled_scheduler
):
    from stac.demo import load_demo

    load_demo(stac_settings.dsn, stac_settings.home / "data")
    row = jobs.create("alice", GRAPH)
    jobs.queue(row["id"], "alice")
    env = dict(
        os.environ,
        CANOPY_DATABASE_URL=stac_settings.dsn,
        CANOPY_HOME=str(stac_settings.home),
        CANOPY_DASK_SCHEDULER=stalled_scheduler,
        CANOPY_HEARTBEAT_S="0.2",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "backend.cli", "worker", "--name", "victim"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(
            lambda: (
                (r := jobs.get(row["id"], "alice"))["status"] == "RUNNING"
                and r["worker"] == "victim"
            ),
            what="the worker process to claim the job",
        )
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert jobs.get(row["id"], "alice")["status"] == "RUNNING"  # nobody said otherwise yet
    start_worker(client=dask_client, name="rescuer")
    done = wait_for(
        lambda: (r := jobs.get(row["id"], "alice"))["status"] in ("SUCCESS", "FAILURE") and r,
        timeout=60,
        what="the re-queued job to finish",
    )
    assert done["status"] == "SUCCESS" and done["worker"] == "rescuer" and done["attempts"] == 2
    assert [f["href"].rsplit("/", 1)[-1] for f in done["result"]["files"]] == ["openEO.nc"]
    warnings = [e["message"] for e in jobs.logs(row["id"], "alice", None, "warning", 50)]
    assert any("victim stopped responding" in m for m in warnings)
