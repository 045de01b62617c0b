"""One asyncpg pool per app for the catalogue, shared by the STAC API and the openEO routes."""

from __future__ import annotations

import asyncpg
from stac_fastapi.pgstac.db import con_init

from stac.settings import StacSettings


async def open_pool(settings: StacSettings, max_size: int = 10) -> asyncpg.Pool:
    """Create the pool without connecting yet.

    ``min_size=0`` lets the API start while the database is down; each request then
    connects on demand and fails within ``connect_timeout_s`` (answered as 503) instead
    of hanging.
    """
    parts = settings.libpq_parts()
    return await asyncpg.create_pool(
        host=parts["host"],
        port=parts["port"],
        user=parts["user"],
        password=parts["password"],
        database=parts["dbname"],
        min_size=0,
        max_size=max_size,
        timeout=settings.connect_timeout_s,
        command_timeout=60,
        max_inactive_connection_lifetime=300,
        init=con_init,
        server_settings={"search_path": "pgstac,public", "application_name": "canopy"},
    )


DATABASE_DOWN_ERRORS: tuple[type[BaseException], ...] = (
    OSError,  # connection refused / unreachable host
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.InterfaceError,
    asyncpg.AdminShutdownError,
)
"""Exceptions that mean "the database cannot be reached", answered with 503."""
