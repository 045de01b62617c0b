"""User administration for the command line and scripts (psycopg, synchronous)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

import psycopg
from psycopg.rows import dict_row

from backend.auth.identity import BASIC_NAME, SYSTEM_ROLE, User
from backend.auth.passwords import hash_password, new_token, token_hash
from processes.exceptions import BadRequest, NotFound, ServiceUnavailable
from stac.migrate import connect

MIN_PASSWORD_LENGTH = 8


@dataclass(frozen=True)
class UserRecord:
    """A row of ``canopy.users`` as the CLI lists it."""

    user_id: str
    """The user id (the name for basic users)."""

    name: str | None
    """Display name."""

    roles: tuple[str, ...]
    """Roles held."""

    provider: str | None
    """OIDC provider id; None for basic users."""

    created_at: datetime
    """When the row was created."""

    last_seen_at: datetime | None
    """Last login (basic) or last validated token (OIDC)."""

    live_tokens: int
    """Basic-auth tokens not yet expired."""


@contextmanager
def _users_db(dsn: str, timeout_s: float) -> Iterator[psycopg.Connection]:
    with connect(dsn, timeout_s, autocommit=True, row_factory=dict_row) as conn:
        try:
            yield conn
        except psycopg.errors.UndefinedTable as exc:
            raise ServiceUnavailable(
                "The users table does not exist yet: run `canopy db migrate`."
            ) from exc


def check_name(name: str) -> None:
    """Raise BadRequest unless ``name`` is a valid basic user name."""
    if not BASIC_NAME.match(name):
        raise BadRequest(
            f"User name {name!r} is invalid: use 1-64 letters, digits, '_', '.' or '-', "
            "starting with a letter or digit."
        )


def add_user(
    dsn: str, name: str, password: str, roles: tuple[str, ...] = (), timeout_s: float = 3.0
) -> User:
    """Create a basic-auth user.

    Raises:
        BadRequest: invalid name, too short a password, or the user exists already.
    """
    check_name(name)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise BadRequest(f"The password needs at least {MIN_PASSWORD_LENGTH} characters.")
    hashed = hash_password(password)
    with _users_db(dsn, timeout_s) as conn:
        row = conn.execute(
            "INSERT INTO canopy.users (user_id, name, password_hash, roles) "
            "VALUES (%s, %s, %s, %s) ON CONFLICT (user_id) DO NOTHING RETURNING user_id",
            [name, name, hashed, sorted(set(roles))],
        ).fetchone()
    if row is None:
        raise BadRequest(f"User {name!r} already exists (remove it first to reset it).")
    return User(user_id=name, name=name, roles=tuple(sorted(set(roles))))


def list_users(dsn: str, timeout_s: float = 3.0) -> list[UserRecord]:
    """All users, oldest first, with their count of live tokens."""
    with _users_db(dsn, timeout_s) as conn:
        rows = conn.execute(
            "SELECT u.user_id, u.name, u.roles, u.provider, u.created_at, u.last_seen_at, "
            "(SELECT count(*) FROM canopy.access_tokens t "
            " WHERE t.user_id = u.user_id AND t.expires_at > now()) AS live_tokens "
            "FROM canopy.users u ORDER BY u.created_at, u.user_id"
        ).fetchall()
    return [UserRecord(**{**r, "roles": tuple(r["roles"])}) for r in rows]


def remove_user(dsn: str, user_id: str, timeout_s: float = 3.0) -> None:
    """Delete a user and its tokens (its jobs stay, owned by the id).

    Raises:
        NotFound: no such user.
    """
    with _users_db(dsn, timeout_s) as conn:
        deleted = conn.execute(
            "DELETE FROM canopy.users WHERE user_id = %s RETURNING user_id", [user_id]
        ).fetchone()
    if deleted is None:
        raise NotFound(f"User {user_id!r} does not exist.")


def issue_token(dsn: str, user_id: str, ttl_s: int = 86_400, timeout_s: float = 3.0) -> str:
    """Store a basic-auth token for an existing user and return it (scripts and tests).

    Raises:
        NotFound: no such user.
    """
    token = new_token()
    with _users_db(dsn, timeout_s) as conn:
        try:
            conn.execute(
                "INSERT INTO canopy.access_tokens (token_hash, user_id, expires_at) "
                "VALUES (%s, %s, now() + %s)",
                [token_hash(token), user_id, timedelta(seconds=ttl_s)],
            )
        except psycopg.errors.ForeignKeyViolation as exc:
            raise NotFound(f"User {user_id!r} does not exist.") from exc
    return token


def find_system_user(dsn: str, timeout_s: float = 3.0) -> User | None:
    """The owner of systematic production (oldest user with the ``system`` role), or None."""
    with _users_db(dsn, timeout_s) as conn:
        row = conn.execute(
            "SELECT user_id, name, roles FROM canopy.users WHERE roles @> ARRAY[%s]::text[] "
            "ORDER BY created_at, user_id LIMIT 1",
            [SYSTEM_ROLE],
        ).fetchone()
    return None if row is None else User(row["user_id"], row["name"], tuple(row["roles"]))
