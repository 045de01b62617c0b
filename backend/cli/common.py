"""Shared CLI helpers: settings, the embedded cluster, clean error exits."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console

from processes.exceptions import OpenEOError
from stac.embedded import EmbeddedPostgres
from stac.settings import StacSettings

console = Console()
err_console = Console(stderr=True)


def embedded_cluster(settings: StacSettings) -> EmbeddedPostgres:
    """The embedded cluster described by ``settings``."""
    return EmbeddedPostgres(directory=settings.pg_dir, port=settings.pg_port)


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Turn Canopy errors into one red line and exit code 1, never a traceback."""
    try:
        yield
    except OpenEOError as exc:
        err_console.print(f"[bold red]error:[/] {exc.message}")
        raise typer.Exit(1) from None
