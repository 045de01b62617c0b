"""HTTP Basic login, basic bearer tokens and the errors around them (real DB, ASGI client)."""

from __future__ import annotations

import base64
import hashlib

import psycopg
import pytest
from fastapi.testclient import TestClient

from backend.app import create_app
from backend.auth import AuthSettings
from backend.auth.admin import remove_user

API = "/openeo/1.2"


def basic(name: str, password: str) -> dict[str, str]:
    raw = base64.b64encode(f"{name}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def login(client, name: str, password: str) -> str:
    response = client.get(f"{API}/credentials/basic", headers=basic(name, password))
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def assert_error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code
    assert body["message"] and body["id"]


def test_login_gives_a_token_that_identifies_the_user(client, users):
    token = login(client, "alice", users["alice"])
    me = client.get(f"{API}/me", headers={"Authorization": f"Bearer basic//{token}"})
    assert me.status_code == 200
    body = me.json()
    assert body["user_id"] == "alice"
    assert body["name"] == "alice"
    assert body["roles"] == []
    assert "budget" not in body and "storage" not in body  # see backend/routers/credentials.py
    assert body["links"][0]["href"].endswith("/openeo/1.2/me")
    bob = login(client, "bob", users["bob"])
    bob_me = client.get(f"{API}/me", headers={"Authorization": f"Bearer basic//{bob}"})
    assert bob_me.json()["user_id"] == "bob"


def test_only_the_hash_of_a_token_is_stored_with_the_configured_expiry(
    backend_settings, stac_settings, users, pgstac_dsn
):
    app = create_app(
        backend_settings, stac_settings, auth_settings=AuthSettings(basic_token_ttl_s=600)
    )
    with TestClient(app) as client:
        token = login(client, "alice", users["alice"])
    with psycopg.connect(pgstac_dsn) as conn:
        rows = conn.execute(
            "SELECT token_hash, extract(epoch FROM expires_at - created_at) "
            "FROM canopy.access_tokens WHERE user_id = 'alice'"
        ).fetchall()
    assert len(rows) == 1
    stored, lifetime = rows[0]
    assert bytes(stored) == hashlib.sha256(token.encode()).digest()
    assert float(lifetime) == pytest.approx(600, abs=2)


@pytest.mark.parametrize(
    ("name", "password"), [("alice", "wrong-password"), ("mallory", "alice-password"), ("bob", "")]
)
def test_bad_credentials_are_refused(client, users, name, password):
    response = client.get(f"{API}/credentials/basic", headers=basic(name, password))
    assert_error(response, 403, "CredentialsInvalid")


def test_login_without_credentials_asks_for_basic(client, users):
    response = client.get(f"{API}/credentials/basic")
    assert_error(response, 401, "AuthenticationRequired")
    assert response.headers["WWW-Authenticate"].startswith("Basic")
    garbled = client.get(f"{API}/credentials/basic", headers={"Authorization": "Basic !!!"})
    assert_error(garbled, 403, "CredentialsInvalid")


def test_me_without_a_token_needs_authentication(client):
    response = client.get(f"{API}/me")
    assert_error(response, 401, "AuthenticationRequired")
    assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "header",
    [
        "Basic YWxpY2U6YWxpY2UtcGFzc3dvcmQ=",  # basic credentials instead of a bearer token
        "Bearer sometoken",
        "Bearer basic/x/sometoken",
        "Bearer basic//",
        "Bearer oidc/dev",
        "Token basic//abc",
        "Bearer",
    ],
)
def test_unknown_schemes_are_refused(client, users, header):
    response = client.get(f"{API}/me", headers={"Authorization": header})
    assert_error(response, 403, "AuthenticationSchemeInvalid")


def test_unknown_and_expired_tokens_are_invalid(client, users, pgstac_dsn):
    unknown = client.get(f"{API}/me", headers={"Authorization": "Bearer basic//not-a-token"})
    assert_error(unknown, 403, "TokenInvalid")
    token = login(client, "alice", users["alice"])
    headers = {"Authorization": f"Bearer basic//{token}"}
    assert client.get(f"{API}/me", headers=headers).status_code == 200
    with psycopg.connect(pgstac_dsn, autocommit=True) as conn:
        conn.execute("UPDATE canopy.access_tokens SET expires_at = now() - interval '1 second'")
    assert_error(client.get(f"{API}/me", headers=headers), 403, "TokenInvalid")


def test_removing_a_user_revokes_its_tokens_at_once(client, users, pgstac_dsn):
    token = login(client, "bob", users["bob"])
    headers = {"Authorization": f"Bearer basic//{token}"}
    assert client.get(f"{API}/me", headers=headers).status_code == 200
    remove_user(pgstac_dsn, "bob")
    assert_error(client.get(f"{API}/me", headers=headers), 403, "TokenInvalid")


def test_shared_fixture_headers_work_for_both_users(client, auth_headers):
    assert client.get(f"{API}/me", headers=auth_headers("alice")).json()["user_id"] == "alice"
    assert client.get(f"{API}/me", headers=auth_headers("bob")).json()["user_id"] == "bob"


def test_capabilities_advertise_the_account_endpoints(client):
    endpoints = {e["path"]: e["methods"] for e in client.get(f"{API}/").json()["endpoints"]}
    assert endpoints["/credentials/basic"] == ["GET"]
    assert endpoints["/credentials/oidc"] == ["GET"]
    assert endpoints["/me"] == ["GET"]
