"""``/data/...``: catalogued files over HTTP with ranges, and nothing else."""

from __future__ import annotations

import os

import httpx
import pytest

from ingest.ingester import ingest
from ingest.roots import ROOTS_FILE, register_roots
from stac import catalog


def _item(dsn: str, token: str = "PROBAV") -> dict:
    found = catalog.search(dsn, {"collections": ["probav" if token == "PROBAV" else "vgt2"]})
    return sorted(found["features"], key=lambda f: f["id"])[0]


@pytest.fixture
def served(pgstac_dsn, registry, products, canopy_home):
    """Products ingested with http hrefs on the test client's base, their folder a data root."""
    ingest([products], pgstac_dsn, registry, workers=0, public_url="http://testserver")
    register_roots(canopy_home, [products])
    return _item(pgstac_dsn)


def test_get_head_and_ranges(client, served):
    asset = served["assets"]["data"]
    local = asset["alternate"]["local"]["href"]
    body = open(local, "rb").read()
    url = asset["href"].removeprefix("http://testserver")
    got = client.get(url)
    assert got.status_code == 200 and got.content == body
    assert got.headers["content-type"] == "application/x-netcdf"
    assert got.headers["content-length"] == str(len(body)) == str(asset["file:size"])
    assert got.headers["accept-ranges"] == "bytes"
    head = client.head(url)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(body))
    part = client.get(url, headers={"Range": "bytes=0-7"})
    assert part.status_code == 206 and part.content == b"\x89HDF\r\n\x1a\n"
    assert part.headers["content-range"] == f"bytes 0-7/{len(body)}"
    tail = client.get(url, headers={"Range": "bytes=-100"})
    assert tail.status_code == 206 and tail.content == body[-100:]
    beyond = client.get(url, headers={"Range": f"bytes={len(body) + 10}-"})
    assert beyond.status_code == 416


def test_unknown_files_and_traversal_get_not_found(client, served, products):
    item = served["id"]
    base = f"/data/probav/{item}"
    for url in (
        f"/data/probav/nosuchitem/{item}.nc",
        f"/data/vgt2/{item}/{item}.nc",  # right item, wrong collection
        f"{base}/other.nc",
        f"{base}/..%2F..%2F..%2Fetc%2Fpasswd",
        f"{base}/%2Fetc%2Fpasswd",
        "/data/probav/..%2F..%2F/etc/passwd",
    ):
        got = client.get(url)
        assert got.status_code == 404, url
        assert got.json()["code"] in ("FileNotFound", "NotFound"), url
    got = client.get(f"{base}/nosuch.nc")
    assert got.json()["code"] == "FileNotFound" and "nosuch.nc" in got.json()["message"]
    os.remove(served["assets"]["data"]["alternate"]["local"]["href"])
    assert client.get(f"{base}/{item}.nc").status_code == 404  # catalogued, but the file is gone


def test_files_outside_the_data_roots_are_not_served(client, pgstac_dsn, registry, products):
    ingest([products], pgstac_dsn, registry, workers=0, public_url="http://testserver")
    item = _item(pgstac_dsn)
    url = item["assets"]["data"]["href"].removeprefix("http://testserver")
    assert client.get(url).status_code == 404  # products/ is no root of this home


def test_cli_registers_roots_and_stac_browser_hrefs_work_over_http(
    live_server, pgstac_dsn, registry, products, canopy_home, monkeypatch
):
    from typer.testing import CliRunner

    from ingest.cli import app as cli

    monkeypatch.setenv("CANOPY_HOME", str(canopy_home))
    monkeypatch.setenv("CANOPY_PUBLIC_URL", live_server.url)
    result = CliRunner().invoke(cli, ["ingest", str(products), "--dsn", pgstac_dsn])
    assert result.exit_code == 0, result.output
    assert (canopy_home / ROOTS_FILE).read_text().strip() == os.path.realpath(products)
    # what STAC Browser does: read the item from the STAC API, follow the asset href
    items = httpx.get(f"{live_server.url}/stac/collections/vgt2/items", params={"limit": 1}).json()
    asset = items["features"][0]["assets"]["data"]
    assert asset["href"].startswith(f"{live_server.url}/data/vgt2/")
    got = httpx.get(asset["href"], headers={"Range": "bytes=0-3"})
    assert got.status_code == 206 and got.content == b"\x89HDF"
