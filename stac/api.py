"""The STAC API (stac-fastapi-pgstac) as a sub-application mounted under ``/stac``."""

from __future__ import annotations

from contextlib import asynccontextmanager

import asyncpg
import attr
from fastapi import FastAPI
from stac_fastapi.pgstac.app import instantiate_api
from stac_fastapi.pgstac.config import Settings
from stac_fastapi.pgstac.core import CoreCrudClient
from stac_fastapi.pgstac.db import get_connection
from stac_fastapi.pgstac.models.extensions import Extensions

STAC_TITLE = "Canopy STAC"
STAC_DESCRIPTION = (
    "Inputs (per-sensor top-of-canopy reflectance) and outputs (LAI/fAPAR products) of Canopy."
)


@attr.s
class CanopyCoreClient(CoreCrudClient):
    """stac-fastapi's client with Canopy's landing page.

    stac-fastapi reads the landing id from an environment variable at import time
    (notes/stac.md §5, trap 3), so we set it here instead.
    """

    landing_page_id: str = attr.ib(default="canopy")
    title: str = attr.ib(default=STAC_TITLE)
    description: str = attr.ib(default=STAC_DESCRIPTION)


def stac_api_settings() -> Settings:
    """Settings of the embedded STAC API (independent of the process environment)."""
    return Settings(
        stac_fastapi_title=STAC_TITLE,
        stac_fastapi_description=STAC_DESCRIPTION,
        stac_fastapi_version="1.0.0",
        stac_fastapi_landing_id="canopy",
        enable_transactions_extensions=True,  # guarded by the admin credential in backend
        use_api_hydrate=True,  # ~2x faster searches (notes/stac.md §3)
        cors_origins=["*"],
        cors_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        cors_headers=["Content-Type", "Authorization"],
    )


@asynccontextmanager
async def _no_lifespan(app: FastAPI):
    # Starlette never runs a mounted app's lifespan; the parent opens the pool instead.
    yield


def create_stac_app() -> FastAPI:
    """Build the stac-fastapi-pgstac application, without database pools yet."""
    settings = stac_api_settings()
    api = instantiate_api(
        client=CanopyCoreClient,
        # without an explicit Extensions(settings=...) transactions stay off (trap 3)
        extensions=Extensions(settings=settings),
        lifespan=_no_lifespan,
        settings=settings,
    )
    return api.app


def attach_pool(stac_app: FastAPI, pool: asyncpg.Pool) -> None:
    """Hand the shared catalogue pool to the STAC app (read and write)."""
    stac_app.state.readpool = pool
    stac_app.state.writepool = pool
    stac_app.state.get_connection = get_connection


class MountedRootPathFix:
    """ASGI shim: re-base the STAC app's links on its mount point.

    Starlette keeps ``app_root_path`` at the parent's root, so every STAC link would lose
    the ``/stac`` prefix; dropping the parent's router makes ``url_for("openapi")`` resolve
    in the STAC app (notes/stac.md §5, trap 2).
    """

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] in ("http", "websocket"):
            scope = dict(scope, app_root_path=scope.get("root_path", ""))
            scope.pop("router", None)
        await self.app(scope, receive, send)
