"""The simulated land-cover map: file, confusion, STAC registration, load_collection grid."""

from __future__ import annotations

import hashlib
from datetime import date

import numpy as np
import pytest
import rasterio
import xarray as xr

from ingest.demo import load_demo
from ingest.ingester import ingest
from ingest.landcover import COLLECTION, LEGEND, parse_map_name
from ingest.simulate.landcover import CONFUSIONS, WATER, confuse, truth_codes
from ingest.simulate.run import SimulationConfig, simulate
from ingest.simulate.scene import CLASSES, make_landscape
from processes.cubes import make_load_collection
from processes.exceptions import NoDataAvailable
from stac import catalog
from stac.cube_catalogue import PgstacCubeCatalogue
from tests.ingest.helpers import crop_bbox

ALLOWED = {10: {130, 60}, 130: {10, 200}, 60: {70, 10}, 70: {60}, 200: {130}}
"""The confusions the brief allows (CCI-LC codes): crop→grass|deciduous, grass→crop|bare,
deciduous→evergreen|crop, evergreen→deciduous, bare→grass."""


def _read(path) -> tuple[np.ndarray, dict]:
    with rasterio.open(path) as src:
        return src.read(1), {
            "profile": src.profile, "tags": src.tags(), "desc": src.descriptions,
            "layout": src.tags(ns="IMAGE_STRUCTURE").get("LAYOUT"), "xy": src.xy,
        }  # fmt: skip


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _check_confusion(truth: np.ndarray, mapped: np.ndarray, rate: float) -> None:
    """Water kept, land wrong at ``rate`` ± 3 %, every error an allowed neighbour."""
    expected = truth_codes(truth)
    water = truth < 0
    np.testing.assert_array_equal(mapped[water], WATER)
    assert not np.any(mapped[~water] == WATER)
    wrong = (mapped != expected) & ~water
    assert abs(wrong.sum() / (~water).sum() - rate) <= 0.03
    for t, m in zip(expected[wrong], mapped[wrong], strict=True):
        assert m in ALLOWED[t], (t, m)


def test_map_file_sits_on_the_l2b_grid(summer):
    path = summer.landcover
    assert path == summer.truth[0].parent.parent / "landcover" / path.name
    assert path.name == "landcover_X18Y02_20190601_20190606.tif"
    assert summer.truth[0].name == "truth_X18Y02_20190601_20190606.nc"  # same tag
    codes, meta = _read(path)
    p = meta["profile"]
    assert (p["dtype"], p["count"], p["nodata"], p["crs"].to_epsg()) == ("uint8", 1, 0, 4326)
    assert p["tiled"] and p["compress"] == "deflate" and meta["layout"] == "COG"
    assert meta["desc"] == ("lccs_class",)
    tags = meta["tags"]
    assert tags["confusion_rate"] == "0.12" and tags["seed"] == "3"
    assert tags["legend"].split(";")[0] == "10=cropland, rainfed"
    assert p["transform"].a == pytest.approx(1 / 112, abs=1e-12)
    assert p["transform"].e == pytest.approx(-1 / 112, abs=1e-12)
    with xr.open_dataset(summer.truth[0]) as truth:
        lat, lon, cover = truth.lat.values, truth.lon.values, truth.land_cover.values
    assert codes.shape == (lat.size, lon.size) == (16, 16)
    xs, _ = meta["xy"](np.zeros(lon.size), np.arange(lon.size))
    _, ys = meta["xy"](np.arange(lat.size), np.zeros(lat.size))
    np.testing.assert_allclose(xs, lon, rtol=0, atol=1e-9)
    np.testing.assert_allclose(ys, lat, rtol=0, atol=1e-9)
    assert set(np.unique(codes)) <= set(LEGEND)
    _check_confusion(cover, codes, 0.12)


def _one_day(registry, out, rate: float):
    cfg = SimulationConfig(
        tile="X18Y02", start=date(2019, 6, 1), end=date(2019, 6, 1), sensors=(registry["probav"],),
        out=out, seed=3, bbox=crop_bbox("X18Y02", 560, 560, 16), landcover_error=rate,
    )  # fmt: skip
    return simulate(cfg)


def _layers(path) -> dict[str, np.ndarray]:
    with xr.open_dataset(path, group="LEVEL2B/RADIOMETRY/RED", mask_and_scale=False) as red:
        out = {f"red_{k}": v.values for k, v in red.data_vars.items()}
    with xr.open_dataset(path, group="LEVEL2B/QUALITY", mask_and_scale=False) as q:
        out["sm"] = q["SM"].values
    return out


def test_the_map_is_deterministic_and_leaves_every_other_draw_alone(
    summer, winter, registry, tmp_path
):
    codes, _ = _read(summer.landcover)
    a = _one_day(registry, tmp_path / "a", 0.12)
    # same seed and crop, other days and sensors: the same landscape, so the same map
    np.testing.assert_array_equal(_read(a.landcover)[0], codes)
    assert not np.array_equal(_read(winter.landcover)[0], codes)  # seed 11
    b = _one_day(registry, tmp_path / "b", 0.3)
    # another error rate changes the map only: products and truth stay bit-identical
    for pa, pb in zip(a.products + a.truth, b.products + b.truth, strict=True):
        assert pa.name == pb.name
    for k, v in _layers(a.products[0]).items():
        np.testing.assert_array_equal(v, _layers(b.products[0])[k], err_msg=k)
    for pa, pb in zip(a.truth, b.truth, strict=True):
        with xr.open_dataset(pa) as ta, xr.open_dataset(pb) as tb:
            xr.testing.assert_identical(ta, tb)
    with xr.open_dataset(b.truth[0]) as truth:
        _check_confusion(truth.land_cover.values, _read(b.landcover)[0], 0.3)
    assert _read(b.landcover)[1]["tags"]["confusion_rate"] == "0.3"


@pytest.mark.parametrize("seed", [0, 7])
def test_confusion_rate_and_neighbours_on_a_large_landscape(seed):
    cover = make_landscape(np.random.default_rng([seed, 0]), (120, 150)).cover
    mapped = confuse(cover, np.random.default_rng([seed, 4]), 0.12)
    assert mapped.dtype == np.uint8
    _check_confusion(cover, mapped, 0.12)
    np.testing.assert_array_equal(mapped, confuse(cover, np.random.default_rng([seed, 4]), 0.12))
    assert set(np.unique(truth_codes(cover))) == set(LEGEND)  # every class occurs
    assert set(CONFUSIONS) == set(CLASSES)
    np.testing.assert_array_equal(confuse(cover, np.random.default_rng(1), 0.0), truth_codes(cover))
    with pytest.raises(ValueError, match="landcover_error"):
        confuse(cover, np.random.default_rng(1), 1.5)


def test_map_names():
    name = parse_map_name("landcover_X18Y02_20190601_20190606.tif")
    assert name is not None and name.tile == "X18Y02" and name.end == date(2019, 6, 6)
    assert name.file_name == "landcover_X18Y02_20190601_20190606.tif"
    for bad in ("landcover_X18Y02_20190606_20190601.tif", "landcover_X18Y02_20191301_20191302.tif",
                "landcover_X18Y02_20190601_20190606.nc", "truth_X18Y02_20190601_20190606.nc"):  # fmt: skip
        assert parse_map_name(bad) is None, bad


def _box(bbox) -> dict:
    return dict(zip(("west", "south", "east", "north"), bbox, strict=True))


def test_ingest_registers_the_map_and_load_collection_matches_the_l2b_grid(
    summer, registry, pgstac_dsn
):
    root = summer.landcover.parents[1]
    report = ingest([root], pgstac_dsn, registry, workers=0)
    # truth files stay ignored; the map is counted apart from the L2B products
    assert (report.created, report.maps, report.ignored, report.failed) == (12, 1, 3, [])
    coll = catalog.get_collection(pgstac_dsn, COLLECTION)
    assert coll["title"] == "Land cover (ESA CCI-LC legend), simulated"
    assert [c["value"] for c in coll["summaries"]["classification:classes"]] == list(LEGEND)
    assert coll["item_assets"]["lccs_class"]["raster:bands"][0]["nodata"] == 0
    found = catalog.search(
        pgstac_dsn, {"collections": [COLLECTION], "datetime": "2019-06-03T12:00:00Z"}
    )
    (item,) = found["features"]
    props, asset = item["properties"], item["assets"]["lccs_class"]
    assert item["id"] == summer.landcover.stem
    assert (props["start_datetime"], props["end_datetime"]) == (
        "2019-06-01T00:00:00Z",
        "2019-06-06T23:59:59Z",
    )
    assert props["proj:epsg"] == 4326 and props["proj:shape"] == [16, 16]
    assert asset["type"] == "image/tiff; application=geotiff; profile=cloud-optimized"
    assert asset["roles"] == ["data"] and asset["alternate"]["local"]["href"] == str(
        summer.landcover
    )
    assert asset["file:checksum"] == "1220" + _sha(summer.landcover)
    assert asset["eo:bands"][0]["name"] == "lccs_class"
    again = ingest([root], pgstac_dsn, registry, workers=0)
    assert (again.created, again.updated, again.maps, again.unchanged) == (0, 0, 0, 12)

    load = make_load_collection(PgstacCubeCatalogue(pgstac_dsn))
    codes, _ = _read(summer.landcover)
    full = crop_bbox("X18Y02", 560, 560, 16)
    inner = crop_bbox("X18Y02", 563, 561, 9)  # rows 3-11, cols 1-9 of the crop
    for bbox, rows, cols in (
        (full, slice(0, 16), slice(0, 16)),
        (inner, slice(3, 12), slice(1, 10)),
    ):
        lc = load(COLLECTION, _box(bbox), None, ["lccs_class"])
        l2b = load("probav", _box(bbox), ["2019-06-01", "2019-06-03"], ["red"])
        assert lc.sizes["y"] == l2b.sizes["y"] and lc.sizes["x"] == l2b.sizes["x"]
        np.testing.assert_allclose(lc.x.values, l2b.x.values, rtol=0, atol=1e-9)
        np.testing.assert_allclose(lc.y.values, l2b.y.values, rtol=0, atol=1e-9)
        assert lc.sizes["t"] == 1 and list(lc.bands.values) == ["lccs_class"]
        np.testing.assert_array_equal(lc.isel(t=0, bands=0).values, codes[rows, cols])
    assert (
        load(COLLECTION, _box(full), ["2019-06-05", "2019-06-10"], ["lccs_class"]).sizes["t"] == 1
    )
    with pytest.raises(NoDataAvailable):
        load(COLLECTION, _box(full), ["2019-07-01", "2019-08-01"], ["lccs_class"])


def test_the_demo_set_has_a_served_map_and_openeo_describes_it(
    pgstac_dsn, canopy_home, client, monkeypatch
):
    monkeypatch.setenv("CANOPY_PUBLIC_URL", "http://testserver")
    root = canopy_home / "data" / "simulated"
    report = load_demo(pgstac_dsn, root, days=1, home=canopy_home)
    assert report.maps == 1 and not report.failed
    (item,) = catalog.search(pgstac_dsn, {"collections": [COLLECTION]})["features"]
    asset = item["assets"]["lccs_class"]
    got = client.get(asset["href"].removeprefix("http://testserver"))
    path = root / "landcover" / f"{item['id']}.tif"
    assert got.status_code == 200 and got.content == path.read_bytes()
    assert got.headers["content-type"].startswith("image/tiff")
    meta = client.get(f"/openeo/1.2/collections/{COLLECTION}").json()
    assert meta["id"] == COLLECTION and "lccs_class" in str(meta["cube:dimensions"])
    # a demo set simulated before maps existed is simulated again; the same seed writes the
    # same bytes, so the catalogued item stays as it is
    path.unlink()
    again = load_demo(pgstac_dsn, root, days=1, home=canopy_home)
    assert path.exists() and again.maps == 0 and not again.failed
    assert "1220" + _sha(path) == asset["file:checksum"]


def test_a_process_graph_feeds_the_catalogued_map_to_optisail(summer, registry, pgstac_dsn):
    # what an openEO client sends: both collections loaded, the map given as `landcover`
    from processes.executor import execute
    from processes.registry import build_registry
    from processes.retrieval.process import optisail

    ingest([summer.landcover.parents[1]], pgstac_dsn, registry, workers=0)
    box = _box(crop_bbox("X18Y02", 563, 561, 6))
    time = ["2019-06-01", "2019-06-07"]
    graph = {
        "obs": {"process_id": "load_collection",
                "arguments": {"id": "probav", "spatial_extent": box, "temporal_extent": time}},
        "map": {"process_id": "load_collection",
                "arguments": {"id": COLLECTION, "spatial_extent": box, "temporal_extent": None,
                              "bands": ["lccs_class"]}},
        "lai": {"process_id": "optisail", "result": True,
                "arguments": {"data": {"from_node": "obs"}, "landcover": {"from_node": "map"},
                              "outputs": ["LAI", "LAI_unc"]}},
    }  # fmt: skip
    load = make_load_collection(PgstacCubeCatalogue(pgstac_dsn))
    got = execute({"process_graph": graph}, build_registry({"load_collection": load}))
    obs = load("probav", box, time)
    codes = xr.DataArray(_read(summer.landcover)[0][3:9, 1:7], dims=("y", "x"))
    expected = optisail(obs, outputs=["LAI", "LAI_unc"], landcover=codes)
    np.testing.assert_allclose(got.values, expected.values, rtol=1e-9, equal_nan=True)
    without = optisail(obs, outputs=["LAI", "LAI_unc"])
    assert not np.allclose(got.values, without.values, equal_nan=True)  # the map took effect
