"""Settings of data discovery (``canopy ingest``, the demo set); env prefix ``CANOPY_``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BeforeValidator, Field
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def _comma_list(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class IngestSettings(BaseSettings):
    """How ingested items point at their files and how much demo data ``canopy up`` makes."""

    model_config = SettingsConfigDict(env_prefix="CANOPY_", extra="ignore")

    public_url: str = "http://127.0.0.1:8000"
    """Base URL users reach Canopy at (``CANOPY_PUBLIC_URL``, shared with jobs and publish):
    asset hrefs are ``<url>/data/<collection>/<item id>/<file name>``."""

    data_roots: Annotated[list[Path], BeforeValidator(_comma_list), NoDecode] = []
    """More directories whose catalogued files ``/data/...`` may serve (``CANOPY_DATA_ROOTS``,
    comma-separated), besides ``<home>/data`` and the directories given to ``canopy ingest``."""

    dask_scheduler: str | None = None
    """Address of an existing Dask scheduler for ``--workers`` (``CANOPY_DASK_SCHEDULER``);
    unset = a LocalCluster started for the run."""

    demo_days: int = Field(10, ge=0, le=366)
    """Days of the simulated demo set ``canopy up`` loads (``CANOPY_DEMO_DAYS``; 0 = no demo
    products, only the sensor collections and the sites)."""
