"""load_collection on the demo COG collections in pgstac: grids, CRSs, bands, errors, laziness."""

from __future__ import annotations

import json

import dask
import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin
from rasterio.warp import transform_bounds
from rasterio.windows import from_bounds

from processes.cubes import make_load_collection
from processes.exceptions import CollectionNotFound, NoDataAvailable, ProcessParameterInvalid
from stac.migrate import connect
from tests.cubes.helpers import ComputeCounter

S2 = "SENTINEL2_L2A_SYNTHETIC"
BOX = {"west": 679720, "east": 680680, "south": 5151080, "north": 5151920, "crs": 32632}
JUNE = ["2022-06-01", "2022-06-10"]


def _window(path, bounds) -> np.ndarray:
    """Oracle: the COG's pixels in a box of its own CRS, read with rasterio."""
    with rasterio.open(path) as src:
        return src.read(1, window=from_bounds(*bounds, transform=src.transform))


def test_native_grid_scale_and_pixels(demo, demo_dir):
    load = make_load_collection(demo)
    with ComputeCounter() as counter:
        cube = load(S2, BOX, JUNE, ["B04", "B08"])
    assert counter.computes == 0 and dask.is_dask_collection(cube)
    assert cube.dims == ("t", "bands", "y", "x") and cube.shape == (2, 2, 84, 96)
    assert cube.rio.crs.to_epsg() == 32632 and cube.attrs["crs"] == "EPSG:32632"
    assert cube.rio.resolution() == (10.0, -10.0)
    assert (cube.x[0], cube.y[0]) == (679725.0, 5151915.0)  # centres inside the box
    assert list(cube.bands.values) == ["B04", "B08"]
    assert [str(t)[:16] for t in cube.t.values] == ["2022-06-01T10:20", "2022-06-06T10:20"]
    bounds = (679720, 5151080, 680680, 5151920)
    raw = _window(demo_dir / S2 / "20220606_B08.tif", bounds)
    np.testing.assert_allclose(cube.sel(bands="B08").isel(t=1).values, raw * 1e-4, rtol=1e-6)
    assert cube.dtype == np.float32


def test_bbox_in_utm_and_in_lonlat_select_the_same_pixels(demo):
    load = make_load_collection(demo)
    utm = load(S2, BOX, JUNE, ["B04"])
    west, south, east, north = transform_bounds(
        "EPSG:32632", "EPSG:4326", 679720, 5151080, 680680, 5151920
    )
    lonlat = load(S2, {"west": west, "south": south, "east": east, "north": north}, JUNE, ["B04"])
    # the lon/lat box reprojected is the envelope of a slightly curved shape: a superset
    assert lonlat.rio.crs == utm.rio.crs and lonlat.sizes["x"] >= 96 and lonlat.sizes["y"] >= 84
    inner = lonlat.sel(x=utm.x, y=utm.y)
    np.testing.assert_array_equal(inner.values, utm.values)


def test_null_extents_load_everything_and_common_names_alias(demo):
    load = make_load_collection(demo)
    cube = load(S2, None, None, ["nir"])
    assert cube.shape == (6, 1, 200, 200) and list(cube.bands.values) == ["nir"]
    assert float(cube.isel(t=0).x.min()) == 679005.0
    ssm = load(
        "CGLS_SSM_1KM",
        {"west": 16.19, "east": 16.58, "south": 48.09, "north": 48.29},
        ["2020-01-01", "2020-02-01"],
    )
    # the 1/112° grid stays native although its origin is no multiple of the pixel size
    assert ssm.shape == (4, 1, 23, 44) and ssm.rio.crs.to_epsg() == 4326
    np.testing.assert_allclose(np.diff(ssm.x.values), 1 / 112)
    assert float(ssm.x[0]) == pytest.approx(16.0 + 1 / 224 + 21 / 112)


def test_band_collection_and_extent_errors(demo):
    load = make_load_collection(demo)
    with pytest.raises(ProcessParameterInvalid) as err:
        load(S2, BOX, JUNE, ["B04", "B99", "swir"])
    assert "'B99'" in err.value.message and "'swir'" in err.value.message
    assert "B04" not in err.value.message.split("available")[0]
    with pytest.raises(CollectionNotFound, match="NOPE"):
        load("NOPE", BOX, JUNE)
    with pytest.raises(NoDataAvailable) as empty:
        load(S2, BOX, ["2023-01-01", "2023-02-01"])
    assert "679720.0, 5151080.0, 680680.0, 5151920.0" in empty.value.message
    assert "EPSG:32632" in empty.value.message and "2023-01-01" in empty.value.message
    with pytest.raises(NoDataAvailable):
        load(S2, {"west": 0, "east": 1, "south": 0, "north": 1}, JUNE)
    with pytest.raises(NoDataAvailable):  # the end of an interval is excluded
        load(S2, BOX, ["2022-06-02", "2022-06-06T10:20:00Z"])


def _register(dsn, collection: dict, items: list[dict]) -> None:
    with connect(dsn, autocommit=True) as conn:
        conn.execute("SELECT pgstac.upsert_collection(%s::jsonb)", [json.dumps(collection)])
        conn.execute("SELECT pgstac.upsert_items(%s::jsonb)", [json.dumps(items)])


def test_fill_becomes_nan_scale_offset_apply_and_dimension_names_follow_the_collection(
    demo, pgstac_dsn, tmp_path
):
    data = np.arange(12, dtype=np.int16).reshape(3, 4)
    data[0, 0] = -9999
    path = tmp_path / "q.tif"
    profile = {"driver": "COG", "width": 4, "height": 3, "count": 1, "dtype": "int16",
               "crs": "EPSG:3035", "transform": from_origin(4e6, 3e6, 100, 100), "nodata": -9999}  # fmt: skip
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data, 1)
    collection = {
        "type": "Collection", "stac_version": "1.1.0", "id": "Q", "description": "q", "license": "other",
        "extent": {"spatial": {"bbox": [[-180, -90, 180, 90]]}, "temporal": {"interval": [[None, None]]}},
        "summaries": {"bands": [{"name": "q"}]}, "links": [],
        "cube:dimensions": {"E": {"type": "spatial", "axis": "x"}, "N": {"type": "spatial", "axis": "y"},
                            "time": {"type": "temporal"}, "band": {"type": "bands"}},
    }  # fmt: skip
    bbox = list(transform_bounds("EPSG:3035", "EPSG:4326", 4e6, 2.9997e6, 4.0004e6, 3e6))
    item = {
        "type": "Feature", "stac_version": "1.1.0", "id": "q1", "collection": "Q", "bbox": bbox,
        "geometry": {"type": "Polygon", "coordinates": [[[bbox[0], bbox[1]], [bbox[2], bbox[1]], [bbox[2], bbox[3]], [bbox[0], bbox[3]], [bbox[0], bbox[1]]]]},
        "properties": {"datetime": "2021-05-01T00:00:00Z"}, "links": [],
        "assets": {"q": {"href": f"file://{path}", "type": "image/tiff; application=geotiff",
                         "roles": ["data"], "bands": [{"name": "q", "raster:scale": 0.5, "raster:offset": 1}]}},
    }  # fmt: skip
    _register(pgstac_dsn, collection, [item])
    cube = make_load_collection(demo)("Q", None, None)
    assert cube.dims == ("time", "band", "N", "E") and cube.rio.crs.to_epsg() == 3035
    expected = data * 0.5 + 1.0
    expected[0, 0] = np.nan  # no data read from the header: STAC did not declare it
    np.testing.assert_array_equal(cube.isel(time=0, band=0).values, expected)
