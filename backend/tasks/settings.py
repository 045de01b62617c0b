"""Settings of systematic production (env prefix ``CANOPY_``)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class TaskSettings(BaseSettings):
    """Defaults of generated tasks and of the scheduler."""

    model_config = SettingsConfigDict(env_prefix="CANOPY_TASKS_", extra="ignore")

    sensors: tuple[str, ...] = ("probav", "vgt2")
    """Sensor collections of generated tasks when none are named."""

    interval: str = "5D"
    """Step between output dates."""

    window: str = "10D"
    """Observation window of each date."""

    basedir: str = "vp_cci"
    """The seed's output base directory, recorded in every task's conf (publishing target)."""

    publish: bool = False
    """Generated tasks repackage and publish their outputs once they succeed (conf
    ``publish``; ``canopy tasks restart --set publish=true`` turns it on for one task)."""

    spinup_days: int = 30
    """Scheduled periods start their retrieval chain this many days early (prior spin-up);
    only the period's own dates are produced (``vp_lai_fapar(dates=...)``)."""

    delay_days: int = 3
    """Without arrivals, a period is due this many days after its last input day."""

    poll_s: float = 60.0
    """Seconds between rounds of ``canopy scheduler``."""
