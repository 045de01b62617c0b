"""Users and access tokens in PostgreSQL, for the API (asyncpg); one query per lookup."""

from __future__ import annotations

from datetime import timedelta

import asyncpg

from backend.auth.identity import SYSTEM_ROLE, User
from backend.auth.passwords import new_token, token_hash

_USER = "u.user_id, u.name, u.roles"


def _user(row: asyncpg.Record | None) -> User | None:
    if row is None:
        return None
    return User(user_id=row["user_id"], name=row["name"], roles=tuple(row["roles"]))


async def user_for_token(pool: asyncpg.Pool, token: str) -> User | None:
    """The owner of a live basic-auth token (one primary-key lookup), or None."""
    row = await pool.fetchrow(
        f"SELECT {_USER} FROM canopy.access_tokens t JOIN canopy.users u USING (user_id) "
        "WHERE t.token_hash = $1 AND t.expires_at > now()",
        token_hash(token),
    )
    return _user(row)


async def password_of(pool: asyncpg.Pool, user_id: str) -> tuple[User, str | None] | None:
    """A basic user and its stored password hash, or None when unknown."""
    row = await pool.fetchrow(
        f"SELECT {_USER}, u.password_hash FROM canopy.users u WHERE u.user_id = $1", user_id
    )
    user = _user(row)
    return None if user is None else (user, row["password_hash"])


async def issue_token(pool: asyncpg.Pool, user_id: str, ttl_s: int) -> str:
    """Store a new token for ``user_id`` (hashed) and return it; drops the user's expired ones."""
    token = new_token()
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "DELETE FROM canopy.access_tokens WHERE user_id = $1 AND expires_at <= now()", user_id
        )
        await conn.execute(
            "INSERT INTO canopy.access_tokens (token_hash, user_id, expires_at) "
            "VALUES ($1, $2, now() + $3::interval)",
            token_hash(token),
            user_id,
            timedelta(seconds=ttl_s),
        )
        await conn.execute(
            "UPDATE canopy.users SET last_seen_at = now() WHERE user_id = $1", user_id
        )
    return token


async def upsert_oidc_user(
    pool: asyncpg.Pool, user_id: str, name: str | None, provider: str, subject: str
) -> User:
    """The user of an OIDC subject, created on first sight (one statement)."""
    row = await pool.fetchrow(
        "INSERT INTO canopy.users AS u (user_id, name, provider, subject, last_seen_at) "
        "VALUES ($1, $2, $3, $4, now()) "
        "ON CONFLICT (user_id) DO UPDATE SET last_seen_at = now(), "
        "name = COALESCE(u.name, EXCLUDED.name) "
        f"RETURNING {_USER}",
        user_id,
        name,
        provider,
        subject,
    )
    return _user(row)


async def get_user(pool: asyncpg.Pool, user_id: str) -> User | None:
    """Resolve a user id (e.g. a job's owner), or None when unknown."""
    row = await pool.fetchrow(f"SELECT {_USER} FROM canopy.users u WHERE u.user_id = $1", user_id)
    return _user(row)


async def system_user(pool: asyncpg.Pool) -> User | None:
    """The owner of systematic production: the oldest user with the ``system`` role, or None."""
    row = await pool.fetchrow(
        f"SELECT {_USER} FROM canopy.users u WHERE u.roles @> ARRAY[$1]::text[] "
        "ORDER BY u.created_at, u.user_id LIMIT 1",
        SYSTEM_ROLE,
    )
    return _user(row)
