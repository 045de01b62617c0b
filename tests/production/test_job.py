"""vp_lai_fapar as a batch job: a worker runs it on Dask, per-date outcomes, estimate."""

from __future__ import annotations

import xarray as xr

from backend.execution import plan
from backend.jobs.estimate import estimate
from tests.conftest import wait_for
from tests.production.conftest import roi


def production_graph() -> dict:
    return {
        "process_graph": {
            "vp": {
                "process_id": "vp_lai_fapar",
                "arguments": {
                    "geometry": roi(),
                    "start": "2019-06-08",
                    "end": "2019-06-18",
                    "sensors": ["probav", "vgt2"],
                    "mode": "tile",
                    "chunk_size": 8,
                },
            },
            "save": {
                "process_id": "save_result",
                "arguments": {"data": {"from_node": "vp"}, "format": "netCDF"},
                "result": True,
            },
        }
    }


def test_vp_lai_fapar_batch_job(catalogue, pgstac_dsn, jobs, start_worker, dask_client):
    planned = plan(production_graph(), owner="alice", dsn=pgstac_dsn)
    assert planned.retrieval_pixel_dates == 2 * 16 * 16
    assert estimate(planned)["canopy:retrieval_pixel_dates"] == 512

    row = jobs.create("alice", production_graph(), type_="adhoc")
    jobs.queue(row["id"], "alice")
    start_worker(client=dask_client)
    done = wait_for(
        lambda: (
            (r := jobs.get(row["id"], "alice"))["status"] in ("SUCCESS", "INCOMPLETE", "FAILURE")
            and r
        ),
        timeout=240,
        what="the production job",
    )
    logs = jobs.logs(row["id"], "alice", None, "debug", 100)
    assert done["status"] == "SUCCESS", logs
    assert done["outcomes"] == {"2019-06-08": "ok", "2019-06-13": "ok"}
    (file,) = done["result"]["files"]
    with xr.open_dataset(file["href"]) as ds:
        assert {"LAI", "fAPAR", "LAI_unc", "quality_flag"} <= set(ds.data_vars)
        assert ds.sizes["t"] == 2 and float(ds["LAI"].notnull().mean()) > 0.8
    assert any(e["message"] == "Date 2019-06-13 produced." for e in logs)
