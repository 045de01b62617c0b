"""Workers claim, run, cancel and re-queue jobs through the real job table and a real Dask cluster."""

from __future__ import annotations

import threading
import time

import dask.array as da
import pytest

from backend.jobs.model import Status
from backend.jobs.runner import Outcome
from processes.exceptions import JobNotFound
from tests.jobs.conftest import wait_for

GRAPH = {"process": {"process_graph": {"x": {"process_id": "absolute", "arguments": {"x": -1}}}}}


def _slow_block(block, delay):
    time.sleep(delay)
    return block + 1


def dask_runner(chunks: int = 8, delay: float = 0.05, seen: list | None = None):
    """A runner doing real chunked Dask work through the tracker (progress, cancel)."""
    lock = threading.Lock()

    def run(row, tracker):
        if seen is not None:
            with lock:
                seen.append(row["id"])
        x = da.zeros((chunks, 4), chunks=(1, 4)).map_blocks(_slow_block, delay, dtype=float)
        (value,) = tracker.compute(x.sum())
        tracker.log("info", f"sum={value}")
        return Outcome(Status.SUCCESS, result={"files": [], "sum": float(value)})

    return run


def _create(jobs, n=1, owner="alice"):
    ids = []
    for _ in range(n):
        row = jobs.create(owner, GRAPH["process"])
        jobs.queue(row["id"], owner)
        ids.append(row["id"])
    return ids


def test_each_job_runs_exactly_once_across_competing_workers(jobs, start_worker, dask_client):
    seen: list[str] = []
    ids = _create(jobs, 8)
    for i in range(2):
        start_worker(client=dask_client, concurrency=2, name=f"w{i}", runner=dask_runner(seen=seen))
    wait_for(
        lambda: all(jobs.get(j, "alice")["status"] == "SUCCESS" for j in ids),
        what="all jobs to succeed",
    )
    assert sorted(seen) == sorted(ids)
    rows = [jobs.get(j, "alice") for j in ids]
    assert {r["worker"] for r in rows} <= {"w0", "w1"}
    assert all(r["attempts"] == 1 and r["progress"] == 100 for r in rows)
    assert all(r["result"]["sum"] == 32.0 for r in rows)


def test_progress_is_reported_while_running(jobs, start_worker, dask_client):
    (job,) = _create(jobs)
    start_worker(client=dask_client, runner=dask_runner(chunks=40, delay=0.15))
    seen = wait_for(
        lambda: (p := jobs.get(job, "alice")["progress"]) is not None and 5 < p < 100 and p,
        what="intermediate progress",
    )
    assert 5 < seen < 100
    wait_for(lambda: jobs.get(job, "alice")["status"] == "SUCCESS", what="success")


def test_cancel_stops_the_dask_work(jobs, start_worker, dask_client):
    (job,) = _create(jobs)
    start_worker(client=dask_client, runner=dask_runner(chunks=200, delay=0.2))
    wait_for(lambda: (jobs.get(job, "alice")["progress"] or 0) > 5, what="the job to compute")
    assert jobs.cancel(job, "alice") == Status.RUNNING
    wait_for(lambda: jobs.get(job, "alice")["status"] == "CANCELLED", timeout=10, what="cancel")
    # 200 chunks × 0.2 s on 2 workers would take 20 s; after a cancel the cluster is idle.
    wait_for(lambda: not any(dask_client.processing().values()), timeout=5, what="idle cluster")
    messages = [e["message"] for e in jobs.logs(job, "alice", None, "debug", 100)]
    assert "Cancellation requested." in messages
    assert any("canceled" in m for m in messages)


def test_cancel_of_a_queued_job_is_immediate(jobs):
    (job,) = _create(jobs)
    assert jobs.cancel(job, "alice") == Status.CANCELLED
    assert jobs.get(job, "alice")["status"] == "CANCELLED"


def test_job_of_a_dead_worker_is_requeued_and_completes(jobs, start_worker, dask_client):
    (job,) = _create(jobs)
    claimed = jobs.claim("adhoc", "doomed-worker")  # claims, then never heart-beats again
    assert claimed["id"] == job and claimed["attempts"] == 1
    start_worker(client=dask_client, runner=dask_runner(), name="rescuer")
    wait_for(lambda: jobs.get(job, "alice")["status"] == "SUCCESS", what="re-queued job to finish")
    row = jobs.get(job, "alice")
    assert row["worker"] == "rescuer" and row["attempts"] == 2
    logs = [e["message"] for e in jobs.logs(job, "alice", None, "warning", 100)]
    assert any("doomed-worker stopped responding" in m for m in logs)


def test_job_fails_after_its_attempts_are_used_up(jobs, start_worker, dask_client, job_settings):
    (job,) = _create(jobs)
    for i in range(job_settings.max_attempts):
        jobs.queue(job, "alice") if i else None
        assert jobs.claim("adhoc", f"doomed-{i}")["id"] == job
        jobs.requeue_dead(-1.0)  # every heartbeat is "old": the watchdog's verdict at once
    row = jobs.get(job, "alice")
    assert row["status"] == "FAILURE"
    errors = jobs.logs(job, "alice", None, "error", 10)
    assert errors and "no attempts left" in errors[-1]["message"]


def test_stopping_a_worker_gives_its_job_back(jobs, start_worker, dask_client):
    (job,) = _create(jobs)
    w = start_worker(client=dask_client, runner=dask_runner(chunks=200, delay=0.2), name="leaving")
    wait_for(lambda: jobs.get(job, "alice")["status"] == "RUNNING", what="running")
    w.stop()
    row = jobs.get(job, "alice")
    assert row["status"] == "PENDING" and row["attempts"] == 0


def test_logs_filter_by_level_and_offset(jobs):
    job = jobs.create("alice", GRAPH["process"], log_level="debug")["id"]
    jobs.log(job, "debug", "d")
    jobs.log(job, "warning", "w")
    jobs.log(job, "error", "e", code="Internal")
    everything = jobs.logs(job, "alice", None, "debug", 100)
    assert [e["message"] for e in everything][-3:] == ["d", "w", "e"]
    assert [e["message"] for e in jobs.logs(job, "alice", None, "warning", 100)] == ["w", "e"]
    after = str(everything[-2]["seq"])
    assert [e["message"] for e in jobs.logs(job, "alice", after, "debug", 100)] == ["e"]
    jobs.update(job, "alice", {"log_level": "warning"})  # the job's own threshold applies too
    assert [e["message"] for e in jobs.logs(job, "alice", None, "debug", 100)] == ["w", "e"]


def test_another_users_job_does_not_exist_for_you(jobs):
    (job,) = _create(jobs)

    for call in (
        lambda: jobs.get(job, "bob"),
        lambda: jobs.queue(job, "bob"),
        lambda: jobs.cancel(job, "bob"),
        lambda: jobs.delete(job, "bob"),
        lambda: jobs.logs(job, "bob", None, "debug", 10),
    ):
        with pytest.raises(JobNotFound):
            call()
