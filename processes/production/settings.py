"""Settings of production runs (env prefix ``CANOPY_PRODUCTION_``)."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class ProductionSettings(BaseSettings):
    """Defaults of ``vp_lai_fapar`` that operators tune, not users."""

    model_config = SettingsConfigDict(env_prefix="CANOPY_PRODUCTION_", extra="ignore")

    chunk_size: int = 64
    """Pixels per chunk side on the tile path (a chunk task holds 10 days of this many pixels).

    64 keeps two workers busy on a 128² px region; re-reading a product for each chunk that
    overlaps it costs ~1 % of the task time (benchmarks/production.py)."""

    site_max_pixels: int = 4096
    """``mode="auto"`` takes the site path up to this many ROI pixels, the tile path above."""

    srf_step: float = 10.0
    """Sampling (nm) of the sensors' spectral responses in the retrieval."""

    spill_bytes: int = 512 * 2**20
    """Output cubes above this size are file-backed on the driver (a whole tile-year is ~2.6 GB)."""

    spill_dir: Path | None = None
    """Directory of those files (default: the system's temporary directory)."""

    max_iterations: int = 10
    """Levenberg–Marquardt iteration budget per pixel and date."""

    landcover_collection: str = "esa-cci-lc"
    """Land-cover collection (ESA CCI-LC codes, band ``lccs_class``) whose map selects each
    pixel's climatological prior; "" disables it (the global prior everywhere)."""
