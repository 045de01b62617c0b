"""A site task end to end (generate → site worker → outputs) and the restart of its failed dates."""

from __future__ import annotations

import shutil

import numpy as np
import xarray as xr

from backend.tasks import ops
from backend.tasks.generate import generate_sites
from tests.conftest import wait_for


def _final(jobs, job_id):
    return wait_for(
        lambda: (
            (r := jobs.get(job_id, None))["status"] in ("SUCCESS", "INCOMPLETE", "FAILURE") and r
        ),
        timeout=120,
        what="the site task",
    )


def test_incomplete_site_task_restarts_only_its_failed_dates(
    db, jobs, site_set, system, start_worker, stac_settings, job_settings, tmp_path
):
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
    (second,) = again["result"]["files"]
    with xr.open_dataset(second["href"]) as ds:
        assert [str(t)[:10] for t in ds["t"].values] == failed
        assert np.isfinite(ds["LAI"].values).mean() > 0.8
    # the first run's file is kept beside the new one, not overwritten
    kept = jobs_dir / job_id / "runs" / "1"
    assert [p.suffix for p in kept.iterdir()] == [".nc"]
    with xr.open_dataset(next(kept.iterdir())) as ds:
        np.testing.assert_array_equal(ds["LAI"].sel(t="2019-06-15").values, expected_0615)
    shown = db(ops.show_task, job_id)
    assert shown["conf"]["kept_outcomes"] and shown["last_error"] is None
