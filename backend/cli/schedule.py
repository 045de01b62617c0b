"""``canopy schedule add|subscribe|list|remove`` and ``canopy scheduler [--once]``."""

from __future__ import annotations

import asyncio
import signal
from datetime import UTC, datetime

import typer
from rich.table import Table

from backend.cli.common import console
from backend.cli.tasks import _csv, _day, task_errors, with_pool
from backend.tasks.schedules import add_schedule, enqueue_due, fold_arrivals, list_schedules
from backend.tasks.schedules import remove_schedule as remove_row
from backend.tasks.settings import TaskSettings
from backend.tasks.store import TaskError, task_owner
from stac.pool import open_pool
from stac.settings import StacSettings

app = typer.Typer(help="Schedules of systematic production and AOI subscriptions.",
                  no_args_is_help=True)  # fmt: skip


@app.command("add")
def add(
    every: str = typer.Option("5D", help="Period length (5D)."),
    tiles: str | None = typer.Option(None, help="Tiles, comma-separated."),
    sites: str | None = typer.Option(None, help="Site codes, comma-separated."),
    sensors: str | None = typer.Option(None, help="Sensor collections (default: settings)."),
    start: str | None = typer.Option(None, help="First period start (default: today)."),
) -> None:
    """Systematic production of tiles or sites, owned by the system user."""
    if bool(tiles) == bool(sites):
        raise typer.BadParameter("give --tiles or --sites")
    kind, targets = ("tiles", _csv(tiles)) if tiles else ("sites", _csv(sites))
    settings = TaskSettings()
    sens = tuple(_csv(sensors) or settings.sensors)
    anchor = _day(start) if start else datetime.now(UTC).date()

    async def work(pool):
        owner = await task_owner(pool)
        return await add_schedule(pool, owner, kind, targets or [], every, sens, anchor=anchor)

    console.print(f"Schedule {with_pool(work)} added.")


@app.command("subscribe")
def subscribe(
    name: str = typer.Argument(..., help="Name of the virtual product."),
    owner: str = typer.Option(..., help="User who gets the jobs."),
    bbox: str = typer.Option(..., help="west,south,east,north (degrees)."),
    every: str = typer.Option("5D", help="Period length."),
    sensors: str | None = typer.Option(None, help="Sensor collections."),
    start: str | None = typer.Option(None, help="First period start (default: today)."),
) -> None:
    """A user's AOI subscription: each new period once its inputs are complete."""
    try:
        w, s, e, n = (float(v) for v in bbox.split(","))
    except ValueError as exc:
        raise typer.BadParameter("four numbers", param_hint="--bbox") from exc
    sens = tuple(_csv(sensors) or TaskSettings().sensors)
    anchor = _day(start) if start else datetime.now(UTC).date()
    sid = with_pool(
        lambda p: add_schedule(
            p, owner, "aoi", [name], every, sens, anchor=anchor, bbox=(w, s, e, n)
        )
    )
    console.print(f"Subscription {sid} added for {owner}.")


@app.command("list")
def list_() -> None:
    """Schedules and subscriptions with their last enqueued period."""
    rows = with_pool(list_schedules)
    table = Table("id", "owner", "kind", "targets", "every", "sensors", "from", "last period")
    for r in rows:
        table.add_row(
            str(r["id"]), r["owner"], r["kind"], ",".join(r["targets"]), f"{r['every_days']}D",
            ",".join(r["sensors"]), str(r["anchor"]), str(r["last_period"] or ""),
        )  # fmt: skip
    console.print(table)


@app.command("remove")
def remove(schedule_id: int = typer.Argument(..., help="Schedule id.")) -> None:
    """Remove a schedule (the jobs it enqueued stay)."""
    if not with_pool(lambda p: remove_row(p, schedule_id)):
        with task_errors():
            raise TaskError(f"no schedule {schedule_id}")
    console.print(f"Schedule {schedule_id} removed.")


async def scheduler_round(pool) -> list:
    """Fold new arrivals into the watermarks, then enqueue what is due."""
    await fold_arrivals(pool)
    return await enqueue_due(pool, datetime.now(UTC))


def scheduler(once: bool = typer.Option(False, help="One round, then exit (a CronJob).")) -> None:
    """Enqueue due periods of every schedule; loops every CANOPY_TASKS_POLL_S."""
    settings = TaskSettings()

    async def main() -> None:
        pool = await open_pool(StacSettings(), max_size=4)
        stop = asyncio.Event()
        if not once:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
        try:
            while True:
                for e in await scheduler_round(pool):
                    console.print(f"schedule {e.schedule_id} {e.target} {e.period_start}: "
                                  f"{e.job_id} ({e.reason})")  # fmt: skip
                if once:
                    return
                try:
                    await asyncio.wait_for(stop.wait(), settings.poll_s)
                    return
                except TimeoutError:
                    pass
        finally:
            await pool.close()

    with task_errors():
        asyncio.run(main())


def register(main_app: typer.Typer) -> None:
    """Add ``canopy scheduler`` at the top level."""
    main_app.command("scheduler")(scheduler)
