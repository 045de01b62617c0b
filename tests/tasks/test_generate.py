"""Generators: one task per site-year / tile-period, owned by the system user, idempotent."""

from __future__ import annotations

from datetime import date

import pytest

from backend.tasks.generate import generate_sites, generate_tiles
from backend.tasks.store import TaskError, select_tasks
from ingest.sites import store_sites
from tests.tasks.conftest import site_at


def test_site_tasks_are_generated_once(db, pgstac_dsn, system):
    store_sites(pgstac_dsn, [site_at("A-1", 100, 100, (2019, 2020)), site_at("B-2", 200, 200)])
    first = db(generate_sites, [2019, 2020], sensors=("probav",))
    assert len(first.created) == 3 and first.skipped == ["B-2 2020: not one of its years [2019]"]
    again = db(generate_sites, [2019, 2020], sensors=("probav",))
    assert again.created == [] and sorted(again.existing) == sorted(first.created)
    rows = db(select_tasks, type_="site")
    assert [r["conf"]["name"] for r in rows] == ["site-A-1-2019", "site-A-1-2020", "site-B-2-2019"]
    row = rows[0]
    assert row["owner"] == system and row["status"] == "PENDING"
    conf = row["conf"]
    assert (conf["start"], conf["end"], conf["interval"], conf["window"]) == (
        "2019-01-01", "2020-01-01", "5D", "10D",
    )  # fmt: skip
    assert conf["sensors"] == ["probav"] and conf["site"] == "A-1" and conf["basedir"]
    w, s, e, n = (conf["geom"][k] for k in ("west", "south", "east", "north"))
    assert 0 < e - w < 0.03 and 0 < n - s < 0.03  # the 3×3 px footprint


def test_tile_tasks_and_their_graph(db, system):
    out = db(generate_tiles, ["X18Y02", "X19Y02"], date(2019, 6, 1), date(2019, 7, 1))
    assert len(out.created) == 2
    assert db(generate_tiles, ["X18Y02"], date(2019, 6, 1), date(2019, 7, 1)).existing == [
        out.created[0]
    ]
    (row,) = db(select_tasks, name_like="tile-X18Y02-%")
    vp = list(row_process(db, row["id"])["process_graph"].values())
    assert vp[0]["process_id"] == "vp_lai_fapar" and vp[0]["arguments"]["mode"] == "tile"
    assert vp[0]["arguments"]["geometry"]["west"] == pytest.approx(-0.00446, abs=1e-4)
    assert vp[1]["arguments"] == {"data": {"from_node": "vp"}, "format": "netCDF"}


def row_process(db, job_id):
    from backend.jobs.store import JobStore

    async def get(pool):
        return (await JobStore(pool).get(job_id, None))["process"]

    return db.loop.run_until_complete(get(db.pool))


def test_generators_need_a_system_user_and_known_sites(db, pgstac_dsn):
    with pytest.raises(TaskError, match="system user"):
        db(generate_tiles, ["X18Y02"], date(2019, 6, 1), date(2019, 7, 1))
    with pytest.raises(TaskError, match="XhhYvv"):
        db(generate_tiles, ["nowhere"], date(2019, 6, 1), date(2019, 7, 1))
    with pytest.raises(TaskError, match="Z-9"):
        db(generate_sites, [2019], ["Z-9"])
