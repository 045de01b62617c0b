"""Scheduled periods carry the posterior: chained periods equal one run over both periods."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import xarray as xr
from typer.testing import CliRunner

from backend.cli import app
from backend.jobs.runner import STATE_FILE
from backend.tasks.schedules import add_schedule, enqueue_due
from backend.tasks.settings import TaskSettings
from processes.production import run_production
from stac.cube_catalogue import PgstacCubeCatalogue
from tests.conftest import wait_for

BANDS = ("LAI", "LAI_unc", "fAPAR", "fAPAR_unc", "LAI_fAPAR_corr", "quality_flag", "n_obs")


def _final(jobs, job_id):
    return wait_for(
        lambda: (
            (r := jobs.get(job_id, None))["status"] in ("SUCCESS", "INCOMPLETE", "FAILURE") and r
        ),
        timeout=120,
        what=f"job {job_id}",
    )


def _values(path, days: list[str]) -> np.ndarray:
    with xr.open_dataset(path) as ds:
        assert [str(t)[:10] for t in ds["t"].values] == days
        return np.stack([ds[b].values for b in BANDS])


def test_a_period_starts_from_the_previous_periods_posterior(
    db, jobs, site_set, system, start_worker, stac_settings, job_settings, pgstac_dsn
):
    # a 5-day spin-up: without the carried posterior the second period would start afresh
    settings = TaskSettings(spinup_days=5)
    db(add_schedule, system, "sites", ["T-1"], "10D", ("probav",), anchor=date(2019, 6, 1),
       settings=settings)  # fmt: skip
    first, second = db(enqueue_due, datetime(2019, 6, 25, tzinfo=UTC), settings)
    assert (first.period_start, second.period_start) == (date(2019, 6, 1), date(2019, 6, 11))
    conf2 = jobs.get(second.job_id, None)["conf"]
    assert conf2["prior_job"] == first.job_id and conf2["start"] == "2019-06-06"

    start_worker(job_type="site")
    one, two = _final(jobs, first.job_id), _final(jobs, second.job_id)
    assert one["status"] == two["status"] == "SUCCESS"
    assert two["started_at"] >= one["finished_at"]  # claimed once its predecessor ended
    jobs_dir = job_settings.jobs_dir(stac_settings.home)
    assert (jobs_dir / first.job_id / STATE_FILE).is_file()
    notes = [e["message"] for e in jobs.logs(second.job_id, system, None, "info", 200)]
    assert "Prior: starting from the posterior of 2019-06-06 (spin-up of 1 step(s) skipped)." in (
        notes
    )

    # the same pixels in one run over both periods
    geom = conf2["geom"]
    cube, _ = run_production(
        PgstacCubeCatalogue(pgstac_dsn), geom, "2019-06-01", "2019-06-21",
        sensors=["probav"], mode="site",
    )  # fmt: skip
    whole = np.stack([cube.sel(bands=b).values for b in BANDS])
    p1 = _values(one["result"]["files"][0]["href"], ["2019-06-01", "2019-06-06"])
    p2 = _values(two["result"]["files"][0]["href"], ["2019-06-11", "2019-06-16"])
    chained = np.concatenate([p1, p2], axis=1)
    assert np.isfinite(whole[0, 2]).all()  # 06-11 has observations everywhere
    np.testing.assert_allclose(chained, whole, rtol=1e-6, equal_nan=True)

    # without the previous period's posterior the job falls back to its spin-up; restarted
    # from the command line (--set, --wait) against the live worker
    (jobs_dir / first.job_id / STATE_FILE).unlink()
    (jobs_dir / second.job_id / STATE_FILE).unlink()
    env = {"CANOPY_DATABASE_URL": pgstac_dsn, "CANOPY_HOME": str(stac_settings.home)}
    done = CliRunner().invoke(
        app, ["tasks", "restart", second.job_id, "--set", "keep_state=false", "--wait"], env=env
    )
    assert done.exit_code == 0, done.output
    assert "queued (dates 2019-06-11, 2019-06-16)" in done.output and "SUCCESS" in done.output
    again = jobs.get(second.job_id, None)
    assert again["status"] == "SUCCESS" and again["conf"]["keep_state"] is False
    assert not (jobs_dir / second.job_id / STATE_FILE).exists()
    notes = [e["message"] for e in jobs.logs(second.job_id, system, None, "info", 400)]
    assert any("no usable prior state" in m for m in notes)
    spun = _values(again["result"]["files"][0]["href"], ["2019-06-11", "2019-06-16"])
    assert not np.allclose(spun[0, 0], whole[0, 2], rtol=1e-3)  # LAI of 06-11 differs
