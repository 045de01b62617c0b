"""Task generators: one site task per site-year, one tile task per tile and period."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import asyncpg

from backend.tasks.conf import graph, make_conf, tile_geom
from backend.tasks.settings import TaskSettings
from backend.tasks.store import TaskError, create_task, task_owner
from processes.grid import PROBAV_1KM, GridError


@dataclass
class Generated:
    """What a generator did."""

    created: list[str] = field(default_factory=list)
    """Ids of new tasks."""
    existing: list[str] = field(default_factory=list)
    """Ids of tasks that were already there (same name)."""
    skipped: list[str] = field(default_factory=list)
    """Why some requested site-years got no task."""


async def generate_sites(
    pool: asyncpg.Pool,
    years: list[int],
    sites: list[str] | None = None,
    sensors: tuple[str, ...] | None = None,
    settings: TaskSettings | None = None,
    *,
    queue: bool = True,
) -> Generated:
    """One ``site`` task per site and year of interest (``canopy.sites.years``).

    Args:
        pool: Database pool.
        years: Years to produce; a site gets a task for those among its years of interest.
        sites: Site codes (default: every site).
        sensors: Sensor collections (default: settings).
        settings: Task defaults.
        queue: Queue the new tasks (else they stay CREATED).

    Raises:
        TaskError: unknown site codes or no system user.
    """
    settings = settings or TaskSettings()
    rows = await pool.fetch(
        """SELECT code, tile, years, ST_XMin(geom) AS w, ST_YMin(geom) AS s,
                  ST_XMax(geom) AS e, ST_YMax(geom) AS n
           FROM canopy.sites WHERE ($1::text[] IS NULL OR code = ANY($1::text[])) ORDER BY code""",
        sites,
    )
    unknown = sorted(set(sites or ()) - {r["code"] for r in rows})
    if unknown:
        raise TaskError(f"unknown site(s): {', '.join(unknown)} (load them: `canopy sites load`)")
    owner = await task_owner(pool)
    out = Generated()
    for r in rows:
        for year in years:
            if year not in r["years"]:
                out.skipped.append(f"{r['code']} {year}: not one of its years {list(r['years'])}")
                continue
            conf = make_conf(
                f"site-{r['code']}-{year}", "site",
                {"west": r["w"], "south": r["s"], "east": r["e"], "north": r["n"]},
                date(year, 1, 1), date(year + 1, 1, 1), sensors or settings.sensors,
                interval=settings.interval, window=settings.window, basedir=settings.basedir,
                site=r["code"], tile=r["tile"], publish=settings.publish,
            )  # fmt: skip
            job_id, created = await create_task(pool, owner, conf, graph(conf), queue=queue)
            (out.created if created else out.existing).append(job_id)
    return out


async def generate_tiles(
    pool: asyncpg.Pool,
    tiles: list[str],
    start: date,
    end: date,
    sensors: tuple[str, ...] | None = None,
    settings: TaskSettings | None = None,
    *,
    queue: bool = True,
) -> Generated:
    """One ``tile`` task per tile for ``[start, end)``.

    Raises:
        TaskError: a malformed tile name, ``end`` not after ``start``, or no system user.
    """
    settings = settings or TaskSettings()
    if end <= start:
        raise TaskError("--end must be after --start")
    for tile in tiles:
        try:
            PROBAV_1KM.parse_tile(tile)
        except GridError as e:
            raise TaskError(str(e)) from e
    owner = await task_owner(pool)
    out = Generated()
    for tile in tiles:
        conf = make_conf(
            f"tile-{tile}-{start:%Y%m%d}-{end:%Y%m%d}", "tile", tile_geom(tile), start, end,
            sensors or settings.sensors, interval=settings.interval, window=settings.window,
            basedir=settings.basedir, tile=tile, publish=settings.publish,
        )  # fmt: skip
        job_id, created = await create_task(pool, owner, conf, graph(conf), queue=queue)
        (out.created if created else out.existing).append(job_id)
    return out
