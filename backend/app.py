"""The application factory: openEO API, mounted STAC API, error handling, CORS."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from stac_fastapi.api.errors import DEFAULT_STATUS_CODES

from backend.auth import AuthSettings, AuthState, dev_issuer
from backend.errors import CatchAllMiddleware, install_error_handlers
from backend.paths import CollapseSlashes
from backend.routers import (
    capabilities,
    collections,
    credentials,
    data,
    jobs,
    process_graphs,
    processes,
    results,
)
from backend.settings import BackendSettings
from backend.stac_guard import StacWriteGuard
from stac.api import MountedRootPathFix, attach_pool, create_stac_app
from stac.pool import open_pool
from stac.settings import StacSettings

EXPOSED_HEADERS = [
    "OpenEO-Identifier",
    "OpenEO-Costs",
    "Location",
    "Content-Length",
    "Accept-Ranges",
    "Link",
]

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def create_app(
    settings: BackendSettings | None = None,
    stac_settings: StacSettings | None = None,
    lifespan: Lifespan | None = None,
    auth_settings: AuthSettings | None = None,
) -> FastAPI:
    """Build the Canopy web application.

    Args:
        settings: backend settings; read from the environment when omitted.
        stac_settings: catalogue database settings; read from the environment when omitted.
        lifespan: an extra lifespan run inside the default one (after the pool is open).
        auth_settings: authentication settings; read from the environment when omitted.

    Returns:
        The FastAPI app: ``/.well-known/openeo``, ``/openeo/1.2/*`` and ``/stac/*``.
    """
    settings = settings or BackendSettings()
    stac_settings = stac_settings or StacSettings()
    stac_app = create_stac_app()
    auth = AuthState(auth_settings or AuthSettings(), production=settings.production)

    @asynccontextmanager
    async def app_lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = await open_pool(stac_settings)
        app.state.catalogue_pool = pool
        attach_pool(stac_app, pool)
        try:
            if lifespan is None:
                yield
            else:
                async with lifespan(app):
                    yield
        finally:
            await auth.aclose()
            await pool.close()

    app = FastAPI(
        title=settings.title,
        description=settings.description,
        version="1.2.0",
        lifespan=app_lifespan,
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.stac_settings = stac_settings
    app.state.stac_app = stac_app
    app.state.auth = auth

    install_error_handlers(app)
    install_error_handlers(stac_app, status_codes=dict(DEFAULT_STATUS_CODES))
    app.include_router(capabilities.well_known_router)
    app.include_router(capabilities.router)
    app.include_router(collections.router)
    app.include_router(credentials.router)
    if auth.has_providers:
        app.include_router(credentials.oidc_router)
    if auth.dev is not None:  # never in production mode
        app.include_router(dev_issuer.router)
    app.include_router(processes.router)
    app.include_router(process_graphs.router)
    app.include_router(jobs.router)
    app.include_router(results.router)
    app.include_router(data.router)

    admin = settings.admin_token.get_secret_value() if settings.admin_token else None
    app.mount("/stac", StacWriteGuard(MountedRootPathFix(stac_app), admin), name="stac")

    # Order matters: CatchAll sits inside CORS, so even 500s carry CORS headers.
    app.add_middleware(CatchAllMiddleware)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        # `*` with credentials makes Starlette drop the header; tokens travel as bearer anyway
        allow_credentials=False,
        allow_methods=["*"],
        allow_headers=["*"],
        expose_headers=EXPOSED_HEADERS,
    )
    app.add_middleware(CollapseSlashes)  # outermost: routing and CORS see clean paths
    return app
