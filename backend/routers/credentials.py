"""openEO account management: /credentials/basic, /credentials/oidc and /me."""

from __future__ import annotations

import base64
import binascii

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from backend.auth import AuthStateDep, CurrentUserDep
from backend.auth.passwords import verify_password
from backend.auth.store import issue_token, password_of
from backend.deps import CataloguePoolDep
from backend.errors import error_response
from backend.routers.capabilities import API_PREFIX, api_url
from processes.exceptions import AuthenticationRequired, CredentialsInvalid

router = APIRouter(prefix=API_PREFIX, tags=["account"])
oidc_router = APIRouter(prefix=API_PREFIX, tags=["account"])
"""Included only when at least one OIDC provider is accepted (the spec wants one or more)."""


def _basic_credentials(header: str) -> tuple[str, str]:
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise CredentialsInvalid(
            "The Basic credentials are not valid base64 'user:password'."
        ) from exc
    name, sep, password = decoded.partition(":")
    if not sep or not name:
        raise CredentialsInvalid("The Basic credentials are not of the form 'user:password'.")
    return name, password


@router.get("/credentials/basic", summary="HTTP Basic authentication")
async def basic_access_token(request: Request, pool: CataloguePoolDep, auth: AuthStateDep):
    """Check HTTP Basic credentials and hand out an access token (use it as ``basic//<token>``)."""
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("basic "):
        response = error_response(
            AuthenticationRequired("Send HTTP Basic credentials (user name and password)."),
            request,
        )
        response.headers["WWW-Authenticate"] = 'Basic realm="openEO", charset="UTF-8"'
        return response
    name, password = _basic_credentials(header)
    found = await password_of(pool, name)
    # scrypt takes tens of ms: off the event loop. An unknown user costs the same as a bad password.
    ok = await anyio.to_thread.run_sync(verify_password, password, found[1] if found else None)
    if found is None or not ok:
        raise CredentialsInvalid()
    token = await issue_token(pool, found[0].user_id, auth.settings.basic_token_ttl_s)
    return JSONResponse({"access_token": token}, headers={"Cache-Control": "no-store"})


@oidc_router.get("/credentials/oidc", summary="OpenID Connect authentication")
def oidc_providers(request: Request, auth: AuthStateDep) -> dict:
    """The OpenID Connect providers whose access tokens are accepted (the first is the default)."""
    return {"providers": auth.public_providers(request)}


@router.get("/me", summary="Information about the authenticated user")
def me(request: Request, user: CurrentUserDep) -> dict:
    """The caller's id, name and roles.

    No budget or storage limit applies. The spec says to send them as null, but the conformance
    suite validates with OpenAPI 3.1 rules that ignore ``nullable``, so they are left out.
    """
    return {
        "user_id": user.user_id,
        "name": user.name or user.user_id,
        "roles": list(user.roles),
        "links": [
            {"rel": "self", "href": api_url(request) + "me", "type": "application/json"},
        ],
    }
