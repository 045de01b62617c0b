"""Typer commands of ``canopy publish``: ``products`` (repackage + catalogue) and ``transfer``."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from pathlib import Path

import psycopg
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from processes.exceptions import OpenEOError

app = typer.Typer(
    help="Publication: CCI products, output STAC items, delivery.", no_args_is_help=True
)
console = Console()

Dsn = typer.Option(None, "--dsn", help="Database DSN (default: CANOPY_DATABASE_URL / embedded).")
Root = typer.Option(None, "--out", help="Publication root (default: CANOPY_PUBLISH_ROOT).")
To = typer.Option(None, "--to", help="Deliver to this URL: a directory, ftp://, s3://.")
Opts = typer.Option(
    None, "--option", "-o", help="fsspec storage option KEY=VALUE for --to (repeatable)."
)


def _dsn(dsn: str | None) -> str:
    if dsn:
        return dsn
    from stac.settings import StacSettings

    return StacSettings().dsn


def _day(text: str | None, name: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as e:
        raise typer.BadParameter(f"{text!r} is not YYYY-MM-DD", param_hint=name) from e


def _options(pairs: list[str] | None) -> dict[str, str]:
    out = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"{pair!r} is not KEY=VALUE", param_hint="--option")
        out[key] = value
    return out


@contextmanager
def _errors():
    """Our errors become one red line naming the openEO error code; exit code 2."""
    try:
        yield
    except OpenEOError as e:
        console.print(f"[red]{e.code}:[/red] {e.message}")
        raise typer.Exit(2) from e
    except (psycopg.OperationalError, psycopg.errors.UndefinedFunction) as e:
        console.print(f"[red]ServiceUnavailable:[/red] database: {str(e).splitlines()[0]}")
        raise typer.Exit(2) from e


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console
    )


def _deliver(items: list[dict], root: Path, url: str, options: dict[str, str]) -> None:
    from ingest.publish.transfer import delivery_files, transfer

    files = delivery_files(items, root)
    with _progress() as bar:
        task = bar.add_task("delivering files", total=len(files))
        report = transfer(files, url, options, on_file=lambda f, sent: bar.advance(task))
    console.print(
        f"delivered to {url.split('@')[-1]}: {len(report.sent)} sent "
        f"({report.bytes_sent / 1e6:.1f} MB), {len(report.skipped)} already there, "
        f"{report.seconds:.1f} s; manifest updated"
    )


@app.command()
def products(
    sources: list[Path] = typer.Argument(..., help="Retrieval outputs: NetCDF files or folders."),
    out: Path | None = Root,
    start: str | None = typer.Option(None, help="First step date to publish, YYYY-MM-DD."),
    end: str | None = typer.Option(None, help="Last step date to publish, YYYY-MM-DD."),
    doi: str | None = typer.Option(None, help="Dataset DOI (default: CANOPY_PRODUCT_DOI)."),
    quicklooks: bool = typer.Option(True, help="Write COG quicklooks and PNG thumbnails."),
    to: str | None = To,
    option: list[str] | None = Opts,
    dsn: str | None = Dsn,
) -> None:
    """Repackage retrieval outputs as CCI products, catalogue them, optionally deliver them."""
    from ingest.publish.inputs import Period
    from ingest.publish.publisher import publish
    from ingest.publish.settings import PublishSettings
    from stac.settings import StacSettings

    d0, d1 = _day(start, "--start"), _day(end, "--end")
    if (d0 is None) != (d1 is None):
        raise typer.BadParameter("give both --start and --end, or neither", param_hint="--end")
    if d0 and d1 and d1 < d0:
        raise typer.BadParameter("end is before start", param_hint="--end")
    options = _options(option)
    changes = {"quicklooks": quicklooks}
    if out is not None:
        changes["publish_root"] = out
    if doi is not None:
        changes["product_doi"] = doi
    settings = PublishSettings().model_copy(update=changes)
    with _errors():
        with _progress() as bar:
            task = bar.add_task("publishing products", total=None)
            report = publish(
                sources, _dsn(dsn), settings,
                period=Period(d0, d1) if d0 and d1 else None,
                progress=lambda n, total: bar.update(task, completed=n, total=total),
                home=StacSettings().home,
            )  # fmt: skip
        console.print(
            f"{len(report.created)} created, {len(report.updated)} updated, "
            f"{len(report.unchanged)} unchanged in {settings.publish_root} ({report.seconds:.1f} s)"
        )
        if to:
            _deliver(report.items, settings.publish_root, to, options)


@app.command("transfer")
def transfer_cmd(
    to: str = typer.Option(..., "--to", help="Target URL: a directory, ftp://, s3://."),
    out: Path | None = Root,
    option: list[str] | None = Opts,
    dsn: str | None = Dsn,
) -> None:
    """Deliver (or resume delivering) every catalogued product below the publication root."""
    from ingest.publish.items import published_items
    from ingest.publish.settings import PublishSettings

    settings = PublishSettings()
    root = out if out is not None else settings.publish_root
    options = _options(option)
    with _errors():
        items = published_items(_dsn(dsn))
        if not items:
            console.print(f"nothing published below {root}")
            raise typer.Exit(1)
        _deliver(items, root, to, options)
