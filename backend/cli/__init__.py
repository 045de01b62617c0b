"""The ``canopy`` command line: the composition root that may import every package."""

from __future__ import annotations

import typer

from backend.cli import database, schedule, stack, tasks, users, worker
from ingest import cli as ingest_cli
from ingest.publish import cli as publish_cli

app = typer.Typer(
    name="canopy",
    help="Canopy: openEO backend for LAI/fAPAR with a STAC catalogue.",
    no_args_is_help=True,
    add_completion=False,
)
stack.register(app)
worker.register(app)
app.add_typer(database.app, name="db")
app.add_typer(database.demo_app, name="demo")
app.add_typer(users.app, name="users")
app.add_typer(publish_cli.app, name="publish")
app.add_typer(tasks.app, name="tasks")
app.add_typer(schedule.app, name="schedule")
schedule.register(app)


# ingest's commands (simulate, ingest, sites, sensors) join at the top level; its simulated
# demo set joins the `demo` group beside the conformance demo.
app.registered_commands.extend(
    c for c in ingest_cli.app.registered_commands if c.callback is not ingest_cli.demo
)
app.registered_groups.extend(ingest_cli.app.registered_groups)
database.demo_app.command("simulated")(ingest_cli.demo)


def main() -> None:
    """Entry point of the ``canopy`` console script."""
    app()
