"""Typed dependencies: routes get resources from the lifespan through these aliases."""

from __future__ import annotations

from typing import Annotated

import asyncpg
from fastapi import Depends, Request

from backend.settings import BackendSettings


def get_settings(request: Request) -> BackendSettings:
    """The settings the app was created with."""
    return request.app.state.settings


def get_catalogue_pool(request: Request) -> asyncpg.Pool:
    """The asyncpg pool of the catalogue database (opened in the lifespan)."""
    return request.app.state.catalogue_pool


SettingsDep = Annotated[BackendSettings, Depends(get_settings)]
CataloguePoolDep = Annotated[asyncpg.Pool, Depends(get_catalogue_pool)]
