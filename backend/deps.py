"""Typed dependencies: routes get resources from the lifespan through these aliases."""

from __future__ import annotations

from typing import Annotated

import asyncpg
from fastapi import Depends, Request

from backend.jobs.links import LinkSigner
from backend.jobs.settings import JobSettings
from backend.jobs.store import JobStore
from backend.settings import BackendSettings


def get_settings(request: Request) -> BackendSettings:
    """The settings the app was created with."""
    return request.app.state.settings


def get_catalogue_pool(request: Request) -> asyncpg.Pool:
    """The asyncpg pool of the catalogue database (opened in the lifespan)."""
    return request.app.state.catalogue_pool


SettingsDep = Annotated[BackendSettings, Depends(get_settings)]
CataloguePoolDep = Annotated[asyncpg.Pool, Depends(get_catalogue_pool)]


def get_job_settings(request: Request) -> JobSettings:
    """Job execution settings (created with the app; read from the environment otherwise)."""
    state = request.app.state
    if getattr(state, "job_settings", None) is None:
        state.job_settings = JobSettings()
    return state.job_settings


def get_job_store(request: Request) -> JobStore:
    """The job table through the catalogue pool."""
    return JobStore(request.app.state.catalogue_pool)


def get_link_signer(request: Request) -> LinkSigner:
    """Signs result links; the key comes from settings or the Canopy home."""
    state = request.app.state
    if getattr(state, "link_signer", None) is None:
        settings = get_job_settings(request)
        secret = settings.result_link_secret
        state.link_signer = LinkSigner.from_home(
            state.stac_settings.home,
            secret.get_secret_value() if secret else None,
            settings.result_link_ttl_s,
        )
    return state.link_signer


JobSettingsDep = Annotated[JobSettings, Depends(get_job_settings)]
JobStoreDep = Annotated[JobStore, Depends(get_job_store)]
LinkSignerDep = Annotated[LinkSigner, Depends(get_link_signer)]
