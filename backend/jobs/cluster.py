"""The Dask client jobs compute on: an existing scheduler, or a LocalCluster of our own."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from distributed import Client, LocalCluster

from backend.jobs.settings import JobSettings


@contextmanager
def dask_client(settings: JobSettings) -> Iterator[Client]:
    """A client to ``CANOPY_DASK_SCHEDULER``, else to a LocalCluster on 127.0.0.1.

    The LocalCluster uses worker processes (``CANOPY_DASK_WORKERS``), so a job's numerical work
    runs outside the process that claims jobs and heart-beats.
    """
    if settings.dask_scheduler:
        client = Client(settings.dask_scheduler, set_as_default=False)
        try:
            yield client
        finally:
            client.close()
        return
    cluster = LocalCluster(
        n_workers=settings.dask_workers,
        threads_per_worker=settings.dask_threads_per_worker,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    client = Client(cluster, set_as_default=False)
    try:
        yield client
    finally:
        client.close()
        cluster.close()
