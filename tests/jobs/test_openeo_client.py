"""The unmodified openEO Python client against the live back-end with a real worker and Dask."""

from __future__ import annotations

import httpx
import numpy as np
import openeo
import pytest
import rioxarray  # noqa: F401 - registers the rio accessor used to read the GeoTIFF
import xarray as xr
from openeo.rest import OpenEoApiError

from stac.demo import S2_ID, load_demo
from tests.jobs.conftest import wait_for

BBOX_32632 = {"west": 679720, "south": 5151080, "east": 680680, "north": 5151920, "crs": 32632}
JUNE = ["2022-06-01", "2022-07-01"]


@pytest.fixture
def backend(live_server, stac_settings, users):
    """Live API with the demo collections; returns (url, users)."""
    load_demo(stac_settings.dsn, stac_settings.home / "data")
    return live_server.url + "/openeo/1.2/", users


def connect(url: str, user: str, password: str) -> openeo.Connection:
    return openeo.connect(url).authenticate_basic(user, password)


def ndvi_mean(con: openeo.Connection):
    cube = con.load_collection(
        S2_ID, spatial_extent=BBOX_32632, temporal_extent=JUNE, bands=["B04", "B08"]
    )
    return cube.ndvi(nir="B08", red="B04").reduce_dimension(dimension="t", reducer="mean")


def expected_ndvi_mean(stac_settings) -> np.ndarray:
    """The same quantity computed straight from the demo COGs."""
    import glob

    reds, nirs = [], []
    for f in sorted(
        glob.glob(str(stac_settings.home / "data" / "**" / "*B04*.tif"), recursive=True)
    ):
        red = xr.open_dataarray(f, engine="rasterio").squeeze().astype(float)
        nir = xr.open_dataarray(f.replace("B04", "B08"), engine="rasterio").squeeze().astype(float)
        reds.append(red.values)
        nirs.append(nir.values)
    red, nir = np.array(reds), np.array(nirs)
    # pixel centres inside the box: the demo grid starts at (679000, 5152500) with 10 m pixels
    rows, cols = slice(58, 142), slice(72, 168)
    return np.nanmean((nir - red) / (nir + red), axis=0)[rows, cols]


def test_batch_job_sync_download_and_logs(
    backend, start_worker, dask_client, stac_settings, tmp_path
):
    url, users = backend
    con = connect(url, "alice", users["alice"])
    start_worker(client=dask_client)
    cube = ndvi_mean(con)

    job = cube.execute_batch(outputfile=tmp_path / "batch.nc", out_format="netCDF", title="ndvi")
    assert job.status() == "finished"
    batch = xr.open_dataset(tmp_path / "batch.nc")
    var = next(v for v in batch.data_vars if batch[v].ndim == 2)
    values = batch[var].values
    assert np.isfinite(values).mean() > 0.9 and -1 <= np.nanmin(values) <= np.nanmax(values) <= 1

    expected = expected_ndvi_mean(stac_settings)
    assert values.shape == expected.shape
    np.testing.assert_allclose(np.sort(values.ravel()), np.sort(expected.ravel()), atol=1e-5)

    logs = job.logs()
    messages = [entry["message"] for entry in logs]
    assert not [e for e in logs if e["level"] in ("warning", "error")], logs
    assert "Job created." in messages and any(m.startswith("Finished") for m in messages)
    assert job.describe()["progress"] == 100

    results = job.get_results()
    meta = results.get_metadata()
    assert meta["type"] == "Collection" and meta["assets"]
    (asset,) = meta["assets"].values()
    head = httpx.head(asset["href"])  # signed: no token needed
    size = int(head.headers["content-length"])
    assert head.status_code == 200 and head.headers["accept-ranges"] == "bytes" and size > 0
    part = httpx.get(asset["href"], headers={"Range": "bytes=0-3"})
    assert part.status_code == 206 and part.content == b"\x89HDF"
    tampered = asset["href"].replace("signature=", "signature=0")
    assert httpx.get(tampered).json()["code"] == "PermissionsInsufficient"
    item_link = next(link for link in meta["links"] if link["rel"] == "item")
    item = con.get(item_link["href"].split("/openeo/1.2")[1]).json()
    assert item["properties"]["processing:expression"]["format"] == "openeo"

    cube.download(tmp_path / "sync.tif", format="GTiff")
    sync = xr.open_dataarray(tmp_path / "sync.tif", engine="rasterio").squeeze()
    np.testing.assert_allclose(np.sort(sync.values.ravel()), np.sort(values.ravel()), atol=1e-5)


def test_a_second_user_cannot_see_the_first_users_job(backend):
    url, users = backend
    alice = connect(url, "alice", users["alice"])
    bob = connect(url, "bob", users["bob"])
    job = ndvi_mean(alice).create_job(title="private")
    assert job.job_id in [j["id"] for j in alice.list_jobs()]
    assert job.job_id not in [j["id"] for j in bob.list_jobs()]
    for call in (lambda: bob.job(job.job_id).status(), lambda: bob.job(job.job_id).logs()):
        with pytest.raises(OpenEoApiError) as info:
            call()
        assert info.value.http_status_code == 404 and info.value.code == "JobNotFound"
    with pytest.raises(OpenEoApiError):
        bob.job(job.job_id).delete()
    assert alice.job(job.job_id).status() == "created"


def test_cancel_a_queued_job(backend):
    url, users = backend
    con = connect(url, "alice", users["alice"])
    job = ndvi_mean(con).create_job()
    job.start()
    assert job.status() == "queued"
    job.stop()
    wait_for(lambda: job.status() == "canceled", timeout=10, what="canceled")


def test_user_defined_process_round_trip(backend, start_worker, dask_client, tmp_path):
    url, users = backend
    con = connect(url, "alice", users["alice"])
    from openeo.api.process import Parameter

    x = Parameter.number("x", description="a number")
    udp = con.save_user_defined_process(
        "plus_ten",
        {
            "add": {
                "process_id": "add",
                "arguments": {"x": {"from_parameter": "x"}, "y": 10},
                "result": True,
            }
        },
        parameters=[x],
    )
    assert "plus_ten" in [p["id"] for p in con.list_user_defined_processes()]
    assert (
        con.execute({"p": {"process_id": "plus_ten", "arguments": {"x": 5}, "result": True}}) == 15
    )
    udp.delete()
    assert "plus_ten" not in [p["id"] for p in con.list_user_defined_processes()]


def test_estimate_counts_what_the_graph_loads(backend):
    url, users = backend
    con = connect(url, "alice", users["alice"])
    job = ndvi_mean(con).create_job()
    est = job.estimate()
    assert est["duration"].startswith("PT") and est["costs"] == 0
    # 2 bands × dates × pixels of the Bolzano box (96 × 84 px at 10 m)
    assert est["canopy:loaded_values"] % (2 * 96 * 84) == 0 and est["canopy:loaded_values"] > 0
