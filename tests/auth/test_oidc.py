"""OIDC bearer tokens: the dev issuer, JWT checks, discovery + JWKS over HTTP, production mode."""

from __future__ import annotations

import base64
import json

import httpx
import jwt
import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from pydantic import ValidationError

from backend.app import create_app
from backend.auth import AuthSettings
from backend.auth.settings import DEV_CLIENT_ID, DEV_CLIENT_SECRET
from backend.settings import BackendSettings
from tests.conftest import LiveServer, free_port

API = "/openeo/1.2"
DEV_USER = f"dev~{DEV_CLIENT_ID}"


def dev_token(client, secret: str = DEV_CLIENT_SECRET) -> httpx.Response:
    form = {"grant_type": "client_credentials", "client_id": DEV_CLIENT_ID}
    return client.post("/oidc-dev/token", data={**form, "client_secret": secret, "scope": "openid"})


def oidc(token: str, provider: str = "dev") -> dict[str, str]:
    return {"Authorization": f"Bearer oidc/{provider}/{token}"}


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def assert_error(response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    assert response.json()["code"] == code
    return response.json()["message"]


def test_credentials_oidc_lists_the_dev_provider_without_client_credentials(client):
    body = client.get(f"{API}/credentials/oidc").json()
    (dev,) = body["providers"]
    assert dev["id"] == "dev"
    assert dev["issuer"] == "http://testserver/oidc-dev"
    assert dev["scopes"] == ["openid"]
    assert "default_clients" not in dev  # a default client must be public; ours has a secret
    assert "audience" not in dev


def test_dev_issuer_publishes_discovery_and_keys(client):
    config = client.get("/oidc-dev/.well-known/openid-configuration").json()
    assert config["issuer"] == "http://testserver/oidc-dev"
    assert config["token_endpoint"] == "http://testserver/oidc-dev/token"
    keys = client.get(config["jwks_uri"]).json()["keys"]
    assert [(k["kty"], k["alg"], k["use"]) for k in keys] == [("RSA", "RS256", "sig")]
    assert "d" not in keys[0]  # public half only


def test_client_credentials_token_identifies_the_client(client, pgstac_dsn):
    response = dev_token(client)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["iss"] == "http://testserver/oidc-dev"
    assert claims["sub"] == DEV_CLIENT_ID and claims["aud"] == "canopy"
    me = client.get(f"{API}/me", headers=oidc(body["access_token"]))
    assert me.status_code == 200, me.text
    assert me.json()["user_id"] == DEV_USER
    with psycopg.connect(pgstac_dsn) as conn:
        row = conn.execute(
            "SELECT provider, subject, password_hash FROM canopy.users WHERE user_id = %s",
            [DEV_USER],
        ).fetchone()
    assert row == ("dev", DEV_CLIENT_ID, None)  # created on first sight, no password


def test_client_secret_basic_is_accepted_too(client):
    auth = base64.b64encode(f"{DEV_CLIENT_ID}:{DEV_CLIENT_SECRET}".encode()).decode()
    response = client.post(
        "/oidc-dev/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {auth}"},
    )
    assert response.status_code == 200, response.text


def test_a_validated_token_is_served_from_the_cache(client, pgstac_dsn):
    token = dev_token(client).json()["access_token"]

    def last_seen():
        with psycopg.connect(pgstac_dsn) as conn:
            sql = "SELECT last_seen_at FROM canopy.users WHERE user_id = %s"
            return conn.execute(sql, [DEV_USER]).fetchone()[0]

    assert client.get(f"{API}/me", headers=oidc(token)).status_code == 200
    first = last_seen()
    assert client.get(f"{API}/me", headers=oidc(token)).status_code == 200
    assert last_seen() == first  # no second upsert: the token cache answered
    second_token = dev_token(client).json()["access_token"]
    assert client.get(f"{API}/me", headers=oidc(second_token)).json()["user_id"] == DEV_USER
    assert last_seen() > first  # a new token is validated and seen again


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ({"client_secret": "wrong"}, 401, "invalid_client"),
        ({"client_id": "someone-else"}, 401, "invalid_client"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
    ],
)
def test_token_endpoint_refuses_bad_clients_and_grants(client, form, status, error):
    base = {
        "grant_type": "client_credentials",
        "client_id": DEV_CLIENT_ID,
        "client_secret": DEV_CLIENT_SECRET,
    }
    response = client.post("/oidc-dev/token", data={**base, **form})
    assert response.status_code == status
    assert response.json()["error"] == error


def test_tampered_forged_and_unsigned_tokens_are_invalid(client):
    token = dev_token(client).json()["access_token"]
    header, _payload, signature = token.split(".")
    claims = jwt.decode(token, options={"verify_signature": False})
    tampered = ".".join([header, b64({**claims, "sub": "admin"}), signature])
    assert "Signature" in assert_error(
        client.get(f"{API}/me", headers=oidc(tampered)), 403, "TokenInvalid"
    )

    kid = jwt.get_unverified_header(token)["kid"]
    attacker = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(claims, attacker, algorithm="RS256", headers={"kid": kid})
    assert_error(client.get(f"{API}/me", headers=oidc(forged)), 403, "TokenInvalid")

    for alg in ("none", "HS256"):
        unsigned = ".".join([b64({"alg": alg, "kid": kid}), b64(claims), ""])
        message = assert_error(client.get(f"{API}/me", headers=oidc(unsigned)), 403, "TokenInvalid")
        assert alg in message
    assert_error(client.get(f"{API}/me", headers=oidc("not-a-jwt")), 403, "TokenInvalid")


def test_expired_token_and_foreign_issuer_are_invalid(client, app):
    dev = app.state.auth.dev
    expired = dev.issue("http://testserver/oidc-dev", "openid", ttl_s=-120)
    assert_error(client.get(f"{API}/me", headers=oidc(expired)), 403, "TokenInvalid")
    # A token minted for one server URL is not accepted when presented at another.
    token = dev_token(client).json()["access_token"]
    assert client.get(f"{API}/me", headers=oidc(token)).status_code == 200  # now cached
    elsewhere = client.get(f"http://other.example{API}/me", headers=oidc(token))
    assert "iss" in assert_error(elsewhere, 403, "TokenInvalid")


def test_unknown_provider_is_refused(client):
    token = dev_token(client).json()["access_token"]
    message = assert_error(
        client.get(f"{API}/me", headers=oidc(token, provider="egi")), 403, "TokenInvalid"
    )
    assert "egi" in message


def test_production_mode_hides_the_dev_issuer(stac_settings):
    app = create_app(BackendSettings(production=True), stac_settings, auth_settings=AuthSettings())
    with TestClient(app, raise_server_exceptions=False) as client:
        assert_error(client.get("/oidc-dev/.well-known/openid-configuration"), 404, "NotFound")
        assert_error(client.post("/oidc-dev/token", data={}), 404, "NotFound")
        # no provider left, and the spec wants at least one: the endpoint is not offered
        assert_error(client.get(f"{API}/credentials/oidc"), 404, "NotFound")
        paths = {e["path"] for e in client.get(f"{API}/").json()["endpoints"]}
        assert "/credentials/oidc" not in paths and "/credentials/basic" in paths
        forged = jwt.encode({"sub": "x", "iss": "y"}, "k" * 32, algorithm="HS256")
        assert_error(client.get(f"{API}/me", headers=oidc(forged)), 403, "TokenInvalid")


def test_production_lists_configured_providers_only(stac_settings):
    provider = {"id": "egi", "issuer": "https://aai.egi.eu/auth/realms/egi/", "title": "EGI"}
    settings = AuthSettings(oidc_providers=[provider])
    app = create_app(BackendSettings(production=True), stac_settings, auth_settings=settings)
    with TestClient(app) as client:
        body = client.get(f"{API}/credentials/oidc").json()
    assert body["providers"] == [
        {
            "id": "egi",
            "issuer": "https://aai.egi.eu/auth/realms/egi",
            "title": "EGI",
            "scopes": ["openid"],
        }
    ]


def test_providers_come_from_the_environment_and_are_checked(monkeypatch):
    providers = [
        {
            "id": "egi",
            "issuer": "https://aai.egi.eu/auth/realms/egi",
            "title": "EGI Check-in",
            "scopes": ["openid", "email"],
            "default_clients": [{"id": "openeo-public", "grant_types": ["refresh_token"]}],
        }
    ]
    monkeypatch.setenv("CANOPY_OIDC_PROVIDERS", json.dumps(providers))
    (egi,) = AuthSettings().oidc_providers
    assert egi.default_clients[0].grant_types == ["refresh_token"]
    bad_grant = [
        {**providers[0], "default_clients": [{"id": "c", "grant_types": ["client_credentials"]}]}
    ]
    monkeypatch.setenv("CANOPY_OIDC_PROVIDERS", json.dumps(bad_grant))
    with pytest.raises(ValidationError, match="grant_types"):
        AuthSettings()
    with pytest.raises(ValidationError, match="openid"):
        AuthSettings(oidc_providers=[{**providers[0], "scopes": ["email"]}])
    with pytest.raises(ValueError, match="taken by the development issuer"):
        create_app(
            BackendSettings(),
            auth_settings=AuthSettings(oidc_providers=[{**providers[0], "id": "dev"}]),
        )


def test_external_provider_through_discovery_and_jwks_over_http(backend_settings, stac_settings):
    port = free_port()
    issuer = f"http://127.0.0.1:{port}/oidc-dev"  # this server's dev issuer, seen as a stranger
    providers = [
        {"id": "ext", "issuer": issuer, "title": "External", "audience": "canopy"},
        {"id": "strict", "issuer": issuer, "title": "Other audience", "audience": "not-canopy"},
        {"id": "down", "issuer": f"http://127.0.0.1:{free_port()}/x", "title": "Unreachable"},
    ]
    settings = AuthSettings(oidc_providers=providers)
    app = create_app(backend_settings, stac_settings, auth_settings=settings)
    with LiveServer(app, port) as server, httpx.Client(base_url=server.url) as http:
        listed = [p["id"] for p in http.get(f"{API}/credentials/oidc").json()["providers"]]
        assert listed == ["ext", "strict", "down", "dev"]  # configured first: the default
        token = dev_token(http).json()["access_token"]
        me = http.get(f"{API}/me", headers=oidc(token, "ext"))
        assert me.status_code == 200, me.text
        assert me.json()["user_id"] == f"ext~{DEV_CLIENT_ID}"
        strict = http.get(f"{API}/me", headers=oidc(token, "strict"))
        assert "audience" in assert_error(strict, 403, "TokenInvalid").lower()
        down = http.get(f"{API}/me", headers=oidc(token, "down"))
        assert "cannot be reached" in assert_error(down, 503, "ServiceUnavailable")
