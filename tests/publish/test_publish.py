"""``publish``: CCI files, quicklooks and output STAC items from real retrieval outputs."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
import rasterio
import xarray as xr
from PIL import Image

from ingest.hrefs import local_path
from ingest.publish.inputs import Period
from ingest.publish.items import SITES, TILES, published_items
from ingest.publish.publisher import publish
from ingest.publish.quicklook import QUICKLOOKS
from ingest.scan import file_checksum
from processes.exceptions import NoDataAvailable, NotFound, StorageFailure
from processes.repackage.attributes import software_version
from stac import catalog
from tests.publish.conftest import DOI, PUBLIC_URL
from tests.repackage.scenes import PARAMETERS, SITE_JOB, TILE_JOB

TILE_0603 = "ESACCI-VEGETATION-L3S-VP_PRODUCTS-MERGED-tile_X18Y02-20190603-fv1.0"
TILE_0608 = "ESACCI-VEGETATION-L3S-VP_PRODUCTS-MERGED-tile_X18Y02-20190608-fv1.0"
SITE_2019 = "ESACCI-VEGETATION-L3S-VP_PRODUCTS-MERGED-site_FR-Fon_Fontainebleau-Barbeau-2019-fv1.0"


def _items(dsn: str, collection: str) -> dict[str, dict]:
    page = catalog.search(dsn, {"collections": [collection], "limit": 100})
    return {f["id"]: f for f in page["features"]}


def _input_dates(dsn: str) -> dict[str, datetime]:
    dates = {}
    for c in ("probav", "vgt2"):
        for i, f in _items(dsn, c).items():
            dates[f"{c}/{i}"] = datetime.fromisoformat(f["properties"]["datetime"][:19])
    return dates


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_publish_tile_dates_and_site_year(catalogue, outputs, settings):
    report = publish([outputs.tile, outputs.site], catalogue, settings)
    assert sorted(report.created) == sorted([TILE_0603, TILE_0608, SITE_2019])
    root = settings.publish_root
    assert (root / "transect/2019/X18Y02" / f"{TILE_0603}.nc").is_file()
    assert (root / "sites/2019" / f"{SITE_2019}.nc").is_file()
    assert not [p for p in _files(root) if p.name.endswith(".part")]
    tiles, sites = _items(catalogue, TILES), _items(catalogue, SITES)
    assert sorted(tiles) == [TILE_0603, TILE_0608] and list(sites) == [SITE_2019]
    dates = _input_dates(catalogue)
    for item_id, step, job in ((TILE_0603, "2019-06-03", TILE_JOB),
                               (TILE_0608, "2019-06-08", TILE_JOB)):  # fmt: skip
        item = tiles[item_id]
        centre, half = datetime.fromisoformat(step), timedelta(days=5)
        expected = {r for r, t in dates.items() if centre - half <= t < centre + half}
        derived = {lk["title"]: lk["href"] for lk in item["links"] if lk["rel"] == "derived_from"}
        assert set(derived) == expected and len(expected) == 2 * (7 if step.endswith("03") else 10)
        ref = sorted(expected)[0]
        assert derived[ref] == f"{PUBLIC_URL}/stac/collections/{ref.replace('/', '/items/')}"
        jobs = [lk["href"] for lk in item["links"] if lk["rel"] == "related"]
        assert jobs == [f"{PUBLIC_URL}/openeo/1.2/jobs/{job}"]
        p = item["properties"]
        assert p["datetime"] == f"{step}T00:00:00Z" and p["sci:doi"] == DOI
        assert p["processing:software"] == {"canopy": software_version()}
        assert p["canopy:algorithm"] == "OptiSAIL-like" and p["canopy:parameters"] == PARAMETERS
        assert p["platform"] == "proba-v, spot-5"
        assert p["instruments"] == ["vegetation", "vegetation-2"]
        cite = [lk["href"] for lk in item["links"] if lk["rel"] == "cite-as"]
        assert cite == [f"https://doi.org/{DOI}"]
    site = sites[SITE_2019]
    assert site["properties"].get("datetime") is None  # pgstac stores a null datetime as absent
    assert site["properties"]["start_datetime"] == "2019-05-29T00:00:00Z"
    assert site["properties"]["canopy:steps"] == ["2019-06-03", "2019-06-08"]
    assert [lk["rel"] for lk in site["links"]].count("derived_from") == 24
    assert [lk["href"] for lk in site["links"] if lk["rel"] == "related"] == [
        f"{PUBLIC_URL}/openeo/1.2/jobs/{SITE_JOB}"
    ]
    w, s, e, n = site["bbox"]
    assert e - w == pytest.approx(3 / 112) and n - s == pytest.approx(3 / 112)
    for item in (*tiles.values(), site):
        for key, asset in item["assets"].items():
            path = Path(local_path(asset))
            assert path.is_relative_to(root), key
            assert (
                asset["href"] == f"{PUBLIC_URL}/data/{item['collection']}/{item['id']}/{path.name}"
            )
            assert asset["file:checksum"] == file_checksum(path)
            assert asset["file:size"] == path.stat().st_size
            assert asset["file:checksum"].startswith("1220") and len(asset["file:checksum"]) == 68


def test_quicklooks_follow_the_terrascope_convention(catalogue, outputs, settings):
    publish([outputs.tile, outputs.site], catalogue, settings)
    item = _items(catalogue, TILES)[TILE_0603]
    product = xr.open_dataset(local_path(item["assets"]["data"]))
    for var, key in (("LAI", "quicklook_lai"), ("fAPAR", "quicklook_fapar")):
        q = QUICKLOOKS[var]
        asset = item["assets"][key]
        assert asset["type"].endswith("profile=cloud-optimized")
        assert asset["raster:bands"][0] == {"nodata": 255, "data_type": "uint8",
                                            "scale": q.scale, "offset": q.offset}  # fmt: skip
        with rasterio.open(local_path(asset)) as cog:
            assert cog.driver == "GTiff" and cog.dtypes == ("uint8",) and cog.nodata == 255
            assert cog.scales == (q.scale,) and cog.offsets == (q.offset,)
            assert cog.crs.to_epsg() == 4326 and cog.descriptions == ("2019-06-03",)
            assert cog.bounds.left == pytest.approx(item["bbox"][0])
            dn = cog.read(1)
        physical = product[var].values[0]
        np.testing.assert_array_equal(dn == 255, np.isnan(physical))
        ok = ~np.isnan(physical)
        np.testing.assert_allclose(
            q.scale * dn[ok] + q.offset, physical[ok], atol=q.scale / 2 + 1e-9
        )
    assert QUICKLOOKS["LAI"].encode(np.array([0.0, 10.0, 12.0])).tolist() == [0, 250, 250]
    assert QUICKLOOKS["fAPAR"].encode(np.array([1.0, np.nan])).tolist() == [200, 255]
    with Image.open(local_path(item["assets"]["thumbnail"])) as png:
        assert png.format == "PNG" and png.mode == "RGBA" and png.size[0] >= 128
    site = _items(catalogue, SITES)[SITE_2019]
    with rasterio.open(local_path(site["assets"]["quicklook_lai"])) as cog:
        assert cog.count == 2 and cog.descriptions == ("2019-06-03", "2019-06-08")


def test_publishing_twice_is_idempotent(catalogue, outputs, settings):
    first = publish([outputs.tile, outputs.site], catalogue, settings)
    before = {p: (p.stat().st_mtime_ns, file_checksum(p)) for p in _files(settings.publish_root)}
    items = _items(catalogue, TILES) | _items(catalogue, SITES)
    second = publish([outputs.site, outputs.tile], catalogue, settings)
    assert second.created == [] and second.updated == []
    assert sorted(second.unchanged) == sorted(first.created)
    assert {
        p: (p.stat().st_mtime_ns, file_checksum(p)) for p in _files(settings.publish_root)
    } == before
    assert _items(catalogue, TILES) | _items(catalogue, SITES) == items
    paged = published_items(catalogue, page_size=1)  # one item per page: follows next tokens
    assert sorted(i["id"] for i in paged) == sorted(items)
    # a damaged file is noticed and re-published; the others stay untouched
    damaged = Path(local_path(items[TILE_0608]["assets"]["data"]))
    damaged.write_bytes(damaged.read_bytes()[:-10])
    third = publish([outputs.tile, outputs.site], catalogue, settings)
    assert third.updated == [TILE_0608] and len(third.unchanged) == 2
    fresh = _items(catalogue, TILES)[TILE_0608]["assets"]["data"]
    assert fresh["file:checksum"] == file_checksum(damaged)


def test_missing_inputs_for_a_period(catalogue, outputs, settings):
    with pytest.raises(NoDataAvailable, match=r"no step in 2019-06-09\.\.2019-06-20"):
        publish(
            [outputs.tile], catalogue, settings, period=Period(date(2019, 6, 1), date(2019, 6, 20))
        )
    with pytest.raises(NoDataAvailable, match="no retrieval step of site FR-Fon"):
        publish(
            [outputs.site], catalogue, settings, period=Period(date(2019, 7, 1), date(2019, 7, 9))
        )
    with pytest.raises(NoDataAvailable, match="does not exist"):
        publish([outputs.tile.with_name("nothing.nc")], catalogue, settings)
    assert _files(settings.publish_root) == [] and _items(catalogue, TILES) == {}
    report = publish(
        [outputs.tile], catalogue, settings, period=Period(date(2019, 6, 4), date(2019, 6, 9))
    )
    assert report.created == [TILE_0608]


def test_inputs_missing_from_the_catalogue(pgstac_dsn, outputs, settings):
    with pytest.raises(NotFound, match="not in the catalogue: probav/c3s_L2B_20190601"):
        publish([outputs.tile], pgstac_dsn, settings)
    assert not settings.publish_root.exists()


def test_unwritable_targets_leave_nothing_behind(catalogue, outputs, settings, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    bad = settings.model_copy(update={"publish_root": blocker / "published"})
    with pytest.raises(StorageFailure, match="is not writable"):
        publish([outputs.tile], catalogue, bad)
    # a failure half-way (the site tree cannot be created) discards what was already written
    root = settings.publish_root
    root.mkdir(parents=True)
    (root / "sites").write_text("in the way")
    with pytest.raises(StorageFailure, match="writing sites/2019/"):
        publish([outputs.tile, outputs.site], catalogue, settings)
    assert _files(root) == [root / "sites"]
    assert _items(catalogue, TILES) == {} and _items(catalogue, SITES) == {}


def test_tile_chunks_are_merged(catalogue, outputs, settings):
    ds = xr.load_dataset(outputs.tile)
    west, east = ds.isel(x=slice(0, 2)), ds.isel(x=slice(2, None))
    report = publish([west, east], catalogue, settings)
    assert sorted(report.created) == [TILE_0603, TILE_0608]
    merged = xr.open_dataset(local_path(_items(catalogue, TILES)[TILE_0603]["assets"]["data"]))
    assert merged.sizes["lon"] == 5
    np.testing.assert_allclose(merged["LAI"].values[0], ds["LAI"].values[0], atol=5e-4 + 1e-9)


def test_items_are_served_by_the_stac_api(client, catalogue, outputs, settings, canopy_home):
    publish([outputs.tile, outputs.site], catalogue, settings, home=canopy_home)
    r = client.get(
        "/stac/search", params={"collections": TILES, "datetime": "2019-06-08T00:00:00Z"}
    )
    assert r.status_code == 200, r.text
    [item] = r.json()["features"]
    assert item["id"] == TILE_0608
    rels = [lk["rel"] for lk in item["links"]]
    assert rels.count("derived_from") == 20 and "related" in rels and "self" in rels
    r = client.get(f"/stac/collections/{SITES}/items/{SITE_2019}")
    assert r.status_code == 200 and r.json()["properties"]["canopy:site"] == "FR-Fon"
    # the asset hrefs lead to the files through the API's /data route
    for asset in r.json()["assets"].values():
        got = client.get(asset["href"].removeprefix(PUBLIC_URL))
        assert got.status_code == 200, asset["href"]
        assert got.content == Path(local_path(asset)).read_bytes()


def test_the_land_cover_map_of_the_priors_is_an_input_of_every_product(
    catalogue, outputs, settings, tmp_path
):
    # the simulation's map is catalogued with its products (an item of a period: start/end);
    # a retrieval that took its priors from it names it among its inputs
    from dataclasses import replace

    from processes.repackage import retrieval_output
    from processes.repackage.contract import write_retrieval

    (map_item,) = _items(catalogue, "esa-cci-lc")
    ref = f"esa-cci-lc/{map_item}"
    info = replace(outputs.tile_info, input_items=(*outputs.refs, ref))
    path = write_retrieval(retrieval_output(outputs.retrieval, info), tmp_path / "tile.nc")
    report = publish([path], catalogue, settings)
    assert sorted(report.created) == [TILE_0603, TILE_0608]
    for item in _items(catalogue, TILES).values():
        derived = [lk["title"] for lk in item["links"] if lk["rel"] == "derived_from"]
        assert ref in derived and len(derived) in (15, 21)  # 2×7 or 2×10 overpasses + the map
        assert item["properties"]["platform"] == "proba-v, spot-5"  # the map names none
