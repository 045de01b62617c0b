"""openEO discovery endpoints and collections from pgstac, through the app factory."""

from __future__ import annotations

import json
import re

import psycopg

from tests.conftest import ADMIN_TOKEN

COLLECTION = {
    "type": "Collection",
    "stac_version": "1.1.0",
    "id": "probav-test",
    "description": "A test collection",
    "license": "proprietary",
    "extent": {
        "spatial": {"bbox": [[0.0, 45.0, 10.0, 55.0]]},
        "temporal": {"interval": [["2019-01-01T00:00:00Z", "2019-12-31T23:59:59Z"]]},
    },
    "summaries": {
        "eo:bands": [{"name": "RED", "center_wavelength": 0.658}, {"name": "NIR"}],
    },
    "links": [],
}


def insert_collection(dsn: str, collection: dict) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SELECT pgstac.create_collection(%s::jsonb)", [json.dumps(collection)])


def test_well_known_points_at_the_1_2_api(client):
    body = client.get("/.well-known/openeo").json()
    assert body["versions"][0]["api_version"] == "1.2.0"
    assert body["versions"][0]["url"].endswith("/openeo/1.2/")


def test_capabilities_list_exactly_the_existing_endpoints(client):
    body = client.get("/openeo/1.2/").json()
    assert body["api_version"] == "1.2.0"
    paths = {e["path"]: e["methods"] for e in body["endpoints"]}
    assert paths["/collections/{collection_id}"] == ["GET"]
    assert paths["/jobs"] == ["GET", "POST"]
    assert "/services" not in paths  # not implemented, so not promised
    for path, methods in paths.items():
        concrete = re.sub(r"\{[^}]+\}", "x", path)
        for method in methods:
            assert client.request(method, "/openeo/1.2" + concrete).status_code != 405, path


def test_collections_come_from_pgstac_with_openeo_metadata(client, pgstac_dsn):
    insert_collection(pgstac_dsn, COLLECTION)
    listing = client.get("/openeo/1.2/collections").json()
    assert [c["id"] for c in listing["collections"]] == ["probav-test"]
    full = client.get("/openeo/1.2/collections/probav-test").json()
    dims = full["cube:dimensions"]
    assert dims["bands"]["values"] == ["RED", "NIR"]
    assert dims["x"]["extent"] == [0.0, 10.0] and dims["y"]["extent"] == [45.0, 55.0]
    assert dims["t"]["extent"][0].startswith("2019-01-01")
    assert [b["name"] for b in full["summaries"]["eo:bands"]] == ["RED", "NIR"]


def test_unknown_collection_is_collection_not_found(client):
    resp = client.get("/openeo/1.2/collections/nope")
    assert resp.status_code == 404
    body = resp.json()
    assert body["code"] == "CollectionNotFound" and "nope" in body["message"]
    assert set(body) >= {"id", "code", "message", "links"} and "detail" not in body


def test_unknown_route_and_wrong_method_are_openeo_errors(client):
    resp = client.get("/openeo/1.2/does-not-exist")
    assert resp.status_code == 404 and resp.json()["code"] == "NotFound"
    resp = client.delete("/openeo/1.2/collections")
    assert resp.status_code == 405 and resp.json()["code"] == "MethodNotAllowed"


def test_cors_headers_also_on_errors(client):
    resp = client.get("/openeo/1.2/collections/nope", headers={"Origin": "https://example.org"})
    assert resp.headers["access-control-allow-origin"] == "*"
    assert "OpenEO-Identifier" in resp.headers["access-control-expose-headers"]
    pre = client.options(
        "/openeo/1.2/collections",
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "GET"},
    )
    assert pre.status_code == 200


def test_stac_is_mounted_with_links_on_the_mount_point(client, pgstac_dsn):
    insert_collection(pgstac_dsn, COLLECTION)
    landing = client.get("/stac/").json()
    assert landing["id"] == "canopy"
    hrefs = {link["rel"]: link["href"] for link in landing["links"]}
    assert hrefs["self"].endswith("/stac/") and hrefs["root"].endswith("/stac/")
    assert hrefs["service-desc"].endswith("/stac/api")
    assert client.get(hrefs["service-desc"]).status_code == 200
    coll = client.get("/stac/collections/probav-test").json()
    assert all("/stac/" in link["href"] for link in coll["links"])


def test_stac_writes_need_the_admin_token(client, pgstac_dsn):
    insert_collection(pgstac_dsn, COLLECTION)
    item = {
        "type": "Feature",
        "stac_version": "1.1.0",
        "id": "i1",
        "collection": "probav-test",
        "geometry": {"type": "Point", "coordinates": [5, 50]},
        "bbox": [5, 50, 5, 50],
        "properties": {"datetime": "2019-05-01T00:00:00Z"},
        "links": [],
        "assets": {},
    }
    url = "/stac/collections/probav-test/items"
    anon = client.post(url, json=item)
    assert anon.status_code == 401 and anon.json()["code"] == "AuthenticationRequired"
    wrong = client.post(url, json=item, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 403
    ok = client.post(url, json=item, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert ok.status_code == 201, ok.text
    found = client.post("/stac/search", json={"bbox": [4, 49, 6, 51]}).json()  # a read
    assert [f["id"] for f in found["features"]] == ["i1"]


def test_stac_errors_are_openeo_bodies_too(client):
    resp = client.get("/stac/collections/nope")
    assert resp.status_code == 404
    body = resp.json()
    assert body["code"] and body["message"] and body["description"]
    bad = client.get("/stac/search?bbox=1,2")
    assert bad.status_code == 400 and "detail" not in bad.json()
