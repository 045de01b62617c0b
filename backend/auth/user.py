"""The authenticated user and the typed dependencies that resolve it from a request."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from backend.auth.bearer import authenticate
from backend.auth.identity import User
from processes.exceptions import AuthenticationRequired

__all__ = ["CurrentUserDep", "OptionalUserDep", "User", "current_user", "optional_user"]


async def optional_user(request: Request) -> User | None:
    """The caller, or None when no Authorization header is sent.

    Raises:
        AuthenticationSchemeInvalid: the header is neither ``basic//`` nor ``oidc/`` bearer.
        TokenInvalid: the token is unknown, expired, tampered with or of an unknown provider.
    """
    header = request.headers.get("Authorization")
    if header is None:
        return None
    return await authenticate(request, header)


async def current_user(user: Annotated[User | None, Depends(optional_user)]) -> User:
    """The caller; 401 AuthenticationRequired when anonymous."""
    if user is None:
        raise AuthenticationRequired()
    return user


CurrentUserDep = Annotated[User, Depends(current_user)]
OptionalUserDep = Annotated[User | None, Depends(optional_user)]
