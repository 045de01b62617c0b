"""Catalogue writes (STAC transactions) only with the admin credential, never anonymous."""

from __future__ import annotations

import hmac

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from backend.errors import error_response
from processes.exceptions import AuthenticationRequired, PermissionsInsufficient

_READ_METHODS = {"GET", "HEAD", "OPTIONS"}


def _is_read(method: str, path: str) -> bool:
    # POST /search is a read: a search with a JSON body.
    return method in _READ_METHODS or (method == "POST" and path.rstrip("/").endswith("/search"))


class StacWriteGuard:
    """ASGI wrapper around the STAC app that refuses writes without the admin bearer token."""

    def __init__(self, app: ASGIApp, admin_token: str | None) -> None:
        self.app = app
        self.admin_token = admin_token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not _is_read(scope["method"], scope["path"]):
            request = Request(scope)
            auth = request.headers.get("authorization", "")
            if not auth:
                error = AuthenticationRequired(
                    "Writing to the catalogue needs the admin credential."
                )
                await error_response(error, request)(scope, receive, send)
                return
            token = auth.removeprefix("Bearer ").strip()
            if not self.admin_token or not hmac.compare_digest(token, self.admin_token):
                error = PermissionsInsufficient(reason="only the catalogue administrator may write")
                await error_response(error, request)(scope, receive, send)
                return
        await self.app(scope, receive, send)
