"""The ``canopy`` command line: the composition root that may import every package."""

from __future__ import annotations

import importlib

import typer

from backend.cli import database, stack

app = typer.Typer(
    name="canopy",
    help="Canopy: openEO backend for LAI/fAPAR with a STAC catalogue.",
    no_args_is_help=True,
    add_completion=False,
)
stack.register(app)
app.add_typer(database.app, name="db")
app.add_typer(database.demo_app, name="demo")


def _merge_commands_of(module: str) -> None:
    """Add the top-level commands and groups of another package's Typer app, if it exists."""
    try:
        sub = importlib.import_module(module).app
    except ModuleNotFoundError as exc:
        if exc.name != module:  # the module exists but one of its imports is missing
            raise
        return
    app.registered_commands.extend(sub.registered_commands)
    app.registered_groups.extend(sub.registered_groups)


_merge_commands_of("ingest.cli")  # simulate, ingest, sites


def main() -> None:
    """Entry point of the ``canopy`` console script."""
    app()
