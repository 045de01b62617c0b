"""Settings of job execution: Dask, sync limits, heartbeats, retries, result links."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class JobSettings(BaseSettings):
    """How jobs run; env prefix ``CANOPY_``."""

    model_config = SettingsConfigDict(env_prefix="CANOPY_", extra="ignore")

    dask_scheduler: str | None = None
    """Address of an existing Dask scheduler (``tcp://host:8786``); unset = a LocalCluster."""

    dask_workers: int = 2
    """Worker processes of the LocalCluster a ``canopy worker`` starts when no scheduler is set."""

    dask_threads_per_worker: int = 1
    """Threads per LocalCluster worker process."""

    sync_max_pixels: int = 50_000_000
    """Largest cube (x·y·t·bands values loaded) ``POST /result`` accepts; beyond → batch job."""

    sync_timeout_s: float = 120.0
    """Longest ``POST /result`` may compute before it stops with RequestTimeout."""

    heartbeat_s: float = 2.0
    """How often a running job reports that its worker is alive (and checks for cancel)."""

    dead_after_s: float = 30.0
    """A running job whose heartbeat is older than this is presumed dead and re-queued."""

    poll_s: float = 1.0
    """How often an idle worker looks for queued jobs."""

    max_attempts: int = 3
    """Claims a job gets before a dead worker makes it FAILURE."""

    result_link_secret: SecretStr | None = None
    """Key that signs result asset links; unset = a random key kept in the home directory."""

    result_link_ttl_s: int = 7 * 24 * 3600
    """Lifetime of signed result links."""

    public_url: str | None = None
    """Base URL users reach the API at (for links in stored metadata); unset = from requests."""

    def jobs_dir(self, home: Path) -> Path:
        """Where job results live: ``<home>/jobs/<job id>/``."""
        return home / "jobs"
