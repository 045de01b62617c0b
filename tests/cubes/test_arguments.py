"""Arguments as pg-parser hands them and as plain JSON: extents, times, property filters."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from openeo.rest.datacube import DataCube
from openeo_pg_parser_networkx.pg_schema import BoundingBox, TemporalInterval

from processes.cubes.extents import spatial_extent, temporal_extent
from processes.cubes.properties import matches, to_cql2
from processes.exceptions import ProcessParameterInvalid
from tests.cubes.helpers import registry, run_graph

BOX = {"west": 679720, "east": 680680, "south": 5151080, "north": 5151920, "crs": 32632}


def _parsed_arguments(**kwargs) -> dict:
    """What load_collection receives from pg-parser for an openEO-client graph."""
    seen = {}

    def load_collection(**kw):
        seen.update(kw)
        return 0

    cube = DataCube.load_collection("C", connection=None, **kwargs)
    run_graph(cube.flat_graph(), registry(load_collection=load_collection))
    return seen


def test_pydantic_and_plain_extents_agree():
    parsed = _parsed_arguments(
        spatial_extent=BOX, temporal_extent=["2022-06-01", "2022-06-10"], bands=["B04"]
    )
    assert isinstance(parsed["spatial_extent"], BoundingBox)
    assert isinstance(parsed["temporal_extent"], TemporalInterval)
    box = spatial_extent(parsed["spatial_extent"])
    assert box == spatial_extent(BOX) == spatial_extent({**BOX, "crs": "EPSG:32632"})
    assert box.crs == "EPSG:32632"
    west, south, east, north = box.wgs84()
    assert 11.34 < west < east < 11.36 and 46.48 < south < north < 46.50
    times = temporal_extent(parsed["temporal_extent"])
    assert times == temporal_extent(["2022-06-01", "2022-06-10"])
    assert times.start == datetime(2022, 6, 1, tzinfo=UTC)
    assert times.contains(datetime(2022, 6, 9, 23, tzinfo=UTC))
    assert not times.contains(datetime(2022, 6, 10, tzinfo=UTC))  # the end is excluded


def test_open_and_null_extents():
    assert spatial_extent(None) is None
    open_end = temporal_extent(["2022-06-05T12:00:00Z", None])
    assert open_end.end is None and open_end.contains(datetime(2100, 1, 1, tzinfo=UTC))
    assert temporal_extent(None).contains(datetime(1900, 1, 1, tzinfo=UTC))
    assert temporal_extent(["2020", "2021"]).end == datetime(2021, 1, 1, tzinfo=UTC)
    polygon = {"type": "Polygon", "coordinates": [[[1, 2], [3, 2], [3, 5], [1, 5], [1, 2]]]}
    assert spatial_extent(polygon).wgs84() == (1.0, 2.0, 3.0, 5.0)


@pytest.mark.parametrize(
    ("spatial", "temporal", "needle"),
    [
        ({**BOX, "west": 690000}, None, "west must not exceed east"),
        ({**BOX, "crs": "EPSG:999999"}, None, "unknown crs"),
        ({"west": 1}, None, "needs numeric"),
        (None, ["2022-06-10", "2022-06-01"], "not before end"),
        (None, ["2022-06-01"], "expected [start, end]"),
        (None, ["June", None], "Invalid isoformat"),
    ],
)
def test_bad_extents_name_the_parameter(spatial, temporal, needle):
    with pytest.raises(ProcessParameterInvalid) as err:
        spatial_extent(spatial)
        temporal_extent(temporal)
    assert needle in err.value.message
    assert ("spatial_extent" if spatial else "temporal_extent") in err.value.message


def test_client_property_callbacks_become_cql2_and_filter_items():
    parsed = _parsed_arguments(
        properties={
            "eo:cloud_cover": lambda v: v <= 50,
            "platform": lambda v: v == "sentinel-2a",
        }
    )
    cql = to_cql2(parsed["properties"])
    assert cql == {
        "op": "and",
        "args": [
            {"op": "<=", "args": [{"property": "eo:cloud_cover"}, 50]},
            {"op": "=", "args": [{"property": "platform"}, "sentinel-2a"]},
        ],
    }
    assert matches(cql, {"eo:cloud_cover": 20, "platform": "sentinel-2a"})
    assert not matches(cql, {"eo:cloud_cover": 60, "platform": "sentinel-2a"})
    assert not matches(cql, {"platform": "sentinel-2a"})  # missing property: no match


def test_logic_in_a_callback_and_unsupported_processes():
    value = {"from_parameter": "value"}
    graph = {
        "a": {"process_id": "gte", "arguments": {"x": value, "y": 10}},
        "b": {"process_id": "lt", "arguments": {"x": value, "y": 20}},
        "c": {
            "process_id": "not",
            "arguments": {
                "x": {"from_node": "or"},
            },
        },
        "or": {"process_id": "or", "arguments": {"x": {"from_node": "a"}, "y": {"from_node": "b"}}},
        "r": {
            "process_id": "and",
            "arguments": {"x": {"from_node": "a"}, "y": {"from_node": "b"}},
            "result": True,
        },
    }
    cql = to_cql2({"n": {"process_graph": graph}})
    assert [matches(cql, {"n": v}) for v in (5, 10, 19, 20)] == [False, True, True, False]
    negated = to_cql2({"n": {"process_graph": {**graph, "r": {**graph["c"], "result": True}}}})
    assert [matches(negated, {"n": v}) for v in (5, 15)] == [False, False]
    with pytest.raises(ProcessParameterInvalid, match="'absolute' cannot be used"):
        to_cql2(
            {
                "n": {
                    "process_graph": {
                        "x": {"process_id": "absolute", "arguments": {"x": value}, "result": True}
                    }
                }
            }
        )
