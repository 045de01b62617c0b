"""What a running job shares with its worker: progress, log entries, cancellation, Dask futures."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import dask
from distributed import Client, as_completed, futures_of
from distributed.client import ClosedClientError
from distributed.diagnostics.progressbar import ProgressBar

log = logging.getLogger(__name__)


class JobCancelled(Exception):
    """Raised inside a job's thread once its owner or an operator cancels it."""


@dataclass
class LogEntry:
    """A log line produced while a job runs, flushed to the job's logs by its worker."""

    level: str
    message: str
    code: str | None = None
    data: Any = None


@dataclass
class JobTracker:
    """Thread-safe state of one running job.

    The job's thread reports progress and logs and computes through :meth:`compute`; the worker's
    heartbeat reads progress, flushes logs and calls :meth:`cancel` when asked to stop.
    """

    client: Client | None = None
    """Dask client the job computes on; None = the local threaded scheduler."""

    progress: float = 0.0
    """Percent done, 0–100."""

    started: float = field(default_factory=time.monotonic)
    _logs: list[LogEntry] = field(default_factory=list)
    _futures: list = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _cancelled: threading.Event = field(default_factory=threading.Event)

    # --- job thread side ------------------------------------------------------------------

    def log(self, level: str, message: str, **kw: Any) -> None:
        """Queue a log entry for the job's logs."""
        with self._lock:
            self._logs.append(LogEntry(level, message, **kw))

    def set_progress(self, percent: float) -> None:
        """Report progress (never backwards)."""
        with self._lock:
            self.progress = max(self.progress, min(100.0, float(percent)))

    def check_cancelled(self) -> None:
        """Raise JobCancelled when a cancel was requested."""
        if self._cancelled.is_set():
            raise JobCancelled()

    def compute(self, *collections: Any, span: tuple[float, float] = (5.0, 95.0)) -> Sequence:
        """``dask.compute`` that reports task-level progress and stops on cancel.

        On a distributed client the collections are persisted, the scheduler reports the share of
        finished tasks of their whole graph (mapped into ``span`` percent), and a cancel cancels
        the futures, which really stops the work on the cluster.
        """
        self.check_cancelled()
        if self.client is None:
            out = dask.compute(*collections)
            self.set_progress(span[1])
            return out
        persisted = self.client.persist(list(collections))
        futures = futures_of(persisted)
        with self._lock:
            self._futures.extend(futures)
        watcher = _TaskProgress(
            futures, self.client, lambda f: self.set_progress(span[0] + (span[1] - span[0]) * f)
        )
        try:
            for _ in as_completed(futures, loop=self.client.loop):
                self.check_cancelled()
            self.check_cancelled()
            return dask.compute(*persisted, scheduler=self.client)
        finally:
            watcher.stop()

    # --- worker side ----------------------------------------------------------------------

    def drain_logs(self) -> list[LogEntry]:
        """Take the queued log entries."""
        with self._lock:
            logs, self._logs = self._logs, []
        return logs

    def cancel(self) -> None:
        """Stop the job: flag it and cancel its Dask futures."""
        self._cancelled.set()
        with self._lock:
            futures = list(self._futures)
        if futures and self.client is not None:
            try:
                self.client.cancel(futures, force=True)
            except (ClosedClientError, RuntimeError, OSError) as e:
                # the client is closed or its scheduler gone (a worker stopping after its
                # cluster): nothing of the job runs there any more, the flag stops the rest
                log.warning("could not cancel %d Dask futures: %s", len(futures), e)

    @property
    def cancelled(self) -> bool:
        """Whether a cancel was requested."""
        return self._cancelled.is_set()


class _TaskProgress(ProgressBar):
    """Follows the scheduler's count of finished tasks behind some futures, in a thread."""

    def __init__(self, futures: list, client: Client, report: Callable[[float], None]) -> None:
        super().__init__(futures, client.scheduler.address, interval="250ms", complete=True)
        self.report = report
        self.thread = threading.Thread(target=self._listen, args=(client,), daemon=True)
        self.thread.start()

    def _listen(self, client: Client) -> None:
        with contextlib.suppress(Exception):  # progress is best effort; the work goes on
            client.sync(self.listen)

    def _draw_bar(self, remaining: int = 0, all: int = 0, **kwargs: Any) -> None:
        if all:
            self.report((all - remaining) / all)

    def stop(self) -> None:
        """Stop listening (the work itself is not affected)."""
        comm = getattr(self, "comm", None)
        if comm is not None:
            comm.abort()
