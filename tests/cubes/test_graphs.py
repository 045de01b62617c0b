"""Process graphs from the openEO client, run by pg-parser + processes-dask with our processes."""

from __future__ import annotations

import numpy as np
import rasterio
import xarray as xr
from openeo.rest.datacube import DataCube
from rasterio.windows import from_bounds

from processes.cubes import make_load_collection, make_load_stac, make_save_result
from tests.cubes.helpers import ComputeCounter, registry, result_documents, run_graph

S2 = "SENTINEL2_L2A_SYNTHETIC"
BOX = {"west": 679720, "east": 680680, "south": 5151080, "north": 5151920, "crs": "EPSG:32632"}
BOUNDS = (679720, 5151080, 680680, 5151920)


def _raw(demo_dir, day: str, band: str) -> np.ndarray:
    with rasterio.open(demo_dir / S2 / f"{day}_{band}.tif") as src:
        return src.read(1, window=from_bounds(*BOUNDS, transform=src.transform)) * 1e-4


def test_ndvi_graph_computes_once_in_save_result(demo, demo_dir, tmp_path):
    sink: list[dict] = []
    reg = registry(
        load_collection=make_load_collection(demo), save_result=make_save_result(tmp_path, sink)
    )
    cube = DataCube.load_collection(
        S2, connection=None, spatial_extent=BOX, temporal_extent=["2022-06-01", "2022-06-10"],
        bands=["B04", "B08"], properties={"proj:code": lambda v: v == "EPSG:32632"},
    )  # fmt: skip
    graph = cube.ndvi(nir="B08", red="B04").save_result("netCDF").flat_graph()
    with ComputeCounter() as counter:
        assert run_graph(graph, reg) is True
    assert counter.computes == 1  # everything before save_result stayed lazy
    red, nir = _raw(demo_dir, "20220606", "B04"), _raw(demo_dir, "20220606", "B08")
    with xr.open_dataset(tmp_path / "openEO.nc") as ds:
        (name,) = [v for v in ds.data_vars if v != "crs"]
        assert ds[name].dims == ("t", "y", "x") and ds.sizes["t"] == 2
        np.testing.assert_allclose(ds[name].isel(t=1).values, (nir - red) / (nir + red), rtol=1e-5)
    assert sink[0]["proj:code"] == "EPSG:32632"


def test_reduced_cube_to_gtiff_then_back_through_load_stac(demo, tmp_path):
    sink: list[dict] = []
    reg = registry(
        load_collection=make_load_collection(demo),
        save_result=make_save_result(tmp_path / "a", sink),
    )
    cube = DataCube.load_collection(
        S2, connection=None, spatial_extent=BOX, temporal_extent=["2022-06-01", "2022-07-01"]
    )
    run_graph(cube.reduce_dimension("t", reducer="max").save_result("GTiff").flat_graph(), reg)
    (tif,) = sink
    assert tif["title"] == "openEO.tif" and "datetime" not in tif  # no time left
    tif["datetime"] = "2022-07-01T00:00:00Z"  # what the results router adds: the job's time

    docs = result_documents(sink)
    url = "http://canopy.test/jobs/j1/results"
    back: list[dict] = []
    reg2 = registry(
        load_stac=make_load_stac(docs.__getitem__),
        save_result=make_save_result(tmp_path / "b", back),
    )
    graph = {
        "load": {"process_id": "load_stac", "arguments": {"url": url, "bands": ["B08"]}},
        "save": {
            "process_id": "save_result",
            "arguments": {"data": {"from_node": "load"}, "format": "GTiff"},
            "result": True,
        },
    }
    run_graph(graph, reg2)
    full = make_load_collection(demo)(S2, BOX, ["2022-06-01", "2022-07-01"], ["B08"]).max(dim="t")
    with rasterio.open(back[0]["href"]) as src:
        assert src.descriptions == ("B08",) and src.crs.to_epsg() == 32632
        np.testing.assert_array_equal(src.read(1), full.isel(bands=0).values)
