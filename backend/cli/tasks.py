"""``canopy tasks sites|tiles|list|show|restart|cancel``: systematic production tasks."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from contextlib import contextmanager
from datetime import date
from typing import Any, TypeVar

import asyncpg
import typer
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table

from backend.cli.common import console, err_console, friendly_errors
from backend.jobs.model import Status
from backend.jobs.settings import JobSettings
from backend.tasks import ops
from backend.tasks.generate import Generated, generate_sites, generate_tiles
from backend.tasks.settings import TaskSettings
from backend.tasks.store import TaskError, select_tasks
from stac.pool import open_pool
from stac.settings import StacSettings

app = typer.Typer(help="Generate and operate LAI/fAPAR production tasks.", no_args_is_help=True)

T = TypeVar("T")


@contextmanager
def task_errors():
    """Operator errors as one red line and exit 1."""
    with friendly_errors():
        try:
            yield
        except TaskError as e:
            err_console.print(f"[bold red]error:[/] {e}")
            raise typer.Exit(1) from None


def with_pool(work: Callable[[asyncpg.Pool], Awaitable[T]]) -> T:
    """Run ``work(pool)`` against the database of the current settings."""

    async def main() -> T:
        pool = await open_pool(StacSettings(), max_size=4)
        try:
            return await work(pool)
        finally:
            await pool.close()

    with task_errors():
        return asyncio.run(main())


def _csv(text: str | None) -> list[str] | None:
    return [s.strip() for s in text.split(",") if s.strip()] if text else None


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as e:
        raise typer.BadParameter(f"expected YYYY-MM-DD, got {text!r}") from e


def _settings(publish: bool | None) -> TaskSettings:
    """Task settings from the environment, ``--publish/--no-publish`` taking precedence."""
    return TaskSettings() if publish is None else TaskSettings(publish=publish)


def _report(done: Generated) -> None:
    console.print(f"{len(done.created)} task(s) created, {len(done.existing)} already there.")
    for why in done.skipped:
        console.print(f"  skipped {why}")


@app.command("sites")
def sites(
    years: str = typer.Option(..., help="Years, comma-separated (2019,2020)."),
    sites_: str | None = typer.Option(None, "--sites", help="Site codes (default: all)."),
    sensors: str | None = typer.Option(None, help="Sensor collections (default: settings)."),
    queue: bool = typer.Option(True, help="Queue the new tasks for the site pool."),
    publish: bool | None = typer.Option(
        None,
        "--publish/--no-publish",
        help="Repackage and publish the outputs once a task succeeds (default: settings).",
    ),
) -> None:
    """One site task per site and year of interest (idempotent)."""
    try:
        ys = [int(y) for y in _csv(years) or []]
    except ValueError as e:
        raise typer.BadParameter("years are integers", param_hint="--years") from e
    sens = tuple(_csv(sensors) or ()) or None
    _report(
        with_pool(
            lambda p: generate_sites(p, ys, _csv(sites_), sens, _settings(publish), queue=queue)
        )
    )


@app.command("tiles")
def tiles(
    tiles_: str = typer.Option(..., "--tiles", help="Tiles, comma-separated (X18Y02,X19Y02)."),
    start: str = typer.Option(..., help="First date (YYYY-MM-DD)."),
    end: str = typer.Option(..., help="End date, excluded (YYYY-MM-DD)."),
    sensors: str | None = typer.Option(None, help="Sensor collections (default: settings)."),
    queue: bool = typer.Option(True, help="Queue the new tasks for the tile pool."),
    publish: bool | None = typer.Option(
        None,
        "--publish/--no-publish",
        help="Repackage and publish the outputs once a task succeeds (default: settings).",
    ),
) -> None:
    """One tile task per tile for [start, end) (idempotent)."""
    sens = tuple(_csv(sensors) or ()) or None
    t0, t1 = _day(start), _day(end)
    _report(
        with_pool(
            lambda p: generate_tiles(
                p, _csv(tiles_) or [], t0, t1, sens, _settings(publish), queue=queue
            )
        )
    )


def _outcome_counts(row: dict) -> str:
    outcomes = ops.merged_outcomes(row)
    if not outcomes:
        return ""
    bad = sum(1 for o in outcomes.values() if o != "ok")
    return f"{len(outcomes) - bad}/{len(outcomes)}" + (f" ({bad} failed)" if bad else "")


@app.command("list")
def list_(
    type_: str | None = typer.Option(None, "--type", help="site or tile."),
    status: str | None = typer.Option(None, help="CREATED, PENDING, RUNNING, SUCCESS, ..."),
    name_like: str | None = typer.Option(None, help="SQL LIKE pattern on the task name."),
) -> None:
    """Tasks with their status, progress and dates produced."""
    if status:
        status = Status(status.upper()).value
    rows = with_pool(lambda p: select_tasks(p, type_=type_, status=status, name_like=name_like))
    table = Table()
    table.add_column("id", no_wrap=True, min_width=22)  # ids are what the other commands take
    for column in ("name", "type", "status", "progress", "dates ok", "updated"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            r["id"], r["conf"]["name"], r["type"], r["status"],
            f"{r['progress']:.0f} %" if r["progress"] is not None else "",
            _outcome_counts(r), f"{r['updated']:%Y-%m-%d %H:%M}",
        )  # fmt: skip
    console.print(table)
    console.print(f"{len(rows)} task(s).")


@app.command("show")
def show(job_id: str = typer.Argument(..., help="Task id.")) -> None:
    """A task's conf, per-date outcomes and last error."""
    row = with_pool(lambda p: ops.show_task(p, job_id))
    console.print(f"[bold]{row['id']}[/] {row['conf'].get('name', '')}: {row['status']}"
                  f" ({row['type']}, attempts {row['attempts']}/{row['max_attempts']})")  # fmt: skip
    console.print_json(json.dumps(row["conf"], default=str))
    if row["merged_outcomes"]:
        table = Table("date", "outcome")
        for day, outcome in row["merged_outcomes"].items():
            table.add_row(day, outcome if outcome == "ok" else f"[red]{outcome}[/]")
        console.print(table)
    if row["last_error"]:
        e = row["last_error"]
        console.print(
            f"[red]last error[/] {e['time']:%Y-%m-%d %H:%M:%S} [{e['code']}] {e['message']}"
        )


@app.command("restart")
def restart(
    ids: list[str] = typer.Argument(None, help="Task ids (or --status)."),
    status: str | None = typer.Option(None, help="Restart every task of this status."),
    set_: list[str] = typer.Option([], "--set", help="Change conf before: key=value."),
    all_dates: bool = typer.Option(False, help="INCOMPLETE tasks: every date, not only failed."),
    wait: bool = typer.Option(False, help="Show progress bars until the tasks end."),
) -> None:
    """Queue tasks again; INCOMPLETE ones produce only their failed dates."""
    sets = ops.parse_sets(set_) if set_ else None
    jobs_dir = JobSettings().jobs_dir(StacSettings().home)

    async def work(pool):
        chosen = await ops.restart_ids(pool, ids or [], status.upper() if status else None)
        return await ops.restart_tasks(pool, chosen, jobs_dir, sets, all_dates=all_dates)

    with task_errors():
        done = with_pool(work)
    for r in done:
        what = f"dates {', '.join(r.dates)}" if r.dates else "all dates"
        console.print(f"{r.job_id}: " + (f"queued ({what})" if r.queued else "already active"))
    if wait and done:
        watch([r.job_id for r in done])


def watch(ids: list[str], poll_s: float = 1.0) -> None:
    """Progress bars from the jobs' ``progress`` until every one is final."""

    async def main() -> None:
        pool = await open_pool(StacSettings(), max_size=2)
        try:
            with Progress(TextColumn("{task.description}"), BarColumn(),
                          TextColumn("{task.percentage:>3.0f} % {task.fields[status]}"),
                          console=console) as bars:  # fmt: skip
                tasks = {i: bars.add_task(i, total=100, status="") for i in ids}
                while True:
                    rows = await select_tasks(pool, ids=ids)
                    for r in rows:
                        bars.update(tasks[r["id"]], completed=r["progress"] or 0,
                                    status=r["status"], description=r["conf"]["name"])  # fmt: skip
                    if all(Status(r["status"]).final for r in rows):
                        return
                    await asyncio.sleep(poll_s)
        finally:
            await pool.close()

    asyncio.run(main())


@app.command("cancel")
def cancel(ids: list[str] = typer.Argument(..., help="Task ids.")) -> None:
    """Cancel tasks (a running one stops at its worker's next heartbeat)."""
    done: dict[str, Any] = with_pool(lambda p: ops.cancel_tasks(p, ids))
    for job_id, status in done.items():
        console.print(f"{job_id}: {status.value}")
