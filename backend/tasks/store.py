"""Task-specific queries on the job table (JobStore stays generic): dedup lookups and filters."""

from __future__ import annotations

from typing import Any

import asyncpg

from backend.auth import system_user
from backend.jobs.store import JobStore

TASK_TYPES = ("site", "tile")


class TaskError(ValueError):
    """An operator's request cannot be done (message says why and what to do)."""


async def task_owner(pool: asyncpg.Pool) -> str:
    """The system user who owns generated tasks.

    Raises:
        TaskError: no user has the ``system`` role yet.
    """
    user = await system_user(pool)
    if user is None:
        raise TaskError(
            "no system user: add one with `canopy users add ops --password-stdin --role system`"
        )
    return user.user_id


async def find_by_name(pool: asyncpg.Pool, name: str) -> str | None:
    """Id of the generated task with this conf name, if any."""
    return await pool.fetchval(
        "SELECT id FROM canopy.jobs WHERE conf ->> 'name' = $1 AND type = ANY($2::text[])",
        name,
        list(TASK_TYPES),
    )


async def create_task(
    pool: asyncpg.Pool,
    owner: str,
    conf: dict[str, Any],
    process: dict[str, Any],
    *,
    queue: bool = True,
    job_id: str | None = None,
) -> tuple[str, bool]:
    """Create (and queue) a task unless one of the same name exists: ``(id, created)``.

    The unique index on ``conf->>'name'`` (migration 0007) settles races between generators.
    """
    existing = await find_by_name(pool, conf["name"])
    if existing:
        return existing, False
    store = JobStore(pool)
    try:
        row = await store.create(
            owner, process, title=conf["name"], type_=conf["type"], conf=conf, job_id=job_id
        )
    except asyncpg.UniqueViolationError:
        return str(await find_by_name(pool, conf["name"])), False
    if queue:
        await store.queue(row["id"], owner)
    return row["id"], True


async def select_tasks(
    pool: asyncpg.Pool,
    *,
    type_: str | None = None,
    status: str | None = None,
    name_like: str | None = None,
    ids: list[str] | None = None,
    limit: int = 1000,
) -> list[dict[str, Any]]:
    """Tasks (jobs with a conf name) matching the filters, by name."""
    rows = await pool.fetch(
        """SELECT id, owner, type, status, progress, conf, outcomes, created, updated,
                  started_at, finished_at, attempts
           FROM canopy.jobs
           WHERE conf ? 'name'
             AND ($1::text IS NULL OR type = $1)
             AND ($2::text IS NULL OR status = $2)
             AND ($3::text IS NULL OR conf ->> 'name' LIKE $3)
             AND ($4::text[] IS NULL OR id = ANY($4::text[]))
           ORDER BY conf ->> 'name', id LIMIT $5""",
        type_,
        status,
        name_like,
        ids,
        limit,
    )
    return [dict(r) for r in rows]


async def last_error(pool: asyncpg.Pool, job_id: str) -> dict[str, Any] | None:
    """The job's last ``error`` log entry (the root cause of a failure), if any."""
    row = await pool.fetchrow(
        """SELECT message, code, time FROM canopy.job_logs
           WHERE job_id = $1 AND level = 'error' ORDER BY seq DESC LIMIT 1""",
        job_id,
    )
    return None if row is None else dict(row)
