"""Validation of OIDC access tokens (JWT): issuer discovery, cached JWKS, PyJWT checks."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any, Protocol

import httpx
import jwt

from processes.exceptions import ServiceUnavailable, TokenInvalid

ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
"""Asymmetric algorithms only: ``none`` and HMAC (key confusion) are never accepted."""

LEEWAY_S = 30
"""Clock skew tolerated on ``exp``/``nbf``/``iat``."""


class KeySource(Protocol):
    """Where the signing keys of an issuer come from."""

    async def key(self, kid: str | None) -> jwt.PyJWK:
        """The key with id ``kid`` (or the only key when the token names none)."""
        ...


def _pick(keys: jwt.PyJWKSet | None, kid: str | None) -> jwt.PyJWK | None:
    if keys is None:
        return None
    signing = [k for k in keys.keys if k.public_key_use in (None, "sig")]
    if kid is None:
        return signing[0] if len(signing) == 1 else None
    return next((k for k in signing if k.key_id == kid), None)


class LocalKeys:
    """Keys known in-process (the development issuer's); no HTTP round trip."""

    def __init__(self, jwks: dict) -> None:
        self._keys = jwt.PyJWKSet.from_dict(jwks)

    async def key(self, kid: str | None) -> jwt.PyJWK:
        """The key with id ``kid``."""
        found = _pick(self._keys, kid)
        if found is None:
            raise TokenInvalid(f"The token's signing key {kid!r} is unknown to the issuer.")
        return found


class DiscoveredKeys:
    """An issuer's JWKS found through OIDC discovery, fetched with httpx and cached.

    The document and keys are kept for ``ttl_s``; an unknown ``kid`` triggers one early
    refresh (key rotation), at most every ``min_refresh_s`` so forged kids cannot hammer
    the provider.
    """

    def __init__(
        self,
        issuer: str,
        client: Callable[[], httpx.AsyncClient],
        ttl_s: float,
        min_refresh_s: float = 30.0,
    ) -> None:
        self.issuer = issuer
        self._client = client
        self._ttl_s = ttl_s
        self._min_refresh_s = min_refresh_s
        self._keys: jwt.PyJWKSet | None = None
        self._fetched = float("-inf")
        self._lock = asyncio.Lock()

    async def key(self, kid: str | None) -> jwt.PyJWK:
        """The key with id ``kid``, refreshing the cached JWKS when stale or missing it."""
        async with self._lock:
            age = time.monotonic() - self._fetched
            if self._keys is None or age > self._ttl_s:
                await self._refresh()
            found = _pick(self._keys, kid)
            if found is None and time.monotonic() - self._fetched > self._min_refresh_s:
                await self._refresh()
                found = _pick(self._keys, kid)
        if found is None:
            raise TokenInvalid(f"The token's signing key {kid!r} is unknown to the issuer.")
        return found

    async def _get_json(self, url: str) -> dict:
        try:
            response = await self._client().get(url)
            response.raise_for_status()
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise ServiceUnavailable(
                reason=f"the OIDC provider {self.issuer} cannot be reached ({exc})"
            ) from exc
        if not isinstance(body, dict):
            raise ServiceUnavailable(reason=f"the OIDC provider {self.issuer} sent no JSON object")
        return body

    async def _refresh(self) -> None:
        config = await self._get_json(self.issuer + "/.well-known/openid-configuration")
        if config.get("issuer", "").rstrip("/") != self.issuer or "jwks_uri" not in config:
            raise ServiceUnavailable(
                reason=f"the discovery document of {self.issuer} names another issuer or no JWKS"
            )
        jwks = await self._get_json(config["jwks_uri"])
        try:
            self._keys = jwt.PyJWKSet.from_dict(jwks)
        except jwt.PyJWKSetError as exc:
            raise ServiceUnavailable(
                reason=f"the JWKS of {self.issuer} is unusable: {exc}"
            ) from exc
        self._fetched = time.monotonic()


async def verify_access_token(
    token: str, issuer: str, keys: KeySource, audience: str | None
) -> dict[str, Any]:
    """Check a JWT access token's signature, issuer, audience and lifetime.

    Args:
        token: the JWT (without the ``oidc/<provider>/`` prefix).
        issuer: the exact ``iss`` expected.
        keys: the issuer's signing keys.
        audience: the ``aud`` required; None skips the audience check.

    Returns:
        The token's claims.

    Raises:
        TokenInvalid: not a JWT, wrong algorithm or key, bad signature, expired, wrong
            issuer or audience, or no ``sub``.
        ServiceUnavailable: the provider's keys cannot be fetched.
    """
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError as exc:
        raise TokenInvalid("The OIDC access token is not a JWT.") from exc
    algorithm = header.get("alg")
    if algorithm not in ALGORITHMS:
        raise TokenInvalid(f"The OIDC access token is signed with an unaccepted {algorithm!r}.")
    key = await keys.key(header.get("kid"))
    try:
        return jwt.decode(
            token,
            key=key.key,
            algorithms=[algorithm],
            issuer=issuer,
            audience=audience,
            leeway=LEEWAY_S,
            options={"require": ["exp", "iss", "sub"], "verify_aud": audience is not None},
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenInvalid() from exc  # the default message says "expired or invalid"
    except jwt.InvalidTokenError as exc:
        raise TokenInvalid(f"The OIDC access token is invalid: {exc}.") from exc
