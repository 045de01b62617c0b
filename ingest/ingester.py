"""``canopy ingest``: parallel, idempotent registration of product files as pgstac items."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import psycopg

from ingest.collections import sensor_collection
from ingest.loading import (
    BackgroundLoader,
    ItemFormatter,
    catalogued_files,
    collection_bases,
    copy_arrivals,
)
from ingest.maps import register_maps
from ingest.registry import Sensor
from ingest.runner import Runner, auto_workers
from ingest.scan import ScanSpec, discover
from ingest.settings import IngestSettings
from stac import catalog

BATCH_FILES = 256
"""Files per scan task: large enough to hide Dask's task overhead, small enough to stream."""
FLUSH_ITEMS = (1000, 10_000)
"""Least and most rows per Loader call. Calls run on a thread, overlapping the scan of the
next files; each also refreshes the partition statistics (a pass over the partition), so a
run uses about three calls rather than many small ones."""


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
    maps: int = 0
    """Land-cover maps (``esa-cci-lc`` items) created or updated; not in the counts above."""

    @property
    def changed(self) -> int:
        """Items created, updated or deleted."""
        return self.created + self.updated + self.deleted


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


def _ensure_collections(dsn: str, registry: dict[str, Sensor]) -> None:
    """Upsert the sensor collections that are missing or differ (a no-op on repeated runs)."""
    wanted = {s.id: sensor_collection(s) for s in registry.values()}
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT id, content FROM pgstac.collections WHERE id = ANY(%s)", [list(wanted)]
        ).fetchall()
    have = dict(rows)
    stale = [c for cid, c in wanted.items() if _differs(have.get(cid), c)]
    if stale:
        catalog.upsert_collections(dsn, stale)


def _differs(stored: dict | None, wanted: dict) -> bool:
    # pgstac may add fields (e.g. links); only the fields we write count
    return stored is None or any(stored.get(k) != v for k, v in wanted.items() if k != "links")


def ingest(
    roots: Sequence[str | os.PathLike],
    dsn: str,
    registry: dict[str, Sensor],
    *,
    workers: int | None = None,
    prune: bool = False,
    client=None,
    progress: Callable[[int, int], None] | None = None,
    arrivals: bool = True,
    public_url: str | None = None,
    verify: bool = False,
    scheduler: str | None = None,
) -> IngestReport:
    """Register every product under ``roots``; a second run over unchanged files writes nothing.

    Land-cover maps found there (``canopy simulate`` writes one per run) become items of
    ``esa-cci-lc`` (:func:`ingest.maps.register_maps`): created or updated ones are counted
    in ``report.maps`` only, pruned ones in ``report.deleted``.

    Args:
        roots: directories (walked recursively) or files.
        dsn: database DSN (pgstac migrated, canopy migrations applied).
        registry: sensors by id.
        workers: Dask worker processes (0 = scan in this process; ``None`` = 0 unless the
            files are many GB, see :func:`auto_workers`).
        prune: delete items of the sensor collections and of ``esa-cci-lc`` whose local file
            no longer exists.
        client: an existing ``dask.distributed.Client`` to use instead of starting one.
        progress: called with ``(files done, files total)``.
        arrivals: record created/updated/deleted items in ``canopy.arrivals``.
        public_url: base of the asset hrefs (default ``IngestSettings().public_url``).
        verify: also open every new or changed file with h5py and check all its layers.
        scheduler: address of a Dask scheduler to use for ``workers``.

    Returns:
        The run's counts, with every failed file and its reason.
    """
    t0 = time.perf_counter()
    report = IngestReport()
    settings = IngestSettings()
    public_url = public_url or settings.public_url
    scheduler = scheduler or settings.dask_scheduler
    catalog.ping(dsn)  # fail fast: pypgstac's pool would retry an unreachable server for long
    _ensure_collections(dsn, registry)
    specs = {s.product_token: ScanSpec.from_vp(s.vp()) for s in registry.values()}
    maps: list[str] = []
    paths, report.ignored = discover(roots, maps)
    paths = _unique_names(paths, report)
    known = catalogued_files(dsn, registry)
    batches = [paths[i : i + BATCH_FILES] for i in range(0, len(paths), BATCH_FILES)]
    if workers is None:
        workers = 0 if client is not None else auto_workers(paths)
    pending: dict[str, list[dict]] = {"insert": [], "upsert": []}
    events: dict[str, list[tuple]] = {"insert": [], "upsert": []}
    touched: set[str] = set()
    done = 0
    flush_at = min(FLUSH_ITEMS[1], max(FLUSH_ITEMS[0], -(-len(paths) // 3)))
    with catalog.pgstac_db(dsn) as db:
        formatter = ItemFormatter(collection_bases(db, registry)) if batches else None
        loader = BackgroundLoader(db)
        runner = Runner(workers, client, scheduler) if batches else None
        try:
            scan = {
                "specs": specs, "known": known.files, "public_url": public_url,
                "verify": verify, "formatter": formatter,
            }  # fmt: skip
            outcomes_stream = runner.run(batches, **scan) if runner else []
            for outcomes in outcomes_stream:
                for o in outcomes:
                    report.scanned += 1
                    if o.error:
                        report.failed.append((o.path, o.error))
                        continue
                    if o.unchanged:
                        report.unchanged += 1
                        continue
                    new = o.item_id not in known.files
                    method = "insert" if new else "upsert"
                    pending[method].append(o.row)
                    touched.add(o.item_id)
                    report.created += new
                    report.updated += not new
                    if arrivals:
                        event = "created" if new else "updated"
                        row = (o.collection, o.item_id, event, o.path, o.tile, o.datetime)
                        events[method].append(row)
                done += len(outcomes)
                for method, rows in pending.items():
                    if len(rows) >= flush_at:
                        loader.submit(rows, method, events[method])
                        pending[method], events[method] = [], []
                if progress:
                    progress(done, len(paths))
            for method, rows in pending.items():
                loader.submit(rows, method, events[method])
        finally:
            if runner:
                runner.close()
            loader.close()
        if prune:
            for collection, gone in known.gone(keep=touched).items():
                report.deleted += catalog.delete_items(dsn, collection, gone)
                if arrivals:
                    deleted = ((collection, i, "deleted", "", None, None) for i in gone)
                    copy_arrivals(db.connect(), deleted)
    lc = register_maps(dsn, maps, public_url, prune=prune)
    report.maps, report.deleted = lc.created + lc.updated, report.deleted + lc.deleted
    report.failed.extend(lc.failed)
    report.seconds = time.perf_counter() - t0
    return report
