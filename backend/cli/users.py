"""`canopy users`: placeholder; filled by the work on authentication."""

from __future__ import annotations

import typer

app = typer.Typer(help="Manage the users of basic authentication.", no_args_is_help=True)
