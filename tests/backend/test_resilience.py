"""Bad input and a missing database give openEO errors quickly, never a 500 or a hang."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from backend.app import create_app
from backend.settings import BackendSettings
from stac.settings import StacSettings
from tests.conftest import free_port


def test_database_unreachable_is_503_within_seconds(canopy_home):
    dead = f"postgresql://postgres:x@127.0.0.1:{free_port()}/canopy"
    app = create_app(BackendSettings(), StacSettings(database_url=dead, home=canopy_home))
    with TestClient(app, raise_server_exceptions=False) as client:
        for path in ("/openeo/1.2/collections", "/openeo/1.2/collections/x", "/stac/collections"):
            started = time.monotonic()
            resp = client.get(path)
            assert time.monotonic() - started < 5
            assert resp.status_code == 503, (path, resp.text)
            body = resp.json()
            assert body["code"] == "ServiceUnavailable" and "database" in body["message"]
        # what does not need the database keeps working
        assert client.get("/openeo/1.2/").status_code == 200


def test_malformed_parameters_are_400_with_openeo_body(client):
    resp = client.get("/stac/search", params={"limit": "many"})
    assert resp.status_code == 400
    body = resp.json()
    assert body["code"] and body["message"] and "detail" not in body


def test_unexpected_exception_is_500_without_traceback(app):
    @app.get("/openeo/1.2/boom", include_in_schema=False)
    def boom():
        raise ZeroDivisionError("secret internals")

    with TestClient(app, raise_server_exceptions=False) as client:
        resp = client.get("/openeo/1.2/boom", headers={"Origin": "https://x.org"})
    assert resp.status_code == 500
    body = resp.json()
    assert body["code"] == "Internal" and "secret internals" not in body["message"]
    assert "Traceback" not in resp.text
    assert resp.headers["access-control-allow-origin"] == "*"
