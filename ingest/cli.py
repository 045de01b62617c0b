"""Typer commands of data discovery: ``simulate``, ``ingest``, ``sites``, ``sensors``."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from pathlib import Path

import psycopg
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from ingest.registry import RegistryError, load_registry
from ingest.sites import SiteError, load_sites, site_item, sites_collection, store_sites
from processes.exceptions import ServiceUnavailable

app = typer.Typer(
    help="Data discovery: sensors, sites, synthetic products, ingest.", no_args_is_help=True
)
sites_app = typer.Typer(help="Validation sites.", no_args_is_help=True)
sensors_app = typer.Typer(help="Sensor registry.", no_args_is_help=True)
app.add_typer(sites_app, name="sites")
app.add_typer(sensors_app, name="sensors")
console = Console()

SensorDirs = typer.Option(None, "--sensor-dir", help="Extra sensor YAML directory (repeatable).")
Dsn = typer.Option(None, "--dsn", help="Database DSN (default: CANOPY_DATABASE_URL / embedded).")


def _registry(extra: list[Path] | None):
    from ingest.registry import SENSOR_DIR

    try:
        return load_registry(SENSOR_DIR, *(extra or []))
    except RegistryError as e:
        console.print(f"[red]invalid sensor file[/red] {e}")
        raise typer.Exit(2) from e


def _dsn(dsn: str | None) -> str:
    if dsn:
        return dsn
    from stac.settings import StacSettings

    return StacSettings().dsn


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
    )


@contextmanager
def _database_errors():
    """Turn an unreachable or broken database into a one-line message and exit code 2."""
    try:
        yield
    except (psycopg.OperationalError, psycopg.errors.UndefinedFunction, ServiceUnavailable) as e:
        console.print(f"[red]database unavailable:[/red] {str(e).splitlines()[0]}")
        raise typer.Exit(2) from e


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as e:
        raise typer.BadParameter(f"{text!r} is not YYYY-MM-DD") from e


@app.command()
def simulate(
    tile: str = typer.Option(..., help="Grid tile, e.g. X18Y02."),
    start: str = typer.Option(..., help="First day, YYYY-MM-DD."),
    end: str = typer.Option(..., help="Last day, YYYY-MM-DD."),
    out: Path = typer.Option(..., help="Output directory."),
    bbox: str | None = typer.Option(None, help="Crop west,south,east,north (default: whole tile)."),
    sensors: str = typer.Option("probav,vgt2", help="Comma-separated sensor ids."),
    seed: int = typer.Option(0, help="Random seed (same seed, same files)."),
    workers: int = typer.Option(2, min=1, help="Worker processes."),
    twin: bool = typer.Option(
        False, help="Identical twin: the retrieval's own model, every cloud and snow flagged."
    ),
    sensor_dir: list[Path] | None = SensorDirs,
) -> None:
    """Write simulated daily L2B products plus truth files."""
    from ingest.grid import GridError
    from ingest.simulate.run import SimulationConfig
    from ingest.simulate.run import simulate as run

    registry = _registry(sensor_dir)
    chosen = [s.strip() for s in sensors.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in registry]
    if unknown:
        raise typer.BadParameter(
            f"unknown sensors {unknown}; known: {sorted(registry)}", param_hint="--sensors"
        )
    box = None
    if bbox:
        try:
            box = tuple(float(v) for v in bbox.split(","))
        except ValueError as e:
            raise typer.BadParameter("bbox needs four numbers", param_hint="--bbox") from e
        if len(box) != 4:
            raise typer.BadParameter("bbox needs four numbers", param_hint="--bbox")
    d0, d1 = _day(start), _day(end)
    if d1 < d0:
        raise typer.BadParameter("end is before start", param_hint="--end")
    cfg = SimulationConfig(
        tile, d0, d1, tuple(registry[s] for s in chosen), out, seed, box, workers, twin=twin
    )
    try:
        with _progress() as bar:
            task = bar.add_task("simulating days", total=(d1 - d0).days + 1)
            result = run(cfg, progress=lambda n: bar.advance(task, n))
    except (GridError, ValueError) as e:
        console.print(f"[red]cannot simulate:[/red] {e}")
        raise typer.Exit(2) from e
    console.print(f"{len(result.products)} products and {len(result.truth)} truth files in {out}")
    if result.landcover is not None:
        console.print(f"land-cover map {result.landcover}")


@app.command("ingest")
def ingest_cmd(
    paths: list[Path] = typer.Argument(..., help="Directories (walked) or product files."),
    workers: int | None = typer.Option(
        None,
        min=0,
        help="Dask worker processes (0: scan in this process; default: 0 unless many GB).",
    ),
    prune: bool = typer.Option(False, help="Remove items whose file is gone."),
    verify: bool = typer.Option(
        False, help="Also open new/changed files and check every layer the sensor names."
    ),
    watch: bool = typer.Option(False, help="Keep polling for new or changed files."),
    interval: float = typer.Option(30.0, help="Seconds between polls with --watch."),
    max_polls: int | None = typer.Option(None, help="Stop --watch after this many polls."),
    dsn: str | None = Dsn,
    sensor_dir: list[Path] | None = SensorDirs,
) -> None:
    """Register L2B products as STAC items (idempotent); exit code 1 when files failed.

    The directories become data roots of the Canopy home, so the API serves their files at
    the items' http hrefs (docs/discovery.md).
    """
    from ingest.ingester import ingest
    from ingest.roots import register_roots
    from ingest.watch import watch as run_watch
    from stac.settings import StacSettings

    registry = _registry(sensor_dir)
    target = _dsn(dsn)
    register_roots(StacSettings().home, [p for p in paths if p.exists()])
    if watch:

        def show(n, r):
            console.print(
                f"poll {n}: {r.created} new, {r.updated} updated, {r.deleted} deleted, {len(r.failed)} failed"
            )
            for path, reason in r.failed:
                console.print(f"  [red]skipped[/red] {path}: {reason}")

        with _database_errors():
            reports = run_watch(
                paths,
                target,
                registry,
                interval=interval,
                max_polls=max_polls,
                workers=workers or 0,
                prune=prune,
                on_poll=show,
                verify=verify,
            )
        raise typer.Exit(1 if any(r.failed for r in reports) else 0)
    with _progress() as bar, _database_errors():
        task = bar.add_task("ingesting files", total=None)
        report = ingest(
            paths,
            target,
            registry,
            workers=workers,
            prune=prune,
            verify=verify,
            progress=lambda d, t: bar.update(task, completed=d, total=t),
        )
    for path, reason in report.failed:
        console.print(f"[red]skipped[/red] {path}: {reason}")
    rate = report.scanned / report.seconds if report.seconds else 0.0
    console.print(
        f"scanned {report.scanned} files ({report.ignored} other files ignored) in {report.seconds:.1f} s "
        f"({rate:.0f}/s): {report.created} created, {report.updated} updated, {report.unchanged} unchanged, "
        f"{report.deleted} deleted, {len(report.failed)} failed"
        + (f"; {report.maps} land-cover maps registered" if report.maps else "")
    )
    raise typer.Exit(1 if report.failed else 0)


def _sites(file: Path | None):
    try:
        return load_sites(file) if file else load_sites()
    except SiteError as e:
        console.print(f"[red]invalid sites file[/red] {e}")
        raise typer.Exit(2) from e


SitesFile = typer.Option(None, "--file", help="Sites CSV (default: the shipped one).")


@sites_app.command("list")
def sites_list(
    network: str | None = typer.Option(None, help="Only sites of this network."),
    file: Path | None = SitesFile,
) -> None:
    """List the validation sites."""
    table = Table("code", "name", "network", "lon", "lat", "tile", "years")
    for s in _sites(file):
        if network and network.lower() not in s.network.lower():
            continue
        table.add_row(
            s.code,
            s.name,
            s.network,
            f"{s.lon:.4f}",
            f"{s.lat:.4f}",
            s.tile(),
            f"{min(s.years)}-{max(s.years)}",
        )
    console.print(table)


@sites_app.command("show")
def sites_show(code: str, file: Path | None = SitesFile) -> None:
    """Show one site, its footprint and tile."""
    site = next((s for s in _sites(file) if s.code.lower() == code.lower()), None)
    if site is None:
        console.print(f"[red]no site {code!r}[/red]")
        raise typer.Exit(1)
    w, s, e, n = site.footprint()
    for key, value in (
        ("code", site.code), ("name", site.name), ("network", site.network), ("country", site.country),
        ("land cover", site.land_cover), ("tower lon/lat", f"{site.lon:.4f}, {site.lat:.4f}"),
        ("tile", site.tile()), ("footprint", f"{w:.6f}, {s:.6f}, {e:.6f}, {n:.6f} (3x3 px)"),
        ("years", ", ".join(map(str, site.years))),
    ):  # fmt: skip
        console.print(f"[bold]{key:>14}[/bold]  {value}")


@sites_app.command("load")
def sites_load(dsn: str | None = Dsn, file: Path | None = SitesFile) -> None:
    """Load the sites into ``canopy.sites`` and the ``vp-sites`` STAC collection."""
    from stac import catalog

    sites = _sites(file)
    target = _dsn(dsn)
    with _database_errors():
        n = store_sites(target, sites)
        catalog.upsert_collections(target, [sites_collection(sites)])
        catalog.load_items(target, [site_item(s) for s in sites], "upsert")
    console.print(f"{n} sites loaded")


@sensors_app.command("list")
def sensors_list(sensor_dir: list[Path] | None = SensorDirs) -> None:
    """List the registered sensors."""
    table = Table("id", "title", "cycle", "token", "bands", "geometries")
    for s in _registry(sensor_dir).values():
        table.add_row(
            s.id,
            s.title,
            str(s.cycle),
            s.product_token,
            ",".join(b.name for b in s.bands),
            ",".join(s.geometries),
        )
    console.print(table)


@sensors_app.command("register")
def sensors_register(dsn: str | None = Dsn, sensor_dir: list[Path] | None = SensorDirs) -> None:
    """Create or update one STAC collection per sensor."""
    from ingest.collections import sensor_collection
    from stac import catalog

    registry = _registry(sensor_dir)
    with _database_errors():
        catalog.upsert_collections(_dsn(dsn), [sensor_collection(s) for s in registry.values()])
    console.print(f"{len(registry)} sensor collections registered")


@app.command()
def demo(
    out: Path | None = typer.Option(
        None, help="Where the demo products live (default: <CANOPY_HOME>/data/simulated)."
    ),
    days: int | None = typer.Option(
        None, min=0, help="Days to simulate (default CANOPY_DEMO_DAYS or 10; 0: none)."
    ),
    dsn: str | None = Dsn,
) -> None:
    """Simulate (once) and ingest a small demo set plus the sites: a non-empty catalogue."""
    from ingest.demo import load_demo
    from ingest.settings import IngestSettings
    from stac.settings import StacSettings

    home = StacSettings().home
    n = IngestSettings().demo_days if days is None else days
    with _database_errors():
        report = load_demo(_dsn(dsn), out or home / "data" / "simulated", days=n, home=home)
    console.print(
        f"demo: {report.created} created, {report.unchanged} unchanged, {len(report.failed)} failed"
    )
    raise typer.Exit(1 if report.failed else 0)
