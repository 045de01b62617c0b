"""Rows for the pypgstac Loader: the shared-part formatter gives what ``format_item`` gives."""

from __future__ import annotations

import copy

import orjson
import pytest
from plpygis import Geometry
from pypgstac.load import Loader

from ingest.collections import sensor_collection
from ingest.loading import ItemFormatter, collection_bases, polygon_ewkb
from ingest.scan import ScanSpec, scan_file
from stac import catalog


def _decoded(row: dict) -> dict:
    return dict(row, content=orjson.loads(row["content"]))


@pytest.fixture
def formatter_and_items(pgstac_dsn, registry, summer):
    catalog.upsert_collections(pgstac_dsn, [sensor_collection(s) for s in registry.values()])
    specs = {s.product_token: ScanSpec.from_vp(s.vp()) for s in registry.values()}
    items = [scan_file(str(p), specs).item for p in summer.products]
    with catalog.pgstac_db(pgstac_dsn) as db:
        bases = collection_bases(db, registry)
    return ItemFormatter(bases), items


def test_rows_equal_the_loaders_own(formatter_and_items):
    formatter, items = formatter_and_items
    assert {i["collection"] for i in items} == {"probav", "vgt2"}
    for item in items:
        fast = formatter.format(copy.deepcopy(item))
        stock = Loader.format_item(formatter, copy.deepcopy(item))
        assert _decoded(fast) == _decoded(stock)
    # what the shared part does not cover goes the Loader's own way and still agrees
    odd = copy.deepcopy(items[0])
    odd["geometry"] = {"type": "Point", "coordinates": [5.0, 50.0]}
    odd["assets"]["data"]["title"] = "another title"
    assert _decoded(formatter.format(copy.deepcopy(odd))) == _decoded(
        Loader.format_item(formatter, odd)
    )


def test_reversed_time_range_is_refused(formatter_and_items):
    formatter, items = formatter_and_items
    item = copy.deepcopy(items[0])
    props = item["properties"]
    props["start_datetime"], props["end_datetime"] = "2019-06-02T00:00:00Z", "2019-06-01T00:00:00Z"
    with pytest.raises(ValueError, match="start_datetime"):
        formatter.format(item)


def test_polygon_ewkb_matches_plpygis():
    ring = [[-0.5, 54.9], [0.25, 54.9], [0.25, 55.0], [-0.5, 55.0], [-0.5, 54.9]]
    poly = {"type": "Polygon", "coordinates": [ring]}
    assert polygon_ewkb(poly) == str(Geometry.from_geojson(poly).ewkb)
    assert polygon_ewkb({"type": "Polygon", "coordinates": [ring, ring]}) is None
    assert polygon_ewkb({"type": "Point", "coordinates": [0, 0]}) is None
