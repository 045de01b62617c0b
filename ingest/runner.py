"""Where scan batches run: in this process or on Dask worker processes (started only if asked)."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence

from ingest.scan import ScanOutcome, scan_batch

AUTO_DASK_BYTES = 8 << 30
"""Below this many bytes to scan, ``workers=None`` scans in-process (no cluster start-up)."""


def _local_client(workers: int):
    from dask.distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        silence_logs=logging.ERROR,
    )
    return Client(cluster)


def _warm() -> None:
    # import what scan tasks unpickle (pypgstac, h5py-free scan code) before the first task
    import ingest.loading
    import ingest.scan  # noqa: F401


def dask_client(workers: int, scheduler: str | None = None):
    """A Dask client: on ``scheduler`` when given, else on a new LocalCluster of ``workers``.

    Its workers have imported the scan code when this returns. The caller closes it with
    :func:`close_client`.
    """
    if scheduler:
        from dask.distributed import Client

        client = Client(scheduler)
    else:
        client = _local_client(workers)
    client.run(_warm)
    return client


def close_client(client) -> None:
    """Close a client from :func:`dask_client` and the LocalCluster it started, if any."""
    cluster = getattr(client, "cluster", None)
    client.close()
    if cluster is not None:
        cluster.close()


def auto_workers(paths: Sequence[str]) -> int:
    """How many Dask workers pay off for ``paths``: 0 (scan here) unless the bytes are many.

    Starting a LocalCluster costs seconds, about what one core hashes in several GB; the size
    is estimated from the first files so that deciding costs no extra pass.
    """
    sample = paths[:32]
    if not sample:
        return 0
    size = sum(os.path.getsize(p) for p in sample if os.path.exists(p)) / len(sample)
    if size * len(paths) < AUTO_DASK_BYTES:
        return 0
    return max(1, min(4, (os.cpu_count() or 2)))


class Runner:
    """Runs scan batches in this process (``workers=0``) or on a Dask client."""

    def __init__(self, workers: int, client=None, scheduler: str | None = None) -> None:
        self.client, self.own = client, None
        if client is None and workers > 0:
            self.own = self.client = dask_client(workers, scheduler)

    def run(self, batches: list[list[str]], **kw) -> Iterable[list[ScanOutcome]]:
        """Yield the outcomes of each batch as it finishes (``kw``: scan_batch arguments)."""
        if self.client is None:
            for b in batches:
                yield scan_batch(b, **kw)
            return
        from dask.distributed import as_completed

        names = sorted(kw)
        shared = self.client.scatter([kw[k] for k in names], broadcast=True)
        futures = self.client.map(
            scan_batch, batches, **dict(zip(names, shared, strict=True)), pure=False
        )
        for fut in as_completed(futures):
            yield fut.result()

    def close(self) -> None:
        """Close the cluster this runner started (a given client stays open)."""
        if self.own is not None:
            close_client(self.own)
