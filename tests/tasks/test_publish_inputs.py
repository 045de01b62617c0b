"""The inputs a published task product names: the sensors' items and the land-cover map."""

from __future__ import annotations

from datetime import date

from backend.tasks.publish import input_refs
from ingest.ingester import ingest
from ingest.simulate.run import SimulationConfig, simulate
from tests.ingest.helpers import crop_bbox


def test_a_tasks_inputs_include_the_map_its_priors_came_from(
    tmp_path, pgstac_dsn, registry, monkeypatch
):
    bbox = crop_bbox("X18Y02", 560, 560, 4)
    cfg = SimulationConfig(
        tile="X18Y02", start=date(2019, 6, 1), end=date(2019, 6, 3),
        sensors=(registry["probav"],), out=tmp_path, seed=2, bbox=bbox,
    )  # fmt: skip
    result = simulate(cfg)
    ingest([tmp_path], pgstac_dsn, {"probav": registry["probav"]}, workers=0)
    west, south, east, north = bbox
    conf = {"sensors": ["probav"], "window": "10D", "start": "2019-06-06", "end": "2019-06-07",
            "geom": {"west": west, "south": south, "east": east, "north": north}}  # fmt: skip
    refs = input_refs(pgstac_dsn, conf)
    assert f"esa-cci-lc/{result.landcover.stem}" in refs
    assert sorted(r for r in refs if r.startswith("probav/")) == sorted(
        f"probav/{p.stem}" for p in result.products
    )
    monkeypatch.setenv("CANOPY_PRODUCTION_LANDCOVER_COLLECTION", "")  # priors without a map
    assert not [r for r in input_refs(pgstac_dsn, conf) if r.startswith("esa-cci-lc/")]
