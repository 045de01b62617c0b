"""The authenticated user and the typed dependencies that resolve it from a request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from processes.exceptions import AuthenticationRequired


@dataclass(frozen=True)
class User:
    """A caller resolved from a bearer token."""

    user_id: str
    """Stable id; jobs, logs, results and process graphs are owned by it."""

    name: str | None = None
    """Display name."""

    roles: tuple[str, ...] = ()
    """Roles, e.g. ``("system",)`` for the owner of systematic production."""


async def optional_user(request: Request) -> User | None:
    """The caller, or None when no Authorization header is sent."""
    if request.headers.get("Authorization") is None:
        return None
    raise AuthenticationRequired()  # replaced by the token validation of backend.auth


async def current_user(request: Request) -> User:
    """The caller; 401 AuthenticationRequired when anonymous."""
    user = await optional_user(request)
    if user is None:
        raise AuthenticationRequired()
    return user


CurrentUserDep = Annotated[User, Depends(current_user)]
OptionalUserDep = Annotated[User | None, Depends(optional_user)]
