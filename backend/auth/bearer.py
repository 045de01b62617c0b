"""Reading the openEO bearer token: ``basic//<token>`` or ``oidc/<provider>/<token>``."""

from __future__ import annotations

from fastapi import Request

from backend.auth.identity import User
from backend.auth.state import get_auth
from backend.auth.store import user_for_token
from backend.deps import get_catalogue_pool
from processes.exceptions import AuthenticationSchemeInvalid, TokenInvalid


async def authenticate(request: Request, header: str) -> User:
    """Resolve the user of an ``Authorization`` header.

    A basic token costs one primary-key query; an OIDC token a signature check and one upsert,
    then nothing while it sits in the token cache.

    Raises:
        AuthenticationSchemeInvalid: not ``Bearer basic//...`` or ``Bearer oidc/<id>/...``.
        TokenInvalid: unknown or expired token, unknown provider, invalid JWT.
    """
    scheme, _, credentials = header.strip().partition(" ")
    credentials = credentials.strip()
    if scheme.lower() != "bearer" or not credentials:
        raise AuthenticationSchemeInvalid()
    method, _, rest = credentials.partition("/")
    if method == "basic" and rest.startswith("/") and len(rest) > 1:
        user = await user_for_token(get_catalogue_pool(request), rest[1:])
        if user is None:
            raise TokenInvalid()
        return user
    if method == "oidc":
        provider_id, _, token = rest.partition("/")
        if provider_id and token:
            return await get_auth(request).oidc_user(request, provider_id, token)
    raise AuthenticationSchemeInvalid()
