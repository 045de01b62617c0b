"""JobTracker.cancel when the Dask client is already gone (a worker stopping after its cluster)."""

from __future__ import annotations

import threading
import time

import dask
from distributed import Client, LocalCluster

from backend.jobs.tracking import JobTracker
from tests.conftest import wait_for


def test_cancel_after_its_client_closed_flags_the_job_without_raising():
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster:  # fmt: skip
        client = Client(cluster)
        tracker = JobTracker(client=client)
        errors: list[Exception] = []

        def run() -> None:
            try:
                tracker.compute(dask.delayed(time.sleep)(5))
            except Exception as e:  # the job's own thread sees its client vanish
                errors.append(e)

        thread = threading.Thread(target=run)
        thread.start()
        wait_for(lambda: tracker._futures, timeout=30, what="the job's futures")
        client.close()
        tracker.cancel()  # used to raise RuntimeError("IOLoop is closed") into the worker
        assert tracker.cancelled
        thread.join(timeout=30)
        assert not thread.is_alive() and errors
