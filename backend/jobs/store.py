"""The job table: create, read, edit, queue, claim, heartbeat, finish, re-queue and logs.

Every query filters by owner where a user is involved, so another user's job answers exactly
as a job that does not exist. Claims use ``FOR UPDATE SKIP LOCKED`` so any number of workers
can poll the same queue without running a job twice.
"""

from __future__ import annotations

import json
import math
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import asyncpg

from backend.jobs.model import LOG_LEVELS, Status
from processes.exceptions import JobLocked, JobNotFound

_COLUMNS = """id, owner, title, description, process, type, conf, plan, budget, log_level, status,
    progress, created, updated, queued_at, started_at, finished_at, worker, heartbeat, attempts,
    max_attempts, cancel_requested, outcomes, result, usage"""

NOTIFY_CHANNEL = "canopy_jobs"
"""PostgreSQL channel on which queued jobs are announced to workers."""

EDITABLE = ("title", "description", "process", "plan", "budget", "log_level", "conf")
"""Job fields a PATCH may change (while the job is not queued or running)."""


_JSON_FIELDS = {"process", "conf", "outcomes", "result", "usage"}


def _json(value: Any) -> str | None:
    """JSON text for a jsonb parameter (the pool's codec only decodes); NaN becomes null."""
    if value is None:
        return None
    return json.dumps(_nan_to_none(value), default=str)


def _nan_to_none(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _nan_to_none(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_nan_to_none(v) for v in value]
    return value


def new_job_id() -> str:
    """A fresh, unguessable job id."""
    return "j-" + secrets.token_hex(10)


@dataclass(frozen=True)
class Claimed:
    """A job a worker has just claimed."""

    row: dict[str, Any]
    """The job row after the claim (status RUNNING, attempts incremented)."""


class JobStore:
    """Queries on ``canopy.jobs`` and ``canopy.job_logs`` through an asyncpg pool."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    # --- users' view --------------------------------------------------------------------

    async def create(
        self,
        owner: str,
        process: dict,
        *,
        title: str | None = None,
        description: str | None = None,
        plan: str | None = None,
        budget: float | None = None,
        log_level: str = "info",
        type_: str = "adhoc",
        conf: dict | None = None,
        job_id: str | None = None,
    ) -> dict[str, Any]:
        """Insert a job in status CREATED and log its creation."""
        job_id = job_id or new_job_id()
        async with self.pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(
                f"""INSERT INTO canopy.jobs (id, owner, title, description, process, plan, budget,
                        log_level, type, conf)
                    VALUES ($1, $2, $3, $4, $5::text::jsonb, $6, $7, $8, $9, $10::text::jsonb) RETURNING {_COLUMNS}""",
                job_id,
                owner,
                title,
                description,
                _json(process),
                plan,
                budget,
                log_level,
                type_,
                _json(conf or {}),
            )
            await _log(conn, job_id, "info", "Job created.")
        return dict(row)

    async def get(self, job_id: str, owner: str | None) -> dict[str, Any]:
        """The job row; JobNotFound when missing or owned by someone else (owner None = any)."""
        row = await self.pool.fetchrow(
            f"SELECT {_COLUMNS} FROM canopy.jobs WHERE id = $1 AND ($2::text IS NULL OR owner = $2)",
            job_id,
            owner,
        )
        if row is None:
            raise JobNotFound(job_id=job_id)
        return dict(row)

    async def list(self, owner: str | None, limit: int = 100, after: str | None = None) -> list:
        """Jobs of an owner (all owners when None), newest first, paged by ``after`` (a job id)."""
        rows = await self.pool.fetch(
            f"""SELECT {_COLUMNS} FROM canopy.jobs
                WHERE ($1::text IS NULL OR owner = $1)
                  AND ($3::text IS NULL OR (created, id) < (
                       SELECT created, id FROM canopy.jobs WHERE id = $3))
                ORDER BY created DESC, id DESC LIMIT $2""",
            owner,
            limit,
            after,
        )
        return [dict(r) for r in rows]

    async def update(self, job_id: str, owner: str, fields: dict[str, Any]) -> None:
        """Change editable fields; JobLocked while the job is queued or running."""
        unknown = set(fields) - set(EDITABLE)
        if unknown:
            raise ValueError(f"not editable: {sorted(unknown)}")
        async with self.pool.acquire() as conn, conn.transaction():
            status = await _locked_status(conn, job_id, owner)
            if status.active:
                raise JobLocked(job_id=job_id, status=status.openeo)
            if not fields:
                return
            sets = ", ".join(
                f"{name} = ${i}::text::jsonb" if name in _JSON_FIELDS else f"{name} = ${i}"
                for i, name in enumerate(fields, start=2)
            )
            values = [_json(v) if k in _JSON_FIELDS else v for k, v in fields.items()]
            await conn.execute(
                f"UPDATE canopy.jobs SET {sets}, updated = now() WHERE id = $1", job_id, *values
            )

    async def delete(self, job_id: str, owner: str) -> dict[str, Any]:
        """Delete a job and its logs; returns the row as it was (for cleaning up its files)."""
        row = await self.pool.fetchrow(
            f"DELETE FROM canopy.jobs WHERE id = $1 AND owner = $2 RETURNING {_COLUMNS}",
            job_id,
            owner,
        )
        if row is None:
            raise JobNotFound(job_id=job_id)
        return dict(row)

    async def queue(self, job_id: str, owner: str | None) -> bool:
        """CREATED or final → PENDING; a queued or running job stays as it is (returns False)."""
        async with self.pool.acquire() as conn, conn.transaction():
            if (await _locked_status(conn, job_id, owner)).active:
                return False
            await conn.execute(
                """UPDATE canopy.jobs SET status = 'PENDING', queued_at = now(), updated = now(),
                       progress = 0, started_at = NULL, finished_at = NULL, worker = NULL,
                       heartbeat = NULL, attempts = 0, cancel_requested = false, result = NULL,
                       usage = NULL
                   WHERE id = $1""",
                job_id,
            )
            await _log(conn, job_id, "info", "Job queued.")
            # Wakes idle workers at once (they poll too, so a lost notification costs one poll).
            await conn.execute("SELECT pg_notify($1, $2)", NOTIFY_CHANNEL, job_id)
        return True

    async def cancel(self, job_id: str, owner: str | None) -> Status:
        """Stop a job: a queued one at once, a running one through its worker (which sees
        ``cancel_requested`` at its next heartbeat). Returns the status after the request."""
        async with self.pool.acquire() as conn, conn.transaction():
            status = await _locked_status(conn, job_id, owner)
            if status == Status.PENDING:
                await conn.execute(
                    """UPDATE canopy.jobs SET status = 'CANCELLED', finished_at = now(),
                           updated = now() WHERE id = $1""",
                    job_id,
                )
                await _log(conn, job_id, "info", "Job canceled before it started.")
                return Status.CANCELLED
            if status == Status.RUNNING:
                await conn.execute(
                    "UPDATE canopy.jobs SET cancel_requested = true, updated = now() WHERE id = $1",
                    job_id,
                )
                await _log(conn, job_id, "info", "Cancellation requested.")
            return status

    # --- workers' view ------------------------------------------------------------------

    async def claim(self, job_type: str, worker: str) -> dict[str, Any] | None:
        """Take the oldest PENDING job of a type, or None when the queue is empty.

        A job whose conf names a ``prior_job`` (a scheduled period starting from the previous
        period's posterior) waits while that job is queued or running.
        """
        async with self.pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(
                f"""UPDATE canopy.jobs SET status = 'RUNNING', worker = $2, heartbeat = now(),
                        started_at = now(), attempts = attempts + 1, updated = now(),
                        progress = 0
                    WHERE id = (SELECT j.id FROM canopy.jobs j
                                WHERE j.status = 'PENDING' AND j.type = $1
                                  AND NOT EXISTS (
                                      SELECT 1 FROM canopy.jobs p
                                      WHERE p.id = j.conf ->> 'prior_job'
                                        AND p.status IN ('PENDING', 'RUNNING'))
                                ORDER BY j.queued_at, j.id FOR UPDATE OF j SKIP LOCKED LIMIT 1)
                    RETURNING {_COLUMNS}""",
                job_type,
                worker,
            )
            if row is None:
                return None
            await _log(
                conn,
                row["id"],
                "info",
                f"Job started by worker {worker} (attempt {row['attempts']}/{row['max_attempts']}).",
            )
        return dict(row)

    async def heartbeat(
        self, job_id: str, worker: str, progress: float | None = None
    ) -> tuple[bool, bool]:
        """Record liveness (and progress). Returns (still ours, cancel requested)."""
        row = await self.pool.fetchrow(
            """UPDATE canopy.jobs SET heartbeat = now(),
                   progress = COALESCE($3, progress), updated = now()
               WHERE id = $1 AND worker = $2 AND status = 'RUNNING'
               RETURNING cancel_requested""",
            job_id,
            worker,
            progress,
        )
        if row is None:
            return False, False
        return True, bool(row["cancel_requested"])

    async def finish(
        self,
        job_id: str,
        worker: str,
        status: Status,
        *,
        result: dict | None = None,
        usage: dict | None = None,
        outcomes: dict | None = None,
    ) -> bool:
        """Record the end of a run; False when the job is no longer this worker's."""
        row = await self.pool.fetchrow(
            """UPDATE canopy.jobs SET status = $3, finished_at = now(), updated = now(),
                   heartbeat = NULL, result = $4::text::jsonb, usage = $5::text::jsonb,
                   outcomes = COALESCE($6::text::jsonb, outcomes),
                   progress = CASE WHEN $3 IN ('SUCCESS', 'INCOMPLETE') THEN 100 ELSE progress END
               WHERE id = $1 AND worker = $2 AND status = 'RUNNING' RETURNING id""",
            job_id,
            worker,
            status.value,
            _json(result),
            _json(usage),
            _json(outcomes),
        )
        return row is not None

    async def release(self, job_id: str, worker: str) -> bool:
        """A worker shutting down gives its job back to the queue (the attempt is not counted)."""
        async with self.pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(
                """UPDATE canopy.jobs SET status = 'PENDING', worker = NULL, heartbeat = NULL,
                       attempts = GREATEST(attempts - 1, 0), queued_at = now(), updated = now()
                   WHERE id = $1 AND worker = $2 AND status = 'RUNNING'
                     AND NOT cancel_requested
                   RETURNING id""",
                job_id,
                worker,
            )
            if row is not None:
                await _log(conn, job_id, "warning", f"Worker {worker} stopped; job queued again.")
        return row is not None

    async def requeue_dead(self, dead_after_s: float) -> list[tuple[str, str]]:
        """Jobs whose worker stopped heart-beating go back to PENDING, or to FAILURE once their
        attempts are used up. Returns ``(job id, new status)`` pairs."""
        async with self.pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                """SELECT id, worker, attempts, max_attempts, cancel_requested FROM canopy.jobs
                   WHERE status = 'RUNNING'
                     AND heartbeat < now() - make_interval(secs => $1)
                   FOR UPDATE SKIP LOCKED""",
                dead_after_s,
            )
            changed = []
            for r in rows:
                if r["cancel_requested"]:
                    new, msg = "CANCELLED", "Its worker stopped; the job was being canceled."
                elif r["attempts"] >= r["max_attempts"]:
                    new = "FAILURE"
                    msg = (
                        f"Worker {r['worker']} stopped responding; no attempts left "
                        f"({r['attempts']}/{r['max_attempts']})."
                    )
                else:
                    new = "PENDING"
                    msg = (
                        f"Worker {r['worker']} stopped responding; the job is queued again "
                        f"(attempt {r['attempts']}/{r['max_attempts']} lost)."
                    )
                await conn.execute(
                    """UPDATE canopy.jobs SET status = $2, worker = NULL, heartbeat = NULL,
                           updated = now(),
                           queued_at = CASE WHEN $2 = 'PENDING' THEN now() ELSE queued_at END,
                           finished_at = CASE WHEN $2 = 'PENDING' THEN NULL ELSE now() END
                       WHERE id = $1""",
                    r["id"],
                    new,
                )
                await _log(conn, r["id"], "error" if new == "FAILURE" else "warning", msg)
                changed.append((r["id"], new))
        return changed

    # --- logs ---------------------------------------------------------------------------

    async def log(
        self,
        job_id: str,
        level: str,
        message: str,
        *,
        code: str | None = None,
        data: Any = None,
        path: list | None = None,
    ) -> None:
        """Append a log entry."""
        async with self.pool.acquire() as conn:
            await _log(conn, job_id, level, message, code=code, data=data, path=path)

    async def logs(
        self, job_id: str, owner: str, offset: str | None, level: str, limit: int
    ) -> list[dict[str, Any]]:
        """Log entries after ``offset`` (an entry id) at ``level`` or more severe."""
        row = await self.get(job_id, owner)
        level = max(level, row["log_level"], key=LOG_LEVELS.index)  # the job's own threshold
        after = int(offset) if offset and offset.isdigit() else 0
        levels = list(LOG_LEVELS[LOG_LEVELS.index(level) :])
        rows = await self.pool.fetch(
            """SELECT seq, level, message, code, data, path, time FROM canopy.job_logs
               WHERE job_id = $1 AND seq > $2 AND level = ANY($3::text[])
               ORDER BY seq LIMIT $4""",
            job_id,
            after,
            levels,
            limit,
        )
        return [dict(r) for r in rows]


async def _locked_status(conn: asyncpg.Connection, job_id: str, owner: str | None) -> Status:
    """The job's status, its row locked for this transaction; JobNotFound when missing or
    owned by someone else (owner None = any)."""
    status = await conn.fetchval(
        """SELECT status FROM canopy.jobs WHERE id = $1
           AND ($2::text IS NULL OR owner = $2) FOR UPDATE""",
        job_id,
        owner,
    )
    if status is None:
        raise JobNotFound(job_id=job_id)
    return Status(status)


async def _log(
    conn: asyncpg.Connection,
    job_id: str,
    level: str,
    message: str,
    *,
    code: str | None = None,
    data: Any = None,
    path: Iterable | None = None,
) -> None:
    await conn.execute(
        """INSERT INTO canopy.job_logs (job_id, level, message, code, data, path)
           VALUES ($1, $2, $3, $4, $5::text::jsonb, $6::text::jsonb)""",
        job_id,
        level,
        message,
        code,
        _json(data),
        _json(list(path) if path is not None else None),
    )
