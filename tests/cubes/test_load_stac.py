"""load_stac: what save_result wrote comes back equal; Items, Collections, filters, errors."""

from __future__ import annotations

import numpy as np
import pytest

from processes.cubes import make_load_collection, make_load_stac, make_save_result
from processes.exceptions import NoDataAvailable, ProcessParameterInvalid
from tests.cubes.helpers import result_documents

S2 = "SENTINEL2_L2A_SYNTHETIC"
BOX = {"west": 679720, "east": 680680, "south": 5151080, "north": 5151920, "crs": 32632}
URL = "http://canopy.test/jobs/j1/results"


@pytest.mark.parametrize("fmt", ["netCDF", "GTiff"])
def test_round_trip_utm_and_lonlat(fmt, demo, l2b, tmp_path):
    cubes = {
        "utm": make_load_collection(demo)(S2, BOX, ["2022-06-01", "2022-06-20"], ["B04", "nir"]),
        "lonlat": make_load_collection(l2b)("probav", None, None, ["RED", "NIR_unc", "clear"]),
    }
    for name, cube in cubes.items():
        sink: list[dict] = []
        make_save_result(tmp_path / fmt / name, sink)(cube, fmt)
        docs = result_documents(sink)
        back = make_load_stac(docs.__getitem__)(URL)
        expected = cube.compute()
        assert back.dims == ("t", "bands", "y", "x") and back.rio.crs == expected.rio.crs
        assert list(back.bands.values) == list(expected.bands.values)
        np.testing.assert_array_equal(back.t.values, expected.t.values)
        np.testing.assert_allclose(back.x.values, expected.x.values, rtol=0, atol=1e-9)
        np.testing.assert_allclose(back.y.values, expected.y.values, rtol=0, atol=1e-9)
        np.testing.assert_array_equal(back.values, expected.values)
        # and a crop, in the cube's own CRS, of one band and the later dates
        x, y = expected.x.values, expected.y.values
        box = {
            "west": x[1],
            "east": x[3],
            "south": y[4],
            "north": y[2],
            "crs": str(expected.rio.crs),
        }
        times = [str(expected.t.values[1])[:19] + "Z", None]
        part = make_load_stac(docs.__getitem__)(URL, box, times, [str(expected.bands.values[-1])])
        np.testing.assert_array_equal(
            part.values,
            expected.isel(t=slice(1, None), bands=[-1], x=slice(1, 4), y=slice(2, 5)).values,
        )


def test_items_collections_and_filters(demo):
    items = demo.search(S2, None, None, None, None)
    docs = {f"http://stac.test/items/{it['id']}": it for it in items}
    docs["http://stac.test/coll"] = {
        "type": "Collection",
        "id": S2,
        "links": [{"rel": "item", "href": f"items/{it['id']}"} for it in items],
    }
    load = make_load_stac(docs.__getitem__)
    one = load(f"http://stac.test/items/{items[0]['id']}", BOX)
    assert one.shape == (1, 2, 84, 96)
    late = load("http://stac.test/coll", BOX, ["2022-06-15", None], ["B08"])
    assert [str(t)[:10] for t in late.t.values] == ["2022-06-16", "2022-06-21", "2022-06-26"]
    expected = make_load_collection(demo)(S2, BOX, ["2022-06-15", None], ["B08"])
    np.testing.assert_array_equal(late.values, expected.values)
    value = {"from_parameter": "value"}
    odd = {
        "datetime": {
            "process_graph": {
                "n": {
                    "process_id": "gte",
                    "arguments": {"x": value, "y": "2022-06-20"},
                    "result": True,
                }
            }
        }
    }
    assert load("http://stac.test/coll", properties=odd).sizes["t"] == 2


def test_load_stac_errors(demo):
    item = demo.search(S2, None, None, None, None)[0]

    def fetch(url):
        if url == "http://stac.test/item":
            return item
        if url == "http://stac.test/text":
            return ["not", "stac"]
        raise ConnectionError("connection refused")

    load = make_load_stac(fetch)
    with pytest.raises(
        ProcessParameterInvalid, match=r"cannot read http://stac\.test/down: ConnectionError"
    ):
        load("http://stac.test/down")
    with pytest.raises(ProcessParameterInvalid, match="not a JSON object"):
        load("http://stac.test/text")
    with pytest.raises(ProcessParameterInvalid, match="'B12'"):
        load("http://stac.test/item", bands=["B12"])
    with pytest.raises(NoDataAvailable, match="2023"):
        load("http://stac.test/item", None, ["2023-01-01", "2023-02-01"])


def test_l2b_items_load_through_their_sensor_collection(l2b):
    items = l2b.search("probav", None, None, None, None)
    docs = {"http://stac.test/collections/probav": l2b.collection("probav")}
    for it in items:
        it["links"] = [{"rel": "collection", "href": "../collections/probav"}]
        docs[f"http://stac.test/items/{it['id']}"] = it
    load = make_load_stac(docs.__getitem__)
    one = load(f"http://stac.test/items/{items[1]['id']}", None, None, ["NIR", "clear"])
    expected = make_load_collection(l2b)("probav", None, None, ["NIR", "clear"])
    np.testing.assert_array_equal(one.values, expected.isel(t=[1]).values)
    assert one.wavelength.values[0] == expected.wavelength.values[0]
