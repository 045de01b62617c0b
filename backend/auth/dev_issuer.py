"""A development OIDC issuer under /oidc-dev: discovery, JWKS, client_credentials tokens.

For local runs and tests only (never mounted in production mode): one confidential client from
the settings, RS256 access tokens (RFC 9068 shape) signed with a key generated when first
needed, so tokens do not survive a restart.
"""

from __future__ import annotations

import base64
import hmac
import json
import secrets
import time
from functools import cached_property
from urllib.parse import parse_qsl

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from jwt.algorithms import RSAAlgorithm

from backend.auth.settings import AuthSettings

PREFIX = "/oidc-dev"

router = APIRouter(prefix=PREFIX, include_in_schema=False)


class DevIssuer:
    """The issuer's key and client; its URL follows the request (TestClient, uvicorn, proxy)."""

    def __init__(self, settings: AuthSettings) -> None:
        self.client_id = settings.dev_client_id
        self._secret = settings.dev_client_secret.get_secret_value()
        self.audience = settings.dev_audience
        self.token_ttl_s = settings.dev_token_ttl_s

    @cached_property
    def _private_key(self) -> rsa.RSAPrivateKey:
        # Generated on first use (~50 ms), not per app: most apps built in tests never need it.
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)

    @cached_property
    def jwks(self) -> dict:
        """The public JWK set."""
        jwk = json.loads(RSAAlgorithm.to_jwk(self._private_key.public_key()))
        return {"keys": [{**jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}]}

    @cached_property
    def kid(self) -> str:
        """Key id: a short fingerprint of the public modulus."""
        n = self._private_key.public_key().public_numbers().n
        return base64.urlsafe_b64encode(n.to_bytes(256, "big")[:12]).decode().rstrip("=")

    @staticmethod
    def issuer_url(request: Request) -> str:
        """The issuer as seen by the caller: ``<server root>/oidc-dev``."""
        return str(request.base_url).rstrip("/") + PREFIX

    def client_ok(self, client_id: str, secret: str) -> bool:
        """Constant-time check of the client's credentials."""
        same_id = hmac.compare_digest(client_id.encode(), self.client_id.encode())
        same_secret = hmac.compare_digest(secret.encode(), self._secret.encode())
        return same_id and same_secret

    def issue(self, issuer: str, scope: str, ttl_s: int | None = None) -> str:
        """Sign an access token for the client (``sub`` = client id)."""
        now = int(time.time())
        claims = {
            "iss": issuer,
            "sub": self.client_id,
            "aud": self.audience,
            "client_id": self.client_id,
            "scope": scope,
            "iat": now,
            "nbf": now,
            "exp": now + (self.token_ttl_s if ttl_s is None else ttl_s),
            "jti": secrets.token_urlsafe(12),
        }
        headers = {"kid": self.kid, "typ": "at+jwt"}
        return jwt.encode(claims, self._private_key, algorithm="RS256", headers=headers)


def _issuer(request: Request) -> DevIssuer:
    return request.app.state.auth.dev


def _oauth_error(error: str, description: str, status: int = 400) -> JSONResponse:
    headers = {"Cache-Control": "no-store"}
    if status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="oidc-dev"'
    body = {"error": error, "error_description": description}
    return JSONResponse(body, status_code=status, headers=headers)


def _client_credentials(request: Request, form: dict[str, str]) -> tuple[str, str]:
    # RFC 6749 §2.3.1: client_secret_basic (header) or client_secret_post (form fields).
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
        except ValueError:
            return "", ""
        client_id, _, secret = decoded.partition(":")
        return client_id, secret
    return form.get("client_id", ""), form.get("client_secret", "")


@router.get("/.well-known/openid-configuration")
def discovery(request: Request) -> dict:
    """OpenID Connect discovery document."""
    issuer = DevIssuer.issuer_url(request)
    return {
        "issuer": issuer,
        "token_endpoint": issuer + "/token",
        "jwks_uri": issuer + "/jwks",
        "grant_types_supported": ["client_credentials"],
        "response_types_supported": ["token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "scopes_supported": ["openid"],
    }


@router.get("/jwks")
def jwks(request: Request) -> dict:
    """The public signing keys."""
    return _issuer(request).jwks


@router.post("/token")
async def token(request: Request) -> JSONResponse:
    """Token endpoint: the client_credentials grant only."""
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return _oauth_error("invalid_request", "send application/x-www-form-urlencoded")
    form = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
    if form.get("grant_type") != "client_credentials":
        return _oauth_error("unsupported_grant_type", "only client_credentials is supported")
    issuer = _issuer(request)
    client_id, secret = _client_credentials(request, form)
    if not issuer.client_ok(client_id, secret):
        return _oauth_error("invalid_client", "unknown client or wrong secret", status=401)
    scope = " ".join(dict.fromkeys(["openid", *form.get("scope", "").split()]))
    access_token = issuer.issue(DevIssuer.issuer_url(request), scope)
    body = {
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": issuer.token_ttl_s,
        "scope": scope,
    }
    return JSONResponse(body, headers={"Cache-Control": "no-store"})
