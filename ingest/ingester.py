"""``canopy ingest``: parallel, idempotent registration of product files as pgstac items."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import psycopg

from ingest.collections import sensor_collection
from ingest.registry import Sensor
from ingest.scan import ScanOutcome, discover, scan_batch
from stac import catalog

BATCH_FILES = 128
"""Files per Dask task: large enough to hide task overhead, small enough to stream."""
FLUSH_ITEMS = 1000
"""Items buffered before a Loader call; loading overlaps with the workers' scanning."""


@dataclass
class IngestReport:
    """Counts of one ingest run."""

    scanned: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    ignored: int = 0
    """Files whose name is not a product name."""
    failed: list[tuple[str, str]] = field(default_factory=list)
    """``(path, reason)`` of every file reported and skipped."""
    seconds: float = 0.0

    @property
    def changed(self) -> int:
        """Items created, updated or deleted."""
        return self.created + self.updated + self.deleted


_ARRIVAL = "COPY canopy.arrivals (collection, item_id, event, href, tile, datetime) FROM STDIN"


def record_arrivals(dsn: str, rows: Sequence[tuple]) -> None:
    """Insert arrival events ``(collection, item_id, event, href, tile, datetime)`` in bulk."""
    if not rows:
        return
    with psycopg.connect(dsn) as conn, conn.cursor() as cur, cur.copy(_ARRIVAL) as copy:
        for row in rows:
            copy.write_row(row)


def _arrival(item: dict, event: str) -> tuple:
    p = item["properties"]
    return (
        item["collection"],
        item["id"],
        event,
        item["assets"]["data"]["href"],
        p["canopy:tile"],
        p["datetime"],
    )


def _unique_names(paths: list[str], report: IngestReport) -> list[str]:
    """Keep one file per product name: two copies would be two items with one id."""
    first: dict[str, str] = {}
    for p in paths:
        name = os.path.basename(p)
        if name in first:
            report.failed.append((p, f"duplicate of {first[name]}"))
        else:
            first[name] = p
    return list(first.values())


class _Runner:
    """Runs scan batches in this process (``workers=0``) or on a Dask client."""

    def __init__(self, workers: int, client=None) -> None:
        self.client, self.own = client, None
        if client is None and workers > 0:
            from dask.distributed import Client, LocalCluster

            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",
                silence_logs=logging.ERROR,
            )
            self.own = Client(cluster)
            self.client = self.own

    def run(self, batches: list[list[str]], vps: dict, known: dict) -> Iterable[list[ScanOutcome]]:
        if self.client is None:
            for b in batches:
                yield scan_batch(b, vps, known)
            return
        from dask.distributed import as_completed

        vps_f, known_f = self.client.scatter([vps, known], broadcast=True)
        futures = self.client.map(scan_batch, batches, vps=vps_f, known=known_f, pure=False)
        for fut in as_completed(futures):
            yield fut.result()

    def close(self) -> None:
        if self.own is not None:
            cluster = self.own.cluster
            self.own.close()
            cluster.close()


def ingest(
    roots: Sequence[str | os.PathLike],
    dsn: str,
    registry: dict[str, Sensor],
    *,
    workers: int = 1,
    prune: bool = False,
    client=None,
    progress: Callable[[int, int], None] | None = None,
    arrivals: bool = True,
) -> IngestReport:
    """Register every product under ``roots``; a second run over unchanged files writes nothing.

    Args:
        roots: directories (walked recursively) or files.
        dsn: database DSN (pgstac migrated, canopy migrations applied).
        registry: sensors by id.
        workers: Dask worker processes (0 = scan in this process).
        prune: delete items of the sensor collections whose file no longer exists.
        client: an existing ``dask.distributed.Client`` to use instead of starting one.
        progress: called with ``(files done, files total)``.
        arrivals: record created/updated/deleted items in ``canopy.arrivals``.

    Returns:
        The run's counts, with every failed file and its reason.
    """
    t0 = time.perf_counter()
    report = IngestReport()
    catalog.ping(dsn)  # fail fast: pypgstac's pool would retry an unreachable server for long
    catalog.upsert_collections(dsn, [sensor_collection(s) for s in registry.values()])
    vps = {s.product_token: s.vp() for s in registry.values()}
    paths, report.ignored = discover(roots)
    paths = _unique_names(paths, report)
    known: dict[str, tuple] = {}
    for s in registry.values():
        known.update(catalog.item_files(dsn, s.id))
    batches = [paths[i : i + BATCH_FILES] for i in range(0, len(paths), BATCH_FILES)]
    pending = {"insert": [], "upsert": []}
    events: list[tuple] = []
    runner = _Runner(workers, client) if batches else None
    done = 0
    try:
        with catalog.pgstac_db(dsn) as db:

            def flush(force: bool = False) -> None:
                for method, items in pending.items():
                    if items and (force or len(items) >= FLUSH_ITEMS):
                        catalog.load_items(dsn, items, method, db=db)
                        items.clear()

            for outcomes in runner.run(batches, vps, known) if runner else []:
                for o in outcomes:
                    report.scanned += 1
                    if o.error:
                        report.failed.append((o.path, o.error))
                    elif o.unchanged:
                        report.unchanged += 1
                    else:
                        new = o.item_id not in known
                        pending["insert" if new else "upsert"].append(o.item)
                        report.created += new
                        report.updated += not new
                        if arrivals:
                            events.append(_arrival(o.item, "created" if new else "updated"))
                done += len(outcomes)
                flush()
                if progress:
                    progress(done, len(paths))
            flush(force=True)
    finally:
        if runner:
            runner.close()
    if prune:
        for s in registry.values():
            gone = [
                i
                for i, href in catalog.item_hrefs(dsn, s.id).items()
                if href and not os.path.exists(href)
            ]
            report.deleted += catalog.delete_items(dsn, s.id, gone)
            if arrivals:
                events.extend((s.id, i, "deleted", "", None, None) for i in gone)
    if arrivals:
        record_arrivals(dsn, events)
    report.seconds = time.perf_counter() - t0
    return report
