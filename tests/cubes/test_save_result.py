"""save_result: CF NetCDF, COG per time step, JSON; atomic writes; file descriptions; progress."""

from __future__ import annotations

import hashlib
import json

import dask
import numpy as np
import pytest
import rasterio
import xarray as xr
from compliance_checker.runner import CheckSuite, ComplianceChecker
from distributed import Client, as_completed, futures_of
from rasterio.warp import transform_bounds

from processes.cubes import describe_asset, make_load_collection, make_save_result
from processes.cubes import gtiff as gtiff_module
from processes.exceptions import FormatUnsupported, ProcessParameterInvalid, StorageFailure
from tests.cubes.helpers import ComputeCounter

S2 = "SENTINEL2_L2A_SYNTHETIC"
BOX = {"west": 679720, "east": 680680, "south": 5151080, "north": 5151920, "crs": 32632}
JUNE = ["2022-06-01", "2022-06-15"]


@pytest.fixture
def cube(demo) -> xr.DataArray:
    """3 dates × B04/B08 × 84×96 px of the demo S2 collection, lazy."""
    return make_load_collection(demo)(S2, BOX, JUNE, ["B04", "B08"])


def _cf_points(path, tmp_path) -> tuple[bool, int, int]:
    CheckSuite().load_all_available_checkers()
    report = tmp_path / "cf.json"
    ok, _ = ComplianceChecker.run_checker(
        str(path), ["cf:1.8"], 0, "strict", output_filename=str(report), output_format="json"
    )
    result = json.loads(report.read_text())["cf:1.8"]
    return ok, result["scored_points"], result["possible_points"]


def test_netcdf_is_cf_with_one_variable_per_band(cube, tmp_path):
    sink: list[dict] = []
    assert make_save_result(tmp_path / "out", sink)(cube, "netcdf") is True
    (path,) = sorted((tmp_path / "out").iterdir())
    assert path.name == "openEO.nc" and [d["href"] for d in sink] == [str(path)]
    ok, scored, possible = _cf_points(path, tmp_path)
    assert ok and scored == possible
    with xr.open_dataset(path) as ds:
        assert sorted(ds.data_vars) == ["B04", "B08", "crs"]
        assert ds["B04"].dims == ("t", "y", "x") and ds["B04"].attrs["grid_mapping"] == "crs"
        assert ds["B04"].encoding["zlib"] and ds["B04"].encoding["complevel"] == 4
        assert ds["crs"].attrs["grid_mapping_name"] == "transverse_mercator"
        np.testing.assert_array_equal(ds["B08"].values, cube.sel(bands="B08").values)
        np.testing.assert_array_equal(ds.t.values, cube.t.values)


def test_gtiff_writes_one_cog_per_date_with_band_names(cube, tmp_path):
    sink: list[dict] = []
    make_save_result(tmp_path, sink)(cube, "GTiff", {"compression": "lzw"})
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["openEO_2022-06-01.tif", "openEO_2022-06-06.tif", "openEO_2022-06-11.tif"]
    with rasterio.open(tmp_path / names[1]) as src:
        assert src.tags(ns="IMAGE_STRUCTURE")["LAYOUT"] == "COG"
        assert src.compression.name == "lzw" and src.descriptions == ("B04", "B08")
        assert src.crs.to_epsg() == 32632 and src.res == (10.0, 10.0)
        assert tuple(src.bounds) == (679720.0, 5151080.0, 680680.0, 5151920.0)
        np.testing.assert_array_equal(src.read(), cube.isel(t=1).values)
    assert [d["datetime"] for d in sink] == [f"2022-06-{d:02d}T10:20:00Z" for d in (1, 6, 11)]


def test_json_and_format_errors(cube, tmp_path):
    sink: list[dict] = []
    save = make_save_result(tmp_path, sink)
    save(cube.sel(bands="B04").mean(dim=["x", "y"]), "json")
    doc = json.loads((tmp_path / "openEO.json").read_text())
    assert doc["dims"] == ["t"] and len(doc["data"]) == 3
    assert doc["data"][0] == pytest.approx(float(cube.isel(t=0, bands=0).mean()), rel=1e-6)
    assert doc["coords"]["t"][0].startswith("2022-06-01T10:20:00")
    save([1.5, float("nan"), {"a": np.int64(3)}], "JSON")
    assert json.loads((tmp_path / "openEO_2.json").read_text()) == [1.5, None, {"a": 3}]
    with pytest.raises(FormatUnsupported, match="'PNG'"):
        save(cube, "PNG")
    with pytest.raises(ProcessParameterInvalid, match="unknown option"):
        save(cube, "GTiff", {"tiled": True})
    with pytest.raises(ProcessParameterInvalid, match="compression_level"):
        save(cube, "netCDF", {"compression_level": 12})
    with pytest.raises(ProcessParameterInvalid, match="without x and y"):
        save(cube.mean(dim=["x", "y"]), "GTiff")
    assert len(sink) == 2  # the refused calls wrote nothing


def test_a_failing_write_leaves_nothing_behind(cube, tmp_path, monkeypatch):
    real_open, calls = rasterio.open, []

    def flaky_open(path, mode="r", **kw):
        if mode == "w":
            calls.append(path)
            if len(calls) == 2:
                raise OSError(28, "No space left on device")
        return real_open(path, mode, **kw)

    monkeypatch.setattr(gtiff_module.rasterio, "open", flaky_open)
    sink: list[dict] = []
    with pytest.raises(StorageFailure, match="No space left"):
        make_save_result(tmp_path, sink)(cube, "GTiff")
    assert list(tmp_path.iterdir()) == [] and sink == []
    assert calls[0].name.startswith(".openEO_2022-06-01.tif.") and calls[0].suffix == ".part"


def test_describe_asset_fields(cube, tmp_path):
    sink: list[dict] = []
    save = make_save_result(tmp_path, sink)
    save(cube, "netCDF")
    save(cube.isel(t=0), "GTiff")
    assert len(sink) == 2
    expected_bbox = transform_bounds("EPSG:32632", "EPSG:4326", 679720, 5151080, 680680, 5151920)
    values = cube.values
    for desc in sink:
        path = tmp_path / desc["title"]
        assert desc == describe_asset(path)
        assert desc["file:size"] == path.stat().st_size
        assert desc["file:checksum"] == "1220" + hashlib.sha256(path.read_bytes()).hexdigest()
        np.testing.assert_allclose(desc["bbox"], expected_bbox, atol=1e-9)
        ring = desc["geometry"]["coordinates"][0]
        assert ring[0] == ring[-1] and len(ring) == 5
        assert desc["proj:code"] == "EPSG:32632" and desc["proj:epsg"] == 32632
        assert desc["proj:shape"] == [84, 96]
        assert desc["proj:transform"] == [10.0, 0.0, 679720.0, 0.0, -10.0, 5151920.0]
        assert [b["name"] for b in desc["bands"]] == ["B04", "B08"]
        assert desc["raster:bands"][1]["data_type"] == "float32"
        assert desc["raster:bands"][1]["nodata"] == "nan"
        assert "application=geotiff" in desc["type"] or desc["type"] == "application/x-netcdf"
        assert desc["roles"] == ["data"]
    nc, tif = sink
    assert (nc["datetime"], nc["start_datetime"], nc["end_datetime"]) == (
        None, "2022-06-01T10:20:00Z", "2022-06-11T10:20:00Z",
    )  # fmt: skip
    assert tif["datetime"] == "2022-06-01T10:20:00Z" and "start_datetime" not in tif
    stats = tif["bands"][1]["statistics"]
    assert stats["minimum"] == pytest.approx(float(values[0, 1].min()))
    assert stats["mean"] == pytest.approx(float(values[0, 1].mean()), rel=1e-6)
    assert stats["valid_percent"] == 100.0


def test_laziness_ends_in_save_result_with_one_compute(cube, tmp_path):
    with ComputeCounter() as counter:
        ndvi = (cube.sel(bands="B08") - cube.sel(bands="B04")) / cube.sum(dim="bands")
        assert counter.computes == 0
        make_save_result(tmp_path, [])(ndvi, "netCDF")
    assert counter.computes == 1 and counter.tasks > 0


def test_a_compute_hook_sees_progress_on_a_distributed_client(cube, tmp_path):
    progress: list[float] = []

    with Client(
        processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None
    ) as client:

        def compute(*collections):  # what the job runner's tracker does
            persisted = client.persist(list(collections))
            futures = futures_of(persisted)
            for done, _ in enumerate(as_completed(futures), start=1):
                progress.append(100 * done / len(futures))
            return dask.compute(*persisted, scheduler=client)

        make_save_result(tmp_path / "d", [], compute=compute)(cube, "netCDF")
    make_save_result(tmp_path / "l", [])(cube, "netCDF")
    assert len(progress) >= 3 and progress == sorted(progress) and progress[-1] == 100
    with (
        xr.open_dataset(tmp_path / "d" / "openEO.nc") as a,
        xr.open_dataset(tmp_path / "l" / "openEO.nc") as b,
    ):
        xr.testing.assert_identical(a.drop_attrs(), b.drop_attrs())
