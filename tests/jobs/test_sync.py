"""POST /result: files, JSON, and the size and time limits that send users to batch jobs."""

from __future__ import annotations

import io

import pytest
import xarray as xr

from backend.jobs.settings import JobSettings
from stac.demo import S2_ID, load_demo


def graph(fmt: str | None = "netCDF") -> dict:
    nodes = {
        "load": {
            "process_id": "load_collection",
            "arguments": {
                "id": S2_ID,
                "spatial_extent": None,
                "temporal_extent": None,
                "bands": ["B04", "B08"],
            },
        },
        "ndvi": {
            "process_id": "ndvi",
            "arguments": {"data": {"from_node": "load"}, "nir": "B08", "red": "B04"},
        },
    }
    if fmt:
        nodes["save"] = {
            "process_id": "save_result",
            "arguments": {"data": {"from_node": "ndvi"}, "format": fmt},
            "result": True,
        }
    else:
        nodes["ndvi"]["result"] = True
    return {"process": {"process_graph": nodes}}


@pytest.fixture
def demo(client, stac_settings):
    load_demo(stac_settings.dsn, stac_settings.home / "data")
    return client


def limits(app, **kw) -> None:
    app.state.job_settings = JobSettings(**kw)


def test_sync_result_is_the_file(demo, app, auth_headers):
    response = demo.post("/openeo/1.2/result", json=graph(), headers=auth_headers())
    assert response.status_code == 200 and response.headers["OpenEO-Costs"] == "0"
    assert response.headers["content-type"] == "application/x-netcdf"
    ds = xr.open_dataset(io.BytesIO(response.content), engine="h5netcdf")
    assert dict(ds.sizes)["t"] == 6


def test_json_for_graphs_without_save_result(demo, auth_headers):
    body = {
        "process": {
            "process_graph": {
                "m": {"process_id": "max", "arguments": {"data": [1, 5, None]}, "result": True}
            }
        }
    }
    response = demo.post("/openeo/1.2/result", json=body, headers=auth_headers())
    assert response.status_code == 200 and response.json() == 5


def test_too_large_for_sync_says_use_a_batch_job(demo, app, auth_headers):
    limits(app, sync_max_pixels=2 * 6 * 200 * 200 - 1)  # one value short of the demo cube
    response = demo.post("/openeo/1.2/result", json=graph(), headers=auth_headers())
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "ProcessGraphComplexity" and "batch job" in body["message"]
    assert "480,000 values" in body["message"]


def test_too_slow_for_sync_stops_with_request_timeout(demo, app, auth_headers):
    limits(app, sync_timeout_s=0.0)
    response = demo.post("/openeo/1.2/result", json=graph(), headers=auth_headers())
    assert response.status_code == 408
    assert response.json()["code"] == "RequestTimeout"
    assert "batch job" in response.json()["message"]


def test_sync_needs_a_user_and_a_graph(demo, auth_headers):
    assert demo.post("/openeo/1.2/result", json=graph()).json()["code"] == "AuthenticationRequired"
    missing = demo.post("/openeo/1.2/result", json={}, headers=auth_headers())
    assert missing.status_code == 400 and missing.json()["code"] == "ProcessGraphMissing"
    unknown = {
        "process": {"process_graph": {"x": {"process_id": "nope", "arguments": {}, "result": True}}}
    }
    response = demo.post("/openeo/1.2/result", json=unknown, headers=auth_headers())
    assert response.status_code == 400 and response.json()["code"] == "ProcessUnsupported"
