"""``canopy db ...`` and ``canopy demo ...``: migrations and demo data."""

from __future__ import annotations

import typer

from backend.cli.common import console, embedded_cluster, friendly_errors
from stac.demo import load_demo
from stac.migrate import ensure_database, migrate
from stac.settings import StacSettings

app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
demo_app = typer.Typer(help="Demo data.", no_args_is_help=True)


def prepare_database(settings: StacSettings) -> list[str]:
    """Create (embedded only) and migrate the catalogue database; returns the steps run."""
    if settings.embedded:
        ensure_database(settings.dsn, settings.connect_timeout_s)
    return migrate(settings.dsn, settings.connect_timeout_s)


@app.command("migrate")
def migrate_command() -> None:
    """Migrate pgstac (pinned version) and Canopy's tables; idempotent."""
    settings = StacSettings()
    with friendly_errors():
        if settings.embedded and not embedded_cluster(settings).running():
            console.print("The embedded database is not running: start it with `canopy up`.")
            raise typer.Exit(1)
        steps = prepare_database(settings)
    console.print("Applied: " + ", ".join(steps) if steps else "Database is up to date.")


@demo_app.command("load")
def demo_load() -> None:
    """Write the demo rasters and register the demo collections (idempotent)."""
    settings = StacSettings()
    with friendly_errors():
        counts = load_demo(settings.dsn, settings.home.absolute() / "data")
    for cid, n in counts.items():
        console.print(f"{cid}: {n} items")
