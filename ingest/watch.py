"""``canopy ingest --watch``: poll directory trees and ingest what arrived or changed."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence

from ingest.ingester import IngestReport, ingest
from ingest.registry import Sensor
from ingest.runner import close_client, dask_client
from ingest.scan import discover


def changed_files(
    roots: Sequence[str | os.PathLike], seen: dict[str, tuple[int, int]]
) -> list[str]:
    """Product and land-cover map files that are new or whose size/mtime changed since ``seen``
    (updated in place)."""
    maps: list[str] = []
    paths, _ = discover(roots, maps)
    paths += maps
    changed = []
    for p in paths:
        try:
            st = os.stat(p)
        except FileNotFoundError:  # removed between the walk and the stat
            continue
        sig = (st.st_size, st.st_mtime_ns)
        if seen.get(p) != sig:
            seen[p] = sig
            changed.append(p)
    for p in set(seen) - set(paths):
        del seen[p]
    return changed


def watch(
    roots: Sequence[str | os.PathLike],
    dsn: str,
    registry: dict[str, Sensor],
    *,
    interval: float = 30.0,
    max_polls: int | None = None,
    workers: int = 0,
    prune: bool = False,
    on_poll: Callable[[int, IngestReport], None] | None = None,
    scheduler: str | None = None,
    verify: bool = False,
) -> list[IngestReport]:
    """Poll ``roots`` every ``interval`` seconds; each poll ingests new and changed files.

    Every created or updated item is recorded in ``canopy.arrivals`` by :func:`ingest`, which
    is what scheduled production reacts to.

    Args:
        roots: directories or files to watch.
        dsn: database DSN.
        registry: sensors by id.
        interval: seconds between polls.
        max_polls: stop after this many polls (``None``: until interrupted).
        workers: Dask worker processes kept for all polls (0 = scan in this process).
        prune: also remove items whose file disappeared.
        on_poll: called with the poll number and its report.
        scheduler: address of an existing Dask scheduler (instead of a LocalCluster).
        verify: open new/changed files and check every layer (see :func:`ingest`).

    Returns:
        The reports of every poll.
    """
    seen: dict[str, tuple[int, int]] = {}
    reports: list[IngestReport] = []
    # one cluster for all polls: start-up is paid once, not per poll
    client = dask_client(workers, scheduler) if workers > 0 or scheduler else None
    try:
        n = 0
        while max_polls is None or n < max_polls:
            n += 1
            files = changed_files(roots, seen)
            report = ingest(
                files, dsn, registry, workers=0, prune=prune, client=client, verify=verify
            )
            reports.append(report)
            if on_poll:
                on_poll(n, report)
            if max_polls is None or n < max_polls:
                time.sleep(interval)
    except KeyboardInterrupt:  # the normal way to stop an endless watch
        pass
    finally:
        if client is not None:
            close_client(client)
    return reports
