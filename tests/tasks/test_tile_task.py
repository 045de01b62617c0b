"""A tile task end to end: `canopy tasks tiles` → a `tile` pool worker on Dask → outputs, API."""

from __future__ import annotations

import time

import numpy as np
import xarray as xr

from backend.tasks.generate import generate_sites
from backend.tasks.store import select_tasks
from ingest.sites import store_sites
from stac import catalog
from tests.conftest import wait_for
from tests.production.conftest import COL0, ROW0
from tests.tasks.conftest import site_at
from tests.tasks.test_cli import canopy
from tests.tasks.test_killed_task import result_items


def test_tile_task_runs_through_the_tile_pool(
    db, pgstac_dsn, catalogue, system, start_worker, dask_client, ops_api, monkeypatch, tmp_path
):
    # the simulated products cover 16×16 px of X18Y02: the tile's output grid is theirs
    monkeypatch.setenv("CANOPY_PRODUCTION_CHUNK_SIZE", "8")  # 4 chunks on the cluster
    monkeypatch.setenv("CANOPY_TASKS_PUBLISH", "true")  # repackaged and published on success
    monkeypatch.setenv("CANOPY_PUBLISH_ROOT", str(tmp_path / "published"))
    made = canopy(
        pgstac_dsn, "tasks", "tiles", "--tiles", "X18Y02", "--start", "2019-06-08",
        "--end", "2019-06-18", "--sensors", "probav,vgt2",
    )  # fmt: skip
    assert made.exit_code == 0 and "1 task(s) created" in made.output, made.output
    (task,) = db(select_tasks, type_="tile")
    job_id = task["id"]
    assert ops_api(f"/jobs/{job_id}")["status"] == "queued"
    store_sites(pgstac_dsn, [site_at("S-1", ROW0 + 4, COL0 + 4)])
    (site_job,) = db(generate_sites, [2019], ["S-1"], ("probav",)).created

    start_worker(job_type="tile", client=dask_client, name="tiler")
    seen: list[tuple[str, float]] = []
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        doc = ops_api(f"/jobs/{job_id}")
        seen.append((doc["status"], doc.get("progress", 0.0)))
        if doc["status"] in ("finished", "error"):
            break
        time.sleep(0.1)
    assert doc["status"] == "finished", ops_api(f"/jobs/{job_id}/logs")["logs"][-5:]
    assert doc["canopy:status"] == "SUCCESS" and doc["progress"] == 100
    assert doc["canopy:outcomes"] == {"2019-06-08": "ok", "2019-06-13": "ok"}
    running = [p for s, p in seen if s == "running"]
    assert running and any(0 < p < 100 for p in running), seen  # progress while it ran
    assert [p for s, p in seen if s == "running"] == sorted(running)  # never backwards

    # outputs on disk and in the results, and the site task left to the site pool
    results = ops_api(f"/jobs/{job_id}/results")
    assert list(results["assets"]) == ["openEO.nc"]
    start, end = results["extent"]["temporal"]["interval"][0]
    assert start.startswith("2019-06-08") and end.startswith("2019-06-13")
    local = results["assets"]["openEO.nc"]["alternate"]["local"]["href"]
    with xr.open_dataset(local) as ds:
        assert ds.sizes["t"] == 2 and ds.sizes["y"] == ds.sizes["x"] == 16
        assert float(np.isfinite(ds["LAI"]).mean()) > 0.8
    item = ops_api(f"/jobs/{job_id}/results/items/openEO.nc")
    assert item["properties"]["openeo:job_id"] == job_id
    assert wait_for(lambda: result_items(pgstac_dsn), what="the catalogue") == [
        f"{job_id}-openEO.nc"
    ]
    row = db(select_tasks, ids=[job_id])[0]
    assert row["attempts"] == 1
    assert db(select_tasks, ids=[site_job])[0]["status"] == "PENDING"
    logs = [e["message"] for e in ops_api(f"/jobs/{job_id}/logs?limit=100")["logs"]]
    assert any("started by worker tiler" in m for m in logs)
    assert "Date 2019-06-13 produced." in logs

    # published as CCI tile-date products, registered in the output collection
    names = [f"ESACCI-VEGETATION-L3S-VP_PRODUCTS-MERGED-tile_X18Y02-201906{d}-fv1.0" for d in
             ("08", "13")]  # fmt: skip
    published = wait_for(
        lambda: next((e for e in ops_api(f"/jobs/{job_id}/logs?limit=100")["logs"]
                      if "published" in e["message"].lower()), None),
        timeout=60, what="the publication",
    )  # fmt: skip
    assert published["level"] == "info", published
    found = catalog.search(pgstac_dsn, {"collections": ["vp-lai-fapar-tiles"], "limit": 10})
    items = {f["id"]: f for f in found["features"]}
    assert sorted(items) == names, published
    files = sorted(p.name for p in (tmp_path / "published").rglob("*.nc"))
    assert files == [f"{n}.nc" for n in names]
    links = items[names[1]]["links"]
    assert any(lk["rel"] == "derived_from" for lk in links)
    assert any(lk["rel"] == "related" and lk["href"].endswith(f"/jobs/{job_id}") for lk in links)
