"""Schedules: a double trigger enqueues once; arrivals make a period due before the clock."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

from backend.tasks.schedules import add_schedule, enqueue_due, fold_arrivals
from backend.tasks.store import select_tasks


def _arrive(db, tile: str, day: str, collection: str = "probav") -> None:
    async def insert(pool):
        await pool.execute(
            """INSERT INTO canopy.arrivals (collection, item_id, event, href, tile, datetime)
               VALUES ($1, $2, 'created', 'file:///x.nc', $3, $4)""",
            collection, f"{collection}-{tile}-{day}", tile, datetime.fromisoformat(day + "T00:00Z"),
        )  # fmt: skip

    db.loop.run_until_complete(insert(db.pool))


def test_a_schedule_fired_twice_enqueues_once(db, system):
    sid = db(add_schedule, system, "tiles", ["X18Y02"], "5D", ("probav",), anchor=date(2019, 6, 1))
    now = datetime(2019, 6, 16, tzinfo=UTC)  # 06-01, 06-06 past their window + 3 days

    async def twice(pool):
        return await asyncio.gather(enqueue_due(pool, now), enqueue_due(pool, now))

    a, b = db.loop.run_until_complete(twice(db.pool))
    fired = sorted(e.period_start for e in a + b)
    assert fired == [date(2019, 6, 1), date(2019, 6, 6)]
    assert db(enqueue_due, now) == []
    rows = db(select_tasks, type_="tile")
    assert sorted(r["conf"]["name"] for r in rows) == [
        f"sched{sid}-X18Y02-20190601", f"sched{sid}-X18Y02-20190606",
    ]  # fmt: skip
    conf = next(r["conf"] for r in rows if r["conf"]["name"].endswith("0606"))
    # spin-up: the chain starts 30 days early, only the period's date is produced
    assert (conf["start"], conf["end"], conf["dates"]) == (
        "2019-05-07",
        "2019-06-11",
        ["2019-06-06"],
    )
    assert all(r["status"] == "PENDING" and r["owner"] == system for r in rows)


def test_arrivals_make_a_period_due_without_the_clock(db, system):
    db(add_schedule, system, "tiles", ["X18Y02"], "5D", ("probav", "vgt2"), anchor=date(2019, 6, 1))
    now = datetime(2019, 6, 6, 12, tzinfo=UTC)  # by the clock 06-01 is due only after 06-08
    assert db(enqueue_due, now) == []
    _arrive(db, "X18Y02", "2019-06-05")  # the last input day of 06-01's window, one sensor
    _arrive(db, "X19Y02", "2019-06-05", "vgt2")  # another tile: no use
    assert db(fold_arrivals) == 2 and db(fold_arrivals) == 0
    assert db(enqueue_due, now) == []  # vgt2 has not arrived on X18Y02
    _arrive(db, "X18Y02", "2019-06-05", "vgt2")
    db(fold_arrivals)
    (e,) = db(enqueue_due, now)
    assert (e.period_start, e.reason) == (date(2019, 6, 1), "arrivals")
    assert db(enqueue_due, now) == []


def test_a_subscription_enqueues_its_owners_jobs(db, system):
    bbox = (5.0, 50.0, 5.2, 50.1)
    db(add_schedule, "alice", "aoi", ["my-field"], "10D", ("probav",), anchor=date(2019, 6, 1),
       bbox=bbox)  # fmt: skip
    fired = db(enqueue_due, datetime(2019, 6, 20, tzinfo=UTC))
    assert [e.target for e in fired] == ["my-field"]
    (row,) = db(select_tasks, type_="adhoc")
    assert row["owner"] == "alice" and row["conf"]["geom"]["west"] == 5.0
    assert row["conf"]["dates"] == ["2019-06-01", "2019-06-06"]
