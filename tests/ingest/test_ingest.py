"""Ingest into a real pgstac database: idempotency, updates, prune, corrupt files, search."""

from __future__ import annotations

import os
import shutil
from datetime import datetime

import h5py
import netCDF4
import psycopg
import pytest
from typer.testing import CliRunner

from ingest.cli import app
from ingest.hrefs import ALTERNATE
from ingest.ingester import ingest
from ingest.runner import auto_workers
from ingest.scan import file_checksum
from ingest.watch import watch
from stac import catalog

PUBLIC = "https://canopy.example.org/api"


def _items(dsn: str) -> dict[str, dict]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute("SELECT id, collection, content FROM pgstac.items").fetchall()
    return {f"{c}/{i}": content for i, c, content in rows}


def _arrivals(dsn: str) -> list[tuple]:
    with psycopg.connect(dsn) as conn:
        return conn.execute(
            "SELECT collection, item_id, event FROM canopy.arrivals ORDER BY id"
        ).fetchall()


def test_second_run_changes_nothing(pgstac_dsn, registry, products, monkeypatch):
    monkeypatch.setenv("CANOPY_PUBLIC_URL", PUBLIC + "/")
    first = ingest([products], pgstac_dsn, registry, workers=0)
    assert (first.created, first.updated, first.failed) == (12, 0, [])
    before, arrivals = _items(pgstac_dsn), _arrivals(pgstac_dsn)
    assert len(before) == 12 and len(arrivals) == 12
    second = ingest([products], pgstac_dsn, registry, workers=0)
    assert (second.created, second.updated, second.unchanged, second.changed) == (0, 0, 12, 0)
    assert _items(pgstac_dsn) == before
    assert _arrivals(pgstac_dsn) == arrivals
    item = catalog.search(pgstac_dsn, {"ids": [next(iter(before)).split("/")[1]]})["features"][0]
    asset = item["assets"]["data"]
    local = asset["alternate"]["local"]["href"]
    assert asset["file:checksum"] == file_checksum(local) and asset["file:checksum"].startswith(
        "1220"
    )
    assert asset["file:size"] == os.path.getsize(local) and local.startswith(str(products))
    # STAC Browser gets an http href served by the API; the openEO loader the local file
    assert asset["href"] == f"{PUBLIC}/data/{item['collection']}/{item['id']}/{item['id']}.nc"
    assert ALTERNATE in item["stac_extensions"]
    props = item["properties"]
    assert props["start_datetime"] <= props["datetime"] <= props["end_datetime"]
    assert props["proj:epsg"] == 4326 and props["proj:shape"] == [16, 16]
    assert [b["name"] for b in asset["eo:bands"]] in (
        ["BLUE", "RED", "NIR", "SWIR"],
        ["B0", "B2", "B3", "MIR"],
    )


def test_changed_file_updates_its_item(pgstac_dsn, registry, products):
    ingest([products], pgstac_dsn, registry, workers=0)
    path = sorted(products.rglob("*PROBAV*.nc"))[1]
    with netCDF4.Dataset(path, "a") as ds:
        new_end = ds.time_coverage_end[:-3] + "59Z"
        ds.setncattr("time_coverage_end", new_end)
        var = ds["LEVEL2B/RADIOMETRY/NIR/TOC"]
        var.set_auto_maskandscale(False)
        var[0, 0] = 1234
    report = ingest([products], pgstac_dsn, registry, workers=0)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 11)
    item = _items(pgstac_dsn)[f"probav/{path.stem}"]
    assert item["assets"]["data"]["file:checksum"] == file_checksum(path)
    stored = datetime.fromisoformat(item["properties"]["end_datetime"].replace("Z", "+00:00"))
    assert stored == datetime.fromisoformat(new_end.replace("Z", "+00:00"))
    assert _arrivals(pgstac_dsn)[-1] == ("probav", path.stem, "updated")


def test_prune_removes_items_whose_file_is_gone(pgstac_dsn, registry, products):
    ingest([products], pgstac_dsn, registry, workers=0)
    gone = sorted(products.rglob("*VGT2*.nc"))[:2]
    for p in gone:
        p.unlink()
    kept = ingest([products], pgstac_dsn, registry, workers=0)
    assert kept.deleted == 0 and len(_items(pgstac_dsn)) == 12
    pruned = ingest([products], pgstac_dsn, registry, workers=0, prune=True)
    assert pruned.deleted == 2
    ids = _items(pgstac_dsn)
    assert len(ids) == 10 and not any(f"vgt2/{p.stem}" in ids for p in gone)
    assert [a[2] for a in _arrivals(pgstac_dsn)[-2:]] == ["deleted", "deleted"]


def test_corrupt_files_are_reported_and_skipped(pgstac_dsn, registry, products, tmp_path):
    good = sorted(products.rglob("*PROBAV*.nc"))
    (
        products / "probav" / "2019" / "c3s_L2B_20190610_X18Y02_101500_1KM_PROBAV_V1.0.nc"
    ).write_bytes(good[0].read_bytes()[:5000])
    (products / "probav" / "2019" / "c3s_L2B_20190611_X18Y02_101500_1KM_PROBAV_V1.0.nc").write_text(
        "not netcdf"
    )
    (
        products / "probav" / "2019" / "c3s_L2B_20190612_X18Y02_101500_1KM_NOSUCH_V1.0.nc"
    ).write_bytes(good[0].read_bytes())
    shutil.copy(
        good[1], products / "vgt2" / "c3s_L2B_20190613_X18Y02_101500_1KM_VGT2_V1.0.nc"
    )  # a PROBA-V file named VGT2
    (products / "README.txt").write_text("not a product")
    report = ingest([products], pgstac_dsn, registry, workers=0)
    assert report.created == 12 and report.ignored == 1
    reasons = dict(report.failed)
    assert len(reasons) == 4
    assert any("unknown sensor token 'NOSUCH'" in r for r in reasons.values())
    assert any("contradict the file name" in r for r in reasons.values())
    assert sum("OSError" in r for r in reasons.values()) == 2
    result = CliRunner().invoke(
        app, ["ingest", str(products), "--workers", "0", "--dsn", pgstac_dsn]
    )
    assert result.exit_code == 1
    assert "12 unchanged" in result.output and "4 failed" in result.output


def test_stac_search_finds_exactly_the_expected_items(pgstac_dsn, registry, products):
    ingest([products], pgstac_dsn, registry, workers=0)
    found = catalog.search(
        pgstac_dsn,
        {
            "collections": ["probav"],
            "bbox": [5.0, 49.9, 5.1, 50.1],
            "datetime": "2019-06-02T00:00:00Z/2019-06-04T23:59:59Z",
            "limit": 100,
        },
    )
    ids = sorted(f["id"] for f in found["features"])
    expected = sorted(
        p.stem
        for p in products.rglob("*PROBAV*.nc")
        if p.name[8:16] in ("20190602", "20190603", "20190604")
    )
    assert len(expected) == 3 and ids == expected
    assert (
        catalog.search(pgstac_dsn, {"collections": ["probav"], "bbox": [20, 20, 21, 21]})[
            "features"
        ]
        == []
    )
    coll = catalog.get_collection(pgstac_dsn, "probav")
    assert coll["vp"]["bands"][0]["quality"]["bitmask"] == 0x80


def test_dask_worker_processes_give_the_same_items(pgstac_dsn, registry, products):
    report = ingest([products], pgstac_dsn, registry, workers=1)
    assert report.created == 12 and not report.failed
    assert len(_items(pgstac_dsn)) == 12


def test_watch_records_arrivals(pgstac_dsn, registry, products, tmp_path):
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    sources = sorted(products.rglob("*.nc"))

    def arrive(n, report):
        if n == 1:
            assert report.created == 1
            shutil.copy(sources[1], incoming)
            shutil.copy(sources[2], incoming)

    shutil.copy(sources[0], incoming)
    reports = watch([incoming], pgstac_dsn, registry, interval=0.05, max_polls=3, on_poll=arrive)
    assert [r.created for r in reports] == [1, 2, 0]
    assert [r.scanned for r in reports] == [1, 2, 0]  # later polls only look at what changed
    assert [a[2] for a in _arrivals(pgstac_dsn)] == ["created"] * 3


@pytest.mark.parametrize("code", ["DE-Hai", "US-Ha1"])
def test_sites_table_and_collection(pgstac_dsn, code):
    result = CliRunner().invoke(app, ["sites", "load", "--dsn", pgstac_dsn])
    assert result.exit_code == 0, result.output
    with psycopg.connect(pgstac_dsn) as conn:
        n = conn.execute("SELECT count(*) FROM canopy.sites").fetchone()[0]
        row = conn.execute(
            "SELECT code, tile, ST_Contains(geom, ST_SetSRID(ST_MakePoint(lon, lat), 4326)) FROM canopy.sites WHERE code = %s",
            [code],
        ).fetchone()
    assert n >= 30 and row[2] is True
    point = {
        "type": "Point",
        "coordinates": [-72.1715, 42.5378] if code == "US-Ha1" else [10.4530, 51.0792],
    }
    hits = catalog.search(pgstac_dsn, {"collections": ["vp-sites"], "intersects": point})[
        "features"
    ]
    assert [h["id"] for h in hits] == [code]
    assert (
        CliRunner().invoke(app, ["sites", "load", "--dsn", pgstac_dsn]).exit_code == 0
    )  # idempotent


def test_moved_files_update_hrefs_and_duplicates_are_reported(
    pgstac_dsn, registry, products, tmp_path
):
    ingest([products], pgstac_dsn, registry, workers=0)
    moved = tmp_path / "moved"
    shutil.move(products, moved)
    report = ingest([moved], pgstac_dsn, registry, workers=0, prune=True)
    assert (report.updated, report.deleted, report.unchanged) == (12, 0, 0)
    hrefs = [i["assets"]["data"]["alternate"]["local"]["href"] for i in _items(pgstac_dsn).values()]
    assert len(hrefs) == 12 and all(h.startswith(str(moved)) for h in hrefs)
    copy = tmp_path / "copy"
    shutil.copytree(moved / "vgt2", copy)
    report = ingest([moved, copy], pgstac_dsn, registry, workers=0)
    assert report.unchanged == 12 and len(report.failed) == 6
    assert all(reason.startswith("duplicate of ") for _, reason in report.failed)


def test_a_new_public_url_updates_the_hrefs(pgstac_dsn, registry, products):
    ingest([products], pgstac_dsn, registry, workers=0, public_url="http://old:8000")
    report = ingest([products], pgstac_dsn, registry, workers=0, public_url="https://new.org/c/")
    assert (report.created, report.updated, report.unchanged) == (0, 12, 0)
    hrefs = [i["assets"]["data"]["href"] for i in _items(pgstac_dsn).values()]
    assert all(h.startswith("https://new.org/c/data/") for h in hrefs)


def test_verify_opens_the_file_and_checks_every_layer(pgstac_dsn, registry, products):
    broken = sorted(products.rglob("*PROBAV*.nc"))[0]
    with h5py.File(broken, "a") as f:
        del f["LEVEL2B/RADIOMETRY/NIR/TOC_ERR"]
    plain = ingest([products], pgstac_dsn, registry, workers=0)
    assert plain.created == 12  # metadata only: the missing layer goes unnoticed
    with netCDF4.Dataset(broken, "a") as ds:  # a changed file is scanned again
        ds.setncattr("history", "touched")
    verified = ingest([products], pgstac_dsn, registry, workers=0, verify=True)
    assert verified.updated == 0 and verified.unchanged == 11
    ((path, reason),) = verified.failed
    assert path == str(broken) and "/LEVEL2B/RADIOMETRY/NIR/TOC_ERR is missing" in reason


def test_a_file_without_its_metadata_is_reported(pgstac_dsn, registry, products):
    path = sorted(products.rglob("*VGT2*.nc"))[0]
    with netCDF4.Dataset(path, "a") as ds:
        ds.delncattr("time_coverage_end")
    report = ingest([products], pgstac_dsn, registry, workers=0)
    assert report.created == 11
    ((failed, reason),) = report.failed
    assert failed == str(path) and reason.startswith("KeyError") and "time_coverage_end" in reason


def test_small_runs_start_no_cluster(products):
    paths = [str(p) for p in products.rglob("*.nc")]
    assert auto_workers(paths) == 0
    assert auto_workers([]) == 0
