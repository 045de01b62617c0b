"""Fixtures for job execution: a real Dask LocalCluster on 127.0.0.1 and workers in threads."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from distributed import Client, LocalCluster

from backend.jobs.settings import JobSettings
from backend.jobs.store import JobStore
from backend.jobs.worker import Worker
from stac.pool import open_pool


@pytest.fixture(scope="session")
def dask_cluster() -> Iterator[LocalCluster]:
    """Two worker processes on loopback for the whole session."""
    cluster = LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    yield cluster
    cluster.close()


@pytest.fixture
def dask_client(dask_cluster) -> Iterator[Client]:
    """A client of the session cluster."""
    client = Client(dask_cluster.scheduler_address, set_as_default=False)
    yield client
    client.close()


@pytest.fixture
def job_settings() -> JobSettings:
    """Fast heartbeats and a short dead-worker timeout, so tests see re-queues quickly."""
    return JobSettings(heartbeat_s=0.2, dead_after_s=2.0, poll_s=0.1, max_attempts=3)


class WorkerThread:
    """A :class:`Worker` running its asyncio loop in a background thread."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self.loop = asyncio.new_event_loop()
        self.stop_event: asyncio.Event | None = None
        self.thread = threading.Thread(target=self._main, daemon=True)

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)

        async def main() -> None:
            self.stop_event = asyncio.Event()
            await self.worker.run(self.stop_event)

        self.loop.run_until_complete(main())

    def __enter__(self) -> WorkerThread:
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop the loop; running jobs are released back to the queue."""
        while self.stop_event is None and self.thread.is_alive():
            time.sleep(0.01)
        if self.stop_event is not None:
            self.loop.call_soon_threadsafe(self.stop_event.set)
        self.thread.join(timeout=30)

    def __exit__(self, *exc) -> None:
        self.stop()


@pytest.fixture
def start_worker(stac_settings, job_settings) -> Iterator[Callable[..., WorkerThread]]:
    """Start workers against this test's database; all are stopped at teardown."""
    started: list[WorkerThread] = []

    def start(**kwargs) -> WorkerThread:
        w = WorkerThread(Worker(stac_settings, kwargs.pop("settings", job_settings), **kwargs))
        started.append(w.__enter__())
        return w

    yield start
    for w in started:
        w.stop()


class SyncStore:
    """Calls the async JobStore from synchronous test code."""

    def __init__(self, stac_settings) -> None:
        self.loop = asyncio.new_event_loop()
        self.pool = self.loop.run_until_complete(open_pool(stac_settings))
        self.store = JobStore(self.pool)

    def __getattr__(self, name: str):
        method = getattr(self.store, name)
        return lambda *a, **kw: self.loop.run_until_complete(method(*a, **kw))

    def close(self) -> None:
        self.loop.run_until_complete(self.pool.close())
        self.loop.close()


@pytest.fixture
def jobs(stac_settings) -> Iterator[SyncStore]:
    """The job store of this test's database, usable from sync code."""
    s = SyncStore(stac_settings)
    yield s
    s.close()


def wait_for(predicate: Callable[[], object], timeout: float = 30, what: str = "condition"):
    """Poll until ``predicate()`` is truthy; returns its value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
