"""Per-app authentication state: providers, their key caches, the dev issuer, the token cache."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from functools import cached_property
from typing import Annotated

import httpx
from fastapi import Depends, Request

from backend.auth.cache import TokenCache
from backend.auth.dev_issuer import DevIssuer
from backend.auth.identity import User, oidc_user_id
from backend.auth.oidc import DiscoveredKeys, KeySource, LocalKeys, verify_access_token
from backend.auth.passwords import token_hash
from backend.auth.settings import DEV_CLIENT_SECRET, DEV_PROVIDER_ID, AuthSettings, OidcProvider
from backend.auth.store import upsert_oidc_user
from backend.deps import get_catalogue_pool
from processes.exceptions import TokenInvalid

log = logging.getLogger("canopy.auth")

_NAME_CLAIMS = ("preferred_username", "name", "email")


@dataclass(frozen=True)
class _Provider:
    config: OidcProvider
    keys: KeySource | None  # None for the dev provider: its keys come from the DevIssuer


class AuthState:
    """What token validation needs, created with the app and closed by its lifespan.

    Args:
        settings: authentication settings.
        production: the app runs in production mode (the dev issuer stays off).
    """

    def __init__(self, settings: AuthSettings, production: bool) -> None:
        self.settings = settings
        self.cache = TokenCache()
        self._http: httpx.AsyncClient | None = None
        self.dev = DevIssuer(settings) if settings.dev_issuer and not production else None
        self._providers: dict[str, _Provider] = {}
        for provider in settings.oidc_providers:
            keys = DiscoveredKeys(provider.issuer, self._get_client, settings.oidc_keys_ttl_s)
            self._providers[provider.id] = _Provider(provider, keys)
        if self.dev is not None:
            if DEV_PROVIDER_ID in self._providers:
                raise ValueError(
                    f"OIDC provider id {DEV_PROVIDER_ID!r} is taken by the development issuer; "
                    "rename the configured provider or set CANOPY_DEV_ISSUER=false"
                )
            dev = OidcProvider(
                id=DEV_PROVIDER_ID,
                issuer="http://dev.invalid",  # replaced per request by the caller's URL
                title="Canopy development issuer",
                description="Local development only: client_credentials with the client "
                f"{settings.dev_client_id!r} (see docs/auth.md).",
                audience=settings.dev_audience,
            )
            self._providers[DEV_PROVIDER_ID] = _Provider(dev, None)
            if settings.dev_client_secret.get_secret_value() == DEV_CLIENT_SECRET:
                log.warning("development OIDC issuer on with the documented default secret")

    @property
    def has_providers(self) -> bool:
        """True when at least one OIDC provider is accepted."""
        return bool(self._providers)

    def _get_client(self) -> httpx.AsyncClient:
        # Created on first use, inside the running event loop; closed by aclose().
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=self.settings.oidc_http_timeout_s)
        return self._http

    @cached_property
    def _dev_keys(self) -> KeySource:
        return LocalKeys(self.dev.jwks)

    def public_providers(self, request: Request) -> list[dict]:
        """The providers as ``GET /credentials/oidc`` lists them (configured ones first)."""
        return [
            p.config.public(DevIssuer.issuer_url(request) if p.keys is None else None)
            for p in self._providers.values()
        ]

    async def oidc_user(self, request: Request, provider_id: str, token: str) -> User:
        """The user of an OIDC access token (validated JWT, cached a few minutes).

        Raises:
            TokenInvalid: unknown provider or invalid token.
        """
        provider = self._providers.get(provider_id)
        if provider is None:
            raise TokenInvalid(f"Unknown OIDC provider {provider_id!r}: see /credentials/oidc.")
        if provider.keys is None:  # the dev issuer: its URL is the caller's, its keys are ours
            issuer, keys = DevIssuer.issuer_url(request), self._dev_keys
        else:
            issuer, keys = provider.config.issuer, provider.keys
        # The issuer is part of the key: a dev token is valid only at the host it was minted for.
        digest = token_hash(f"{issuer} {provider_id}/{token}")
        cached = self.cache.get(digest)
        if cached is not None:
            return cached
        claims = await verify_access_token(token, issuer, keys, provider.config.audience)
        subject = str(claims["sub"])
        name = next((str(claims[c]) for c in _NAME_CLAIMS if claims.get(c)), None)
        user = await upsert_oidc_user(
            get_catalogue_pool(request),
            oidc_user_id(provider_id, subject),
            name,
            provider_id,
            subject,
        )
        ttl = min(self.settings.oidc_cache_ttl_s, float(claims["exp"]) - time.time())
        self.cache.put(digest, user, ttl)
        return user

    async def aclose(self) -> None:
        """Close the HTTP client used for discovery and JWKS."""
        if self._http is not None:
            await self._http.aclose()
            self._http = None


def get_auth(request: Request) -> AuthState:
    """The app's authentication state."""
    return request.app.state.auth


AuthStateDep = Annotated[AuthState, Depends(get_auth)]
