"""Tiled L2B outputs become STAC items of the sensor's collection (``canopy ingest``'s path)."""

from __future__ import annotations

import pytest

from ingest.products import parse_product_name
from ingest.registry import load_registry
from ingest.swath.register import preprocess_and_register, register_outputs
from stac import catalog


@pytest.fixture(autouse=True)
def _home(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("CANOPY_HOME", str(tmp_path_factory.mktemp("home")))


def test_outputs_are_items_of_their_sensor_collection(
    pgstac_dsn, avhrr_segment, viirs_segment, meteo, dem, tmp_path
):
    registry = load_registry()
    out = tmp_path / "l2b"
    reports = {}
    for order, (l1b, _) in (("AVHRR", avhrr_segment), ("VIIRS", viirs_segment)):
        reports[order], ingested = preprocess_and_register(
            [l1b], meteo, dem, out, pgstac_dsn, registry, workflow=order
        )
        assert reports[order][0].ok and not ingested.failed
        assert ingested.created == len(reports[order][0].outputs) > 0
    for order, collection in (("AVHRR", "metop-avhrr"), ("VIIRS", "snpp-viirs")):
        paths = reports[order][0].outputs
        names = [parse_product_name(p.name) for p in paths]
        assert all(n is not None and n.token == order for n in names)
        # a search around one output tile on the segment's day finds exactly that sensor's tiles
        found = catalog.search(
            pgstac_dsn,
            {"collections": [collection], "datetime": "2020-06-15T00:00:00Z/2020-06-15T23:59:59Z",
             "limit": 100},
        )  # fmt: skip
        assert sorted(f["id"] for f in found["features"]) == sorted(p.stem for p in paths)
        tile = names[0].tile
        hit = catalog.search(
            pgstac_dsn, {"collections": [collection], "bbox": _inside(tile), "limit": 100}
        )
        assert [f["id"] for f in hit["features"]] == [p.stem for p in paths if tile in p.name]
        item = hit["features"][0]
        assert item["properties"]["proj:shape"] == [1120, 1120]
        assert item["properties"]["canopy:tile"] == tile
        # every registry band is produced (VIIRS: I1-I3 and M3-M11), so nothing is missing
        assert {b["name"] for b in item["assets"]["data"]["eo:bands"]} >= {
            b.name for b in registry[collection].bands
        }
    assert catalog.search(pgstac_dsn, {"collections": ["metop-avhrr"],
                                       "bbox": [100, -10, 101, -9]})["features"] == []  # fmt: skip
    # idempotent: registering the same files again changes nothing
    again = register_outputs(reports["AVHRR"], pgstac_dsn, registry)
    assert again.unchanged == len(reports["AVHRR"][0].outputs) and again.changed == 0


def _inside(tile: str) -> list[float]:
    from processes.grid import PROBAV_1KM

    w, s, e, n = PROBAV_1KM.tile_centre_bounds(tile)
    cx, cy = (w + e) / 2, (s + n) / 2
    return [cx - 0.1, cy - 0.1, cx + 0.1, cy + 0.1]
