"""A worker: claims jobs of one pool from the job table and runs them on Dask.

Each running job has a heartbeat task that records liveness and progress, flushes the job's log
entries and notices cancel requests. Every worker also re-queues the jobs of workers that stopped
heart-beating, so a killed worker's job is never lost nor stuck in RUNNING.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Callable
from pathlib import Path

from distributed import Client

from backend.jobs import catalogue
from backend.jobs.model import Status
from backend.jobs.runner import Outcome, run_job
from backend.jobs.settings import JobSettings
from backend.jobs.store import NOTIFY_CHANNEL, JobStore
from backend.jobs.tracking import JobCancelled, JobTracker
from stac.pool import open_pool
from stac.settings import StacSettings

log = logging.getLogger(__name__)

JOB_TYPES = ("adhoc", "tile", "site")

Runner = Callable[[dict, JobTracker], Outcome]


class Worker:
    """Claims and runs jobs of one type, at most ``concurrency`` at a time."""

    def __init__(
        self,
        stac_settings: StacSettings,
        settings: JobSettings,
        *,
        job_type: str = "adhoc",
        concurrency: int = 1,
        client: Client | None = None,
        name: str | None = None,
        runner: Runner | None = None,
    ) -> None:
        if job_type not in JOB_TYPES:
            raise ValueError(f"unknown pool {job_type!r}; one of {', '.join(JOB_TYPES)}")
        self.stac_settings = stac_settings
        self.settings = settings
        self.job_type = job_type
        self.concurrency = max(1, concurrency)
        self.client = client
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{job_type}"
        self.jobs_dir: Path = settings.jobs_dir(stac_settings.home)
        self.runner = runner or self._default_runner
        self.running: dict[str, JobTracker] = {}
        self.stopping = False

    def _default_runner(self, row: dict, tracker: JobTracker) -> Outcome:
        return run_job(row, tracker, dsn=self.stac_settings.dsn, jobs_dir=self.jobs_dir)

    async def run(self, stop: asyncio.Event) -> None:
        """Poll, claim and run until ``stop`` is set; running jobs are canceled on stop."""
        pool = await open_pool(self.stac_settings, max_size=self.concurrency + 3)
        store = JobStore(pool)
        tasks: set[asyncio.Task] = set()
        wake = asyncio.Event()
        listener = await pool.acquire()

        def on_notify(*_: object) -> None:
            wake.set()

        await listener.add_listener(NOTIFY_CHANNEL, on_notify)
        try:
            while not stop.is_set():
                await self._watchdog(store)
                while len(tasks) < self.concurrency and not stop.is_set():
                    row = await store.claim(self.job_type, self.name)
                    if row is None:
                        break
                    task = asyncio.create_task(self._run(store, row))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                wake.clear()
                waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(wake.wait())]
                await asyncio.wait(
                    waiters, timeout=self.settings.poll_s, return_when=asyncio.FIRST_COMPLETED
                )
                for waiter in waiters:
                    waiter.cancel()
        finally:
            self.stopping = True
            for tracker in self.running.values():
                tracker.cancel()
            if tasks:
                await asyncio.gather(*tasks, return_exceptions=True)
            await listener.remove_listener(NOTIFY_CHANNEL, on_notify)
            await pool.release(listener)
            await pool.close()

    async def _watchdog(self, store: JobStore) -> None:
        for job_id, status in await store.requeue_dead(self.settings.dead_after_s):
            log.warning("job %s of a dead worker → %s", job_id, status)

    async def _run(self, store: JobStore, row: dict) -> None:
        job_id = row["id"]
        tracker = JobTracker(client=self.client)
        self.running[job_id] = tracker
        beat = asyncio.create_task(self._heartbeat(store, job_id, tracker))
        try:
            outcome = await asyncio.to_thread(self.runner, row, tracker)
        except JobCancelled:
            tracker.log("info", "Job canceled; its Dask work was stopped.")
            outcome = Outcome(Status.CANCELLED)
        except Exception as e:  # a runner bug must not kill the worker loop
            log.exception("runner crashed on %s", job_id)
            tracker.log("error", f"Server error: {type(e).__name__}", code="Internal")
            outcome = Outcome(Status.FAILURE)
        finally:
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat
            self.running.pop(job_id, None)
        await self._flush(store, job_id, tracker)
        if self.stopping and outcome.status == Status.CANCELLED:
            if await store.release(job_id, self.name):
                return  # shut down mid-job: another worker takes it up again
        ours = await store.finish(
            job_id,
            self.name,
            outcome.status,
            result=outcome.result,
            usage=outcome.usage,
            outcomes=outcome.outcomes,
        )
        if not ours:
            log.warning("job %s was taken away from %s before it finished", job_id, self.name)
        elif outcome.status in (Status.SUCCESS, Status.INCOMPLETE):
            await self._catalogue(store, job_id)
            if outcome.status == Status.SUCCESS:
                await self._publish(store, job_id)

    async def _catalogue(self, store: JobStore, job_id: str) -> None:
        """Register the results in the STAC catalogue (the results stay valid if this fails)."""
        row = await store.get(job_id, None)
        api = (self.settings.public_url or "http://127.0.0.1:8000").rstrip("/") + "/openeo/1.2/"
        try:
            n = await asyncio.to_thread(catalogue.register, self.stac_settings.dsn, row, api)
        except Exception as e:
            log.exception("registering results of %s failed", job_id)
            await store.log(job_id, "warning", f"Results not added to the catalogue: {e}")
        else:
            if n:
                await store.log(
                    job_id,
                    "info",
                    f"{n} result item(s) added to collection {catalogue.COLLECTION_ID}.",
                )

    async def _publish(self, store: JobStore, job_id: str) -> None:
        """Publish a succeeded task that asks for it (a failure leaves the job SUCCESS)."""
        from backend.tasks.publish import publish_task, wants_publishing

        row = await store.get(job_id, None)
        if not wants_publishing(row):
            return
        site = (row["conf"] or {}).get("site")
        name = site and await store.pool.fetchval(
            "SELECT name FROM canopy.sites WHERE code = $1", site
        )
        try:
            report = await asyncio.to_thread(
                publish_task, self.stac_settings.dsn, row, name or site, self.stac_settings.home
            )
        except Exception as e:
            log.exception("publishing %s failed", job_id)
            await store.log(job_id, "warning", f"Outputs not published: {type(e).__name__}: {e}")
        else:
            ids = report.created + report.updated + report.unchanged
            await store.log(
                job_id,
                "info",
                f"Published {len(ids)} product(s): {', '.join(ids)}.",
                data={"items": ids},
            )

    async def _heartbeat(self, store: JobStore, job_id: str, tracker: JobTracker) -> None:
        while True:
            await self._flush(store, job_id, tracker)
            ours, cancel = await store.heartbeat(job_id, self.name, tracker.progress)
            if cancel or not ours:
                tracker.cancel()
            await asyncio.sleep(self.settings.heartbeat_s)

    async def _flush(self, store: JobStore, job_id: str, tracker: JobTracker) -> None:
        for entry in tracker.drain_logs():
            await store.log(job_id, entry.level, entry.message, code=entry.code, data=entry.data)
