"""``canopy worker``: claims queued jobs of one pool and runs them on Dask."""

from __future__ import annotations

import asyncio
import signal

import typer

from backend.cli.common import console, friendly_errors
from backend.jobs.cluster import dask_client
from backend.jobs.settings import JobSettings
from backend.jobs.worker import JOB_TYPES, Worker
from stac.settings import StacSettings


def worker(
    pool: str = typer.Option("adhoc", help=f"Job type to serve: {', '.join(JOB_TYPES)}."),
    concurrency: int = typer.Option(1, min=1, help="Jobs run at the same time."),
    name: str | None = typer.Option(None, help="Worker name in logs (default host:pid:pool)."),
) -> None:
    """Run jobs of one pool until Ctrl-C or SIGTERM (running jobs are canceled and re-queued)."""
    if pool not in JOB_TYPES:
        raise typer.BadParameter(f"one of {', '.join(JOB_TYPES)}", param_hint="--pool")
    settings = JobSettings()
    stac_settings = StacSettings()
    with friendly_errors(), dask_client(settings) as client:
        w = Worker(
            stac_settings,
            settings,
            job_type=pool,
            concurrency=concurrency,
            client=client,
            name=name,
        )
        where = settings.dask_scheduler or f"LocalCluster {client.scheduler.address}"
        console.print(f"Worker {w.name}: pool {pool}, concurrency {concurrency}, Dask {where}")
        asyncio.run(_run(w))


async def _run(w: Worker) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await w.run(stop)


def register(app: typer.Typer) -> None:
    """Add ``canopy worker`` to the CLI."""
    app.command("worker")(worker)
