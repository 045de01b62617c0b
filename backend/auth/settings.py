"""Settings of authentication: token lifetimes, OIDC providers, the development issuer."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_PROVIDER_ID = "dev"
DEV_CLIENT_ID = "canopy-dev"
DEV_CLIENT_SECRET = (
    "canopy-dev-secret"  # documented in docs/auth.md; the issuer is off in production
)

GrantType = Literal[
    # The openEO 1.2.0 enum: no client_credentials here, a default client is a public client.
    "implicit",
    "authorization_code",
    "authorization_code+pkce",
    "urn:ietf:params:oauth:grant-type:device_code",
    "urn:ietf:params:oauth:grant-type:device_code+pkce",
    "refresh_token",
]


class DefaultClient(BaseModel):
    """A public OIDC client the back-end offers to openEO clients (openEO API 1.2.0)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    """Client id at the provider."""

    grant_types: list[GrantType] = Field(min_length=1)
    """Flows the client supports."""

    redirect_urls: list[str] = []
    """Redirect URLs registered for the client (needed for implicit/authorization code)."""


class OidcProvider(BaseModel):
    """One OpenID Connect provider whose access tokens the API accepts."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[A-Za-z0-9_]{1,20}$")
    """Provider id, the middle part of ``Bearer oidc/<id>/<token>``."""

    issuer: str
    """Issuer URL; ``<issuer>/.well-known/openid-configuration`` must answer."""

    title: str
    """Name shown by clients."""

    scopes: list[str] = ["openid"]
    """Scopes clients must request (must include ``openid``)."""

    description: str | None = None
    """How to get an account (CommonMark)."""

    default_clients: list[DefaultClient] = []
    """Public clients offered to openEO clients."""

    audience: str | None = None
    """Required ``aud`` of access tokens; unset = not checked (see docs/auth.md)."""

    @field_validator("issuer")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("the issuer must be an http(s) URL")
        return value.rstrip("/")  # the spec forbids a trailing slash

    @field_validator("scopes")
    @classmethod
    def _openid_scope(cls, value: list[str]) -> list[str]:
        if value and "openid" not in value:
            raise ValueError("scopes must include 'openid'")
        return value

    def public(self, issuer: str | None = None) -> dict:
        """The provider as listed by ``GET /credentials/oidc``."""
        doc = self.model_dump(exclude_none=True, exclude={"audience"})
        if not doc["default_clients"]:
            del doc["default_clients"]
        if issuer is not None:
            doc["issuer"] = issuer
        return doc


class AuthSettings(BaseSettings):
    """Who may call the API and how tokens are checked; env prefix ``CANOPY_``."""

    model_config = SettingsConfigDict(env_prefix="CANOPY_", extra="ignore")

    basic_token_ttl_s: int = Field(86_400, gt=0)
    """Lifetime of an access token from ``GET /credentials/basic``."""

    oidc_providers: list[OidcProvider] = []
    """OIDC providers (JSON list of {id, issuer, title, scopes, default_clients, audience})."""

    oidc_cache_ttl_s: float = Field(300.0, ge=0)
    """How long a validated OIDC token is remembered (capped by its own expiry)."""

    oidc_keys_ttl_s: float = Field(3600.0, gt=0)
    """How long a provider's discovery document and JWKS are cached."""

    oidc_http_timeout_s: float = Field(5.0, gt=0)
    """Timeout of requests to a provider (discovery, JWKS)."""

    dev_issuer: bool = True
    """Serve the development OIDC issuer under /oidc-dev (never in production mode)."""

    dev_client_id: str = DEV_CLIENT_ID
    """Client id of the development issuer's client_credentials client."""

    dev_client_secret: SecretStr = SecretStr(DEV_CLIENT_SECRET)
    """Its secret."""

    dev_audience: str = "canopy"
    """``aud`` of the development issuer's access tokens (checked on the way back)."""

    dev_token_ttl_s: int = Field(3600, gt=0)
    """Lifetime of the development issuer's access tokens."""

    @field_validator("oidc_providers")
    @classmethod
    def _unique_ids(cls, value: list[OidcProvider]) -> list[OidcProvider]:
        ids = [p.id for p in value]
        if len(ids) != len(set(ids)):
            raise ValueError(f"OIDC provider ids must be unique: {ids}")
        return value
