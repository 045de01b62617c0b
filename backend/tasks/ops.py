"""Operations on tasks: show, restart (only the failed dates of an INCOMPLETE task), cancel."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg

from backend.jobs.model import Status, merged_outcomes
from backend.jobs.store import JobStore
from backend.tasks.conf import graph
from backend.tasks.store import TaskError, last_error, select_tasks

_RESTART_KEYS = ("dates", "kept_outcomes")
"""Conf keys a restart manages itself; ``--set`` may not change them."""


async def show_task(pool: asyncpg.Pool, job_id: str) -> dict[str, Any]:
    """A task's row with its merged outcomes and last error entry."""
    row = await JobStore(pool).get(job_id, None)
    return {
        **row,
        "merged_outcomes": merged_outcomes(row),
        "last_error": await last_error(pool, job_id),
    }


def parse_sets(pairs: list[str]) -> dict[str, Any]:
    """``key=value`` pairs; values are JSON when they parse (``sensors=["probav"]``), a comma
    list for ``sensors`` (``sensors=probav,vgt2``), else text.

    Raises:
        TaskError: a pair without ``=`` or a key the restart manages itself.
    """
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise TaskError(f"--set expects key=value, got {pair!r}")
        if key in _RESTART_KEYS or key in ("name", "type", "period_dates"):
            raise TaskError(f"--set cannot change {key!r}")
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            value = text
        if key == "sensors" and isinstance(value, str):
            value = [s.strip() for s in value.split(",") if s.strip()]
        out[key] = value
    return out


@dataclass(frozen=True)
class Restarted:
    """What a restart did to one task."""

    job_id: str
    queued: bool
    """False when the task was queued or running already."""
    dates: tuple[str, ...] = ()
    """The dates to produce again (empty: all)."""


async def restart_tasks(
    pool: asyncpg.Pool,
    ids: list[str],
    jobs_dir: Path,
    sets: dict[str, Any] | None = None,
    *,
    all_dates: bool = False,
) -> list[Restarted]:
    """Queue tasks again, after applying ``sets`` to their conf (the graph is rebuilt).

    An INCOMPLETE task produces only its failed dates again (``vp_lai_fapar(dates=...)``; the
    chain still runs from its start for the prior): the dates that succeeded are kept in
    ``conf.kept_outcomes`` and the previous results move to ``<job>/runs/<n>/``. Other final
    tasks, or ``all_dates``, run everything again.

    Raises:
        JobNotFound: an unknown id.
    """
    store = JobStore(pool)
    out = []
    for job_id in ids:
        row = await store.get(job_id, None)
        status = Status(row["status"])
        if status.active:
            out.append(Restarted(job_id, False))
            continue
        conf = dict(row["conf"] or {})
        if "name" not in conf:
            raise TaskError(f"{job_id} is not a generated task (its conf has no name)")
        outcomes = merged_outcomes(row)
        failed = sorted(d for d, o in outcomes.items() if o != "ok")
        for key in _RESTART_KEYS:
            conf.pop(key, None)
        if conf.get("period_dates"):  # a scheduled period: all dates = the period's
            conf["dates"] = list(conf["period_dates"])
        if status == Status.INCOMPLETE and failed and not all_dates:
            conf["dates"] = failed
            conf["kept_outcomes"] = {d: o for d, o in outcomes.items() if o == "ok"}
            _keep_results(jobs_dir / job_id)
        conf.update(sets or {})
        await store.update(job_id, row["owner"], {"conf": conf, "process": graph(conf)})
        queued = await store.queue(job_id, None)
        if queued and conf.get("dates"):
            await store.log(
                job_id, "info", f"Restart: producing only the failed dates {', '.join(failed)}."
            )
        out.append(Restarted(job_id, queued, tuple(conf.get("dates") or ())))
    return out


def _keep_results(job_dir: Path) -> None:
    """Move the last run's results aside (a run publishes by replacing ``results/``)."""
    results = job_dir / "results"
    if not results.exists():
        return
    runs = job_dir / "runs"
    runs.mkdir(exist_ok=True)
    n = 1 + sum(1 for _ in runs.iterdir())
    shutil.move(str(results), str(runs / str(n)))


async def restart_ids(pool: asyncpg.Pool, ids: list[str], status: str | None) -> list[str]:
    """The ids given, or every task of ``status`` when none are."""
    if ids:
        return ids
    if not status:
        raise TaskError("name task ids or --status")
    return [r["id"] for r in await select_tasks(pool, status=status)]


async def cancel_tasks(pool: asyncpg.Pool, ids: list[str]) -> dict[str, Status]:
    """Cancel tasks: queued ones at once, running ones through their worker."""
    store = JobStore(pool)
    return {job_id: await store.cancel(job_id, None) for job_id in ids}
