"""Settings of the web backend; env prefix ``CANOPY_``."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, SecretStr
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def _comma_list(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class BackendSettings(BaseSettings):
    """How the API is served and who may write."""

    model_config = SettingsConfigDict(env_prefix="CANOPY_", extra="ignore")

    host: str = "127.0.0.1"
    """Interface to listen on; loopback unless an operator opens it up."""

    port: int = 8000
    """TCP port of the API, STAC and UI."""

    admin_token: SecretStr | None = None
    """Bearer token that unlocks catalogue writes (STAC transactions); unset = no writes."""

    cors_origins: Annotated[list[str], BeforeValidator(_comma_list), NoDecode] = ["*"]
    """Origins allowed by CORS (comma-separated in the environment)."""

    title: str = "Canopy"
    """Backend title shown in capabilities."""

    description: str = (
        "openEO backend for climate-quality vegetation parameters (LAI, fAPAR with per-pixel "
        "uncertainty), re-implementing the ESA CCI+ Vegetation Parameters processing chain."
    )
    """Backend description shown in capabilities."""

    production: bool = False
    """Production mode: development helpers (e.g. the test OIDC issuer) stay off."""
