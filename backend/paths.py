"""Request paths with repeated slashes are served as if the slashes were single.

Clients that join a base URL ending in ``/`` with a path starting with ``/`` send ``//jobs``
(the openEO conformance suite does, for its job-status polling); they mean ``/jobs``.
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Receive, Scope, Send

_SLASHES = re.compile(r"/{2,}")


class CollapseSlashes:
    """ASGI middleware: ``/openeo/1.2//jobs`` → ``/openeo/1.2/jobs``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and "//" in scope["path"]:
            path = _SLASHES.sub("/", scope["path"])
            scope = dict(scope, path=path, raw_path=path.encode())
        await self.app(scope, receive, send)
