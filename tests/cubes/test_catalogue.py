"""PgstacCubeCatalogue on a real pgstac: collections, paging, bbox, time and CQL2 filters."""

from __future__ import annotations

from datetime import UTC, datetime

from processes.cubes import Catalogue
from processes.cubes.properties import to_cql2
from stac.cube_catalogue import PgstacCubeCatalogue


def _ids(items):
    return [i["id"] for i in items]


def test_collection_documents(demo):
    assert isinstance(demo, Catalogue)  # structurally: stac/ never imports processes/
    assert demo.collection("nope") is None
    assert demo.collection("CGLS_SSM_1KM")["id"] == "CGLS_SSM_1KM"


def test_search_pages_through_every_match(pgstac_dsn, demo):
    small_pages = PgstacCubeCatalogue(pgstac_dsn, page=7)
    items = small_pages.search("CGLS_SSM_1KM", None, None, None, None)
    assert len(items) == 37 == len(set(_ids(items)))  # 6 pages of 7, no repeats
    dates = [i["properties"]["datetime"] for i in items]
    assert dates == sorted(dates)
    assert _ids(items) == _ids(demo.search("CGLS_SSM_1KM", None, None, None, None))


def test_search_by_bbox_and_time(demo):
    march = datetime(2020, 3, 1, tzinfo=UTC)
    after = demo.search("CGLS_SSM_1KM", (16.2, 48.1, 16.5, 48.3), march, None, None)
    assert _ids(after)[0] == "ssm_20200301" and len(after) == 31
    before = demo.search("CGLS_SSM_1KM", None, None, march, None)
    assert _ids(before)[-1] == "ssm_20200301" and len(before) == 7  # inclusive: caller trims
    assert demo.search("CGLS_SSM_1KM", (0.0, 0.0, 1.0, 1.0), None, None, None) == []
    assert demo.search("SENTINEL2_L2A_SYNTHETIC", (16.2, 48.1, 16.5, 48.3), None, None, None) == []


def test_search_with_translated_property_filters(demo):
    def graph(pid, **args):
        node = {"process_id": pid, "arguments": args, "result": True}
        return {"process_graph": {"n1": node}}

    value = {"from_parameter": "value"}
    cases = {
        "between": (
            graph("between", x=value, min="2022-06-05T00:00:00Z", max="2022-06-17T00:00:00Z"),
            3,
        ),
        "in": (graph("array_contains", data=["EPSG:32632"], value=value), 6),
        "eq": (graph("eq", x=value, y="EPSG:4326"), 0),
    }
    for name, (callback, expected) in cases.items():
        prop = "datetime" if name == "between" else "proj:code"
        cql = to_cql2({prop: callback})
        found = demo.search("SENTINEL2_L2A_SYNTHETIC", None, None, None, cql)
        assert len(found) == expected, name
