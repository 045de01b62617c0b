"""A site task end to end (generate → site worker → outputs) and the restart of its failed dates,
whose results then show every date once."""

from __future__ import annotations

import shutil

import numpy as np
import xarray as xr

from backend.tasks import ops
from backend.tasks.generate import generate_sites
from stac import catalog
from tests.conftest import wait_for
from tests.tasks.test_killed_task import result_items


def _final(jobs, job_id):
    return wait_for(
        lambda: (
            (r := jobs.get(job_id, None))["status"] in ("SUCCESS", "INCOMPLETE", "FAILURE") and r
        ),
        timeout=120,
        what="the site task",
    )


def test_incomplete_site_task_restarts_only_its_failed_dates(
    db,
    jobs,
    site_set,
    system,
    start_worker,
    stac_settings,
    job_settings,
    tmp_path,
    ops_api,
    pgstac_dsn,
    monkeypatch,
):
    # published once it succeeds: not after the INCOMPLETE run, after the restart
    monkeypatch.setenv("CANOPY_TASKS_PUBLISH", "true")
    monkeypatch.setenv("CANOPY_PUBLISH_ROOT", str(tmp_path / "published"))
    broken = next(p for p in site_set.products if "20190609" in p.name)
    good = tmp_path / "good.nc"
    shutil.copy(broken, good)
    broken.write_bytes(b"not a netCDF file")  # the windows of 06-05 and 06-10 read it
    (job_id,) = db(generate_sites, [2019], ["T-1"], ("probav",)).created
    start_worker(job_type="site")
    done = _final(jobs, job_id)
    logs = jobs.logs(job_id, system, None, "debug", 500)
    assert done["status"] == "INCOMPLETE", [e["message"] for e in logs][-5:]
    assert done["progress"] == 100
    assert not any("published" in e["message"].lower() for e in logs)
    outcomes = done["outcomes"]
    assert len(outcomes) == 73  # every 5 days of 2019
    failed = sorted(d for d, o in outcomes.items() if o != "ok")
    assert failed == ["2019-06-05", "2019-06-10"]
    (first,) = done["result"]["files"]
    with xr.open_dataset(first["href"]) as ds:
        assert ds.sizes["t"] == 73 and ds.sizes["y"] == ds.sizes["x"] == 3
        assert np.isnan(ds["LAI"].sel(t="2019-06-10").values).all()
        expected_0615 = ds["LAI"].sel(t="2019-06-15").values.copy()

    shutil.copy(good, broken)  # the product is repaired; only the failed dates run again
    jobs_dir = job_settings.jobs_dir(stac_settings.home)
    (restarted,) = db(ops.restart_tasks, [job_id], jobs_dir)
    assert restarted.queued and restarted.dates == ("2019-06-05", "2019-06-10")
    again = _final(jobs, job_id)
    assert again["status"] == "SUCCESS"
    assert again["outcomes"] == {"2019-06-05": "ok", "2019-06-10": "ok"}
    (vp,) = [
        n for n in again["process"]["process_graph"].values() if n["process_id"] != "save_result"
    ]
    assert vp["arguments"]["dates"] == failed
    merged = ops.merged_outcomes(again)
    assert len(merged) == 73 and set(merged.values()) == {"ok"}
    # the results show every date once: the first run's, with the restart's two replacing theirs
    (second,) = again["result"]["files"]
    with xr.open_dataset(second["href"]) as ds:
        days = [str(t)[:10] for t in ds["t"].values]
        assert len(days) == 73 == len(set(days)) and days == sorted(merged)
        assert np.isfinite(ds["LAI"].sel(t=failed).values).mean() > 0.8
        np.testing.assert_array_equal(ds["LAI"].sel(t="2019-06-15").values, expected_0615)
        assert ds.attrs["failed_dates"] == "" and ds["crs"].dims == ()  # grid mapping kept
        assert ds["LAI"].attrs.get("grid_mapping") == "crs"
    assert ops_api(f"/jobs/{job_id}")["canopy:outcomes"] == merged
    results = ops_api(f"/jobs/{job_id}/results")
    assert list(results["assets"]) == ["openEO.nc"]
    assert [t[:10] for t in results["extent"]["temporal"]["interval"][0]] == [
        "2019-01-01", "2019-12-27",
    ]  # fmt: skip
    (item_id,) = wait_for(lambda: result_items(pgstac_dsn), what="the catalogue")
    item = ops_api(f"/jobs/{job_id}/results/items/openEO.nc")
    assert item_id == f"{job_id}-openEO.nc"
    assert item["properties"]["start_datetime"].startswith("2019-01-01")
    assert item["properties"]["end_datetime"].startswith("2019-12-27")
    # the first run's file is kept aside as it was
    kept = jobs_dir / job_id / "runs" / "1"
    assert [p.suffix for p in kept.iterdir()] == [".nc"]
    with xr.open_dataset(next(kept.iterdir())) as ds:
        assert np.isnan(ds["LAI"].sel(t="2019-06-10").values).all()
    shown = db(ops.show_task, job_id)
    assert shown["conf"]["kept_outcomes"] and shown["last_error"] is None

    # the site-year product: every date of both runs, registered in the sites collection
    wait_for(
        lambda: any("published" in e["message"].lower()
                    for e in jobs.logs(job_id, system, None, "info", 500)),
        timeout=60, what="the publication",
    )  # fmt: skip
    found = catalog.search(pgstac_dsn, {"collections": ["vp-lai-fapar-sites"], "limit": 10})
    name = "ESACCI-VEGETATION-L3S-VP_PRODUCTS-MERGED-site_T-1_T-1-2019-fv1.0"
    assert [f["id"] for f in found["features"]] == [name]
    (product,) = (tmp_path / "published").rglob("*.nc")
    assert product.name == f"{name}.nc"
    with xr.open_dataset(product) as ds:
        assert ds.sizes["time"] == 73 and np.isfinite(ds["LAI"].sel(time="2019-06-10")).any()
