"""Schedules: systematic tiles/sites and per-user AOI subscriptions, enqueued once per period.

A period ``[anchor + k·every, anchor + (k+1)·every)`` is due once its inputs are complete: every
sensor's watermark (latest input arrived, folded in from ``canopy.arrivals``) reaches the last
input day of the period's last window on every tile it needs, or, without arrivals, ``delay_days``
after that day by the clock. ``canopy.schedule_runs`` holds one row per (schedule, target,
period) under a primary key: a double trigger inserts nothing the second time (ON CONFLICT).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import asyncpg

from backend.jobs.store import JobStore, new_job_id
from backend.tasks.conf import days, graph, make_conf, step_dates, tile_geom
from backend.tasks.settings import TaskSettings
from backend.tasks.store import TaskError
from processes.grid import PROBAV_1KM, GridError

KINDS = ("tiles", "sites", "aoi")


async def add_schedule(
    pool: asyncpg.Pool,
    owner: str,
    kind: str,
    targets: list[str],
    every: str,
    sensors: tuple[str, ...],
    *,
    anchor: date,
    bbox: tuple[float, float, float, float] | None = None,
    settings: TaskSettings | None = None,
) -> int:
    """Add a schedule; returns its id.

    Args:
        pool: Database pool.
        owner: Who owns the jobs it enqueues (the system user, or the subscriber).
        kind: ``tiles``, ``sites`` or ``aoi`` (a subscription: ``targets`` = [its name]).
        targets: Tile names, site codes, or the AOI's name.
        every: Period length (``"5D"``).
        sensors: Sensor collections.
        anchor: Start of the first period.
        bbox: ``(west, south, east, north)`` of an AOI.
        settings: Interval and window of the jobs.

    Raises:
        TaskError: bad kind, tiles, sites or AOI.
    """
    settings = settings or TaskSettings()
    if kind not in KINDS or not targets:
        raise TaskError(f"a schedule needs one of {KINDS} and at least one target")
    every_days = days(every)
    if kind == "tiles":
        for tile in targets:
            try:
                PROBAV_1KM.parse_tile(tile)
            except GridError as e:
                raise TaskError(str(e)) from e
    elif kind == "sites":
        known = await pool.fetch("SELECT code FROM canopy.sites WHERE code = ANY($1)", targets)
        unknown = sorted(set(targets) - {r["code"] for r in known})
        if unknown:
            raise TaskError(f"unknown site(s): {', '.join(unknown)}")
    elif bbox is None or len(targets) != 1:
        raise TaskError("a subscription needs one name and a bounding box")
    return await pool.fetchval(
        """INSERT INTO canopy.schedules (owner, kind, targets, geom, every_days, interval,
               "window", sensors, anchor)
           VALUES ($1, $2, $3, CASE WHEN $4::float8[] IS NULL THEN NULL ELSE
                   ST_MakeEnvelope($4[1], $4[2], $4[3], $4[4], 4326) END, $5, $6, $7, $8, $9)
           RETURNING id""",
        owner, kind, targets, list(bbox) if bbox else None, every_days, settings.interval,
        settings.window, list(sensors), anchor,
    )  # fmt: skip


async def list_schedules(pool: asyncpg.Pool, owner: str | None = None) -> list[dict[str, Any]]:
    """Schedules (of one owner, or all), with their bounding box and last enqueued period."""
    rows = await pool.fetch(
        """SELECT s.id, s.owner, s.kind, s.targets, s.every_days, s.interval, s."window",
                  s.sensors, s.anchor, s.created_at,
                  CASE WHEN s.geom IS NULL THEN NULL ELSE ARRAY[ST_XMin(s.geom), ST_YMin(s.geom),
                       ST_XMax(s.geom), ST_YMax(s.geom)] END AS bbox,
                  (SELECT max(period_start) FROM canopy.schedule_runs r
                   WHERE r.schedule_id = s.id) AS last_period
           FROM canopy.schedules s WHERE ($1::text IS NULL OR owner = $1) ORDER BY s.id""",
        owner,
    )
    return [dict(r) for r in rows]


async def remove_schedule(pool: asyncpg.Pool, schedule_id: int) -> bool:
    """Remove a schedule (its jobs stay); False when there was none."""
    done = await pool.execute("DELETE FROM canopy.schedules WHERE id = $1", schedule_id)
    return done.endswith(" 1")


async def fold_arrivals(pool: asyncpg.Pool) -> int:
    """Consume new ``canopy.arrivals`` rows into the per (collection, tile) watermarks.

    Returns:
        How many arrival rows were consumed.
    """
    async with pool.acquire() as conn, conn.transaction():
        rows = await conn.fetch(
            """UPDATE canopy.arrivals SET consumed_at = now()
               WHERE id IN (SELECT id FROM canopy.arrivals WHERE consumed_at IS NULL
                            ORDER BY id FOR UPDATE SKIP LOCKED)
               RETURNING collection, tile, datetime, event"""
        )
        latest: dict[tuple[str, str], datetime] = {}
        for r in rows:
            if r["event"] == "deleted" or r["tile"] is None or r["datetime"] is None:
                continue
            key = (r["collection"], r["tile"])
            latest[key] = max(latest.get(key, r["datetime"]), r["datetime"])
        await conn.executemany(
            """INSERT INTO canopy.input_watermarks (collection, tile, latest) VALUES ($1, $2, $3)
               ON CONFLICT (collection, tile) DO UPDATE
               SET latest = GREATEST(canopy.input_watermarks.latest, EXCLUDED.latest),
                   updated_at = now()""",
            [(c, t, d) for (c, t), d in latest.items()],
        )
    return len(rows)


@dataclass(frozen=True)
class Target:
    """One thing a schedule produces each period."""

    name: str
    type: str
    geom: dict
    tiles: tuple[str, ...]
    extra: dict


async def _targets(pool: asyncpg.Pool, s: dict[str, Any]) -> list[Target]:
    if s["kind"] == "tiles":
        return [Target(t, "tile", tile_geom(t), (t,), {"tile": t}) for t in s["targets"]]
    if s["kind"] == "sites":
        rows = await pool.fetch(
            """SELECT code, tile, ST_XMin(geom) w, ST_YMin(geom) s, ST_XMax(geom) e,
                      ST_YMax(geom) n FROM canopy.sites WHERE code = ANY($1) ORDER BY code""",
            s["targets"],
        )
        return [
            Target(r["code"], "site", {"west": r["w"], "south": r["s"], "east": r["e"],
                   "north": r["n"]}, (r["tile"],), {"site": r["code"], "tile": r["tile"]})
            for r in rows
        ]  # fmt: skip
    w, so, e, n = s["bbox"]
    tiles = tuple(PROBAV_1KM.tiles_for_bbox((w, so, e, n)))
    geom = {"west": w, "south": so, "east": e, "north": n}
    return [Target(s["targets"][0], "adhoc", geom, tiles, {"subscription": s["id"]})]


@dataclass(frozen=True)
class Enqueued:
    """A period enqueued by :func:`enqueue_due`."""

    schedule_id: int
    target: str
    period_start: date
    job_id: str
    reason: str
    """``arrivals`` (inputs complete) or ``clock`` (the delay passed)."""


async def enqueue_due(
    pool: asyncpg.Pool, now: datetime, settings: TaskSettings | None = None
) -> list[Enqueued]:
    """Enqueue every due period of every schedule not enqueued before. Idempotent.

    Each period's job produces only the period's dates (``vp_lai_fapar(dates=...)``), keeps
    its final posterior (``keep_state``) and names the previous period's job (``prior_job``):
    it starts from that job's posterior when it exists, else it runs the chain from
    ``spinup_days`` (rounded up to whole steps) before the period. It is claimed only once
    the previous period's job is no longer queued or running.
    """
    settings = settings or TaskSettings()
    marks = {
        (r["collection"], r["tile"]): r["latest"].date()
        for r in await pool.fetch("SELECT collection, tile, latest FROM canopy.input_watermarks")
    }
    out: list[Enqueued] = []
    for s in await list_schedules(pool):
        targets = await _targets(pool, s)
        step, half = days(s["interval"]), days(s["window"]) / 2
        spin = -(-settings.spinup_days // step) * step
        period = s["anchor"]
        while period <= now.date():
            end = period + timedelta(days=s["every_days"])
            steps = step_dates(period, end, step)
            last_input = steps[-1] + timedelta(days=half) - timedelta(days=1)
            clock = now.date() > last_input + timedelta(days=settings.delay_days)
            for t in targets:
                arrived = all(
                    marks.get((sensor, tile), date.min) >= last_input
                    for sensor in s["sensors"] for tile in t.tiles
                )  # fmt: skip
                if not (arrived or clock):
                    continue
                previous = await pool.fetchval(
                    """SELECT job_id FROM canopy.schedule_runs
                       WHERE schedule_id = $1 AND target = $2 AND period_start = $3""",
                    s["id"], t.name, period - timedelta(days=s["every_days"]),
                )  # fmt: skip
                chained = {"prior_job": previous} if previous else {}
                conf = make_conf(
                    f"sched{s['id']}-{t.name}-{period:%Y%m%d}", t.type, t.geom,
                    period - timedelta(days=spin), end, tuple(s["sensors"]),
                    interval=s["interval"], window=s["window"], basedir=settings.basedir,
                    dates=[d.isoformat() for d in steps], schedule=s["id"], keep_state=True,
                    period_dates=[d.isoformat() for d in steps],
                    **chained, **t.extra,
                )  # fmt: skip
                reason = "arrivals" if arrived else "clock"
                job = await _enqueue_once(pool, s, t.name, period, conf, reason)
                if job:
                    out.append(Enqueued(s["id"], t.name, period, job, reason))
            period = end
    return out


async def _enqueue_once(
    pool: asyncpg.Pool, s: dict, target: str, period: date, conf: dict, reason: str
) -> str | None:
    """Record the period and create its job in one transaction; None when already recorded.

    A concurrent trigger blocks on the primary key until this commits, then inserts nothing.
    """
    job_id = new_job_id()
    store = JobStore(pool)
    async with pool.acquire() as conn, conn.transaction():
        inserted = await conn.fetchval(
            """INSERT INTO canopy.schedule_runs (schedule_id, target, period_start, job_id, reason)
               VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING job_id""",
            s["id"], target, period, job_id, reason,
        )  # fmt: skip
        if inserted is None:
            return None
        # the job is created on another connection: a failure rolls the period back
        await store.create(
            s["owner"], graph(conf), title=conf["name"], type_=conf["type"], conf=conf,
            job_id=job_id,
        )  # fmt: skip
    await store.queue(job_id, None)
    return job_id
