"""``canopy up|down|status|serve``: the embedded stack's life cycle."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import typer
import uvicorn
from distributed import LocalCluster
from rich.table import Table

from backend.cli.common import console, embedded_cluster, err_console, friendly_errors
from backend.cli.database import prepare_database
from backend.jobs.settings import JobSettings
from backend.settings import BackendSettings
from ingest.demo import DEMO_SENSORS
from ingest.demo import MARKER as DEMO_MARKER
from ingest.demo import load_demo as load_simulated_demo
from ingest.settings import IngestSettings
from processes.exceptions import ServiceUnavailable
from stac.demo import load_demo
from stac.embedded import port_in_use
from stac.migrate import PGSTAC_VERSION, pgstac_version
from stac.settings import StacSettings

PORT_OPTION = typer.Option(None, "--port", help="API port (default CANOPY_PORT or 8000).")
HOST_OPTION = typer.Option(None, "--host", help="Interface (default CANOPY_HOST or 127.0.0.1).")


def _address(host: str | None, port: int | None) -> tuple[str, int]:
    """The address to serve on; exits with a clear message when the port is taken."""
    settings = BackendSettings()
    host, port = host or settings.host, port or settings.port
    if port_in_use(port, host if host != "0.0.0.0" else "127.0.0.1"):
        err_console.print(
            f"[bold red]error:[/] port {port} on {host} is already in use. "
            f"Choose another with `CANOPY_PORT=<port> make run` or `canopy serve --port <port>`."
        )
        raise typer.Exit(1)
    return host, port


def _serve(host: str, port: int) -> None:
    console.print(f"Canopy on [bold]http://{host}:{port}[/]  (Ctrl-C stops)")
    for label, path in (("openEO", "/openeo/1.2/"), ("STAC", "/stac/"), ("API docs", "/docs")):
        console.print(f"  {label:9} http://{host}:{port}{path}")
    uvicorn.run("backend.app:create_app", factory=True, host=host, port=port, log_level="info")


def _simulated_demo(settings: StacSettings) -> None:
    """Simulate (first run only) and ingest the sensor demo set so the sensor collections
    are not empty; ``CANOPY_DEMO_DAYS`` sizes it (0: collections and sites only)."""
    days = IngestSettings().demo_days
    root = settings.home.absolute() / "data" / "simulated"
    if days and not (root / DEMO_MARKER).exists():
        console.print(f"Simulating the sensor demo set ({days} days, first run only) ...")
    report = load_simulated_demo(settings.dsn, root, days=days, home=settings.home)
    console.print(
        f"Sensor demo: {report.created + report.updated + report.unchanged} products "
        f"({report.created} new) in {', '.join(DEMO_SENSORS)}, plus the validation sites"
    )


def _start_workers(pools: list[str], scheduler: str | None) -> list[subprocess.Popen]:
    """``canopy worker`` processes, one per pool: batch jobs never run in the web process.

    They share one Dask cluster (``scheduler``), so pools do not multiply worker processes.
    """
    procs = []
    env = dict(os.environ, CANOPY_DASK_SCHEDULER=scheduler) if scheduler else None
    for pool in pools:
        cmd = [sys.executable, "-m", "backend.cli", "worker", "--pool", pool]
        procs.append(subprocess.Popen(cmd, env=env))
        console.print(f"Worker for {pool} jobs started (pid {procs[-1].pid})")
    return procs


def _stop_workers(procs: list[subprocess.Popen]) -> None:
    """SIGTERM: each worker gives its running jobs back to the queue, then exits."""
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def up(
    host: str | None = HOST_OPTION,
    port: int | None = PORT_OPTION,
    demo: bool = typer.Option(
        True, help="Load the demo collections (sensor demo size: CANOPY_DEMO_DAYS)."
    ),
    workers: str = typer.Option(
        "adhoc,site,tile",
        help="Comma-separated job pools to start a `canopy worker` for ('' = none).",
    ),
) -> None:
    """Start everything: the embedded database, migrations, demo data and the API."""
    host, port = _address(host, port)  # before anything starts
    settings = StacSettings()
    cluster = embedded_cluster(settings)
    started = False
    with friendly_errors():
        if settings.embedded:
            if cluster.init():
                console.print(f"Created the embedded database cluster in {cluster.directory}")
            started = cluster.start()
            state = "started" if started else "already running"
            console.print(f"Database {state} on 127.0.0.1:{settings.pg_port}")
        steps = prepare_database(settings)
        if steps:
            console.print("Migrated: " + ", ".join(steps))
        if demo:
            counts = load_demo(settings.dsn, settings.home.absolute() / "data")
            console.print("Demo data: " + ", ".join(f"{k} ({v} items)" for k, v in counts.items()))
            _simulated_demo(settings)
    pools = [p.strip() for p in workers.split(",") if p.strip()]
    job_settings = JobSettings()
    dask_cluster = None
    if pools and not job_settings.dask_scheduler:
        dask_cluster = LocalCluster(
            n_workers=job_settings.dask_workers,
            threads_per_worker=job_settings.dask_threads_per_worker,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        )
        console.print(f"Dask LocalCluster on {dask_cluster.scheduler_address}")
    scheduler = job_settings.dask_scheduler or (
        dask_cluster.scheduler_address if dask_cluster else None
    )
    procs = _start_workers(pools, scheduler)
    try:
        _serve(host, port)
    finally:
        _stop_workers(procs)
        if dask_cluster is not None:
            dask_cluster.close()
        if started:
            cluster.stop()
            console.print("Database stopped.")


def down() -> None:
    """Stop the embedded database."""
    settings = StacSettings()
    with friendly_errors():
        stopped = embedded_cluster(settings).stop() if settings.embedded else False
    console.print("Database stopped." if stopped else "Nothing to stop.")


def serve(host: str | None = HOST_OPTION, port: int | None = PORT_OPTION) -> None:
    """Serve the API and STAC against an already running database (the web UI is not built yet)."""
    _serve(*_address(host, port))


def status() -> None:
    """Show the database, pgstac version, Dask and the URLs."""
    settings, backend = StacSettings(), BackendSettings()
    table = Table(show_header=False, box=None)
    if settings.embedded:
        running = embedded_cluster(settings).running()
        table.add_row(
            "database", f"embedded in {settings.pg_dir}: " + ("running" if running else "stopped")
        )
    else:
        table.add_row("database", f"external: {settings.libpq_parts()['host']}")
    try:
        version = pgstac_version(settings.dsn, settings.connect_timeout_s)
        pin = (
            ""
            if version == PGSTAC_VERSION
            else f" (Canopy needs {PGSTAC_VERSION}: run `canopy db migrate`)"
        )
        table.add_row("pgstac", f"{version or 'not migrated'}{pin}")
    except ServiceUnavailable as exc:
        table.add_row("pgstac", f"[red]{exc.message}[/]")
    scheduler = JobSettings().dask_scheduler
    table.add_row("dask", scheduler or "a LocalCluster per `canopy worker` (no scheduler set)")
    url = f"http://{backend.host}:{backend.port}"
    api_up = port_in_use(backend.port, backend.host)
    table.add_row("api", f"{url}/openeo/1.2/ " + ("(listening)" if api_up else "(not running)"))
    table.add_row("stac", f"{url}/stac/")
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add the stack commands to the top-level app."""
    for command in (up, down, serve, status):
        app.command()(command)
