"""Database migrations: pgstac (pinned version) first, then Canopy's own SQL files."""

from __future__ import annotations

from importlib import resources

import psycopg
from psycopg import sql
from pypgstac import __version__ as PYPGSTAC_VERSION
from pypgstac.db import PgstacDB
from pypgstac.migrate import Migrate

from processes.exceptions import ServiceUnavailable
from stac.settings import dsn_with_database

PGSTAC_VERSION = "0.10.0"
"""The pgstac schema version Canopy runs on; the one place it is pinned."""

if PYPGSTAC_VERSION != PGSTAC_VERSION:  # a lock update must move this pin deliberately
    raise ImportError(f"pypgstac {PYPGSTAC_VERSION} installed, Canopy pins {PGSTAC_VERSION}")


def connect(dsn: str, timeout_s: float = 3.0, **kwargs) -> psycopg.Connection:
    """Open a psycopg connection, translating an unreachable server into ServiceUnavailable."""
    try:
        return psycopg.connect(dsn, connect_timeout=max(1, round(timeout_s)), **kwargs)
    except psycopg.OperationalError as exc:
        raise ServiceUnavailable(reason=f"database unreachable: {_first_line(exc)}") from exc


def ensure_database(dsn: str, timeout_s: float = 3.0) -> bool:
    """Create the database named in ``dsn`` if missing; returns True when created."""
    name = psycopg.conninfo.conninfo_to_dict(dsn).get("dbname") or "postgres"
    with connect(dsn_with_database(dsn, "postgres"), timeout_s, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists:
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True


def pgstac_version(dsn: str, timeout_s: float = 3.0) -> str | None:
    """The installed pgstac schema version, or None when pgstac is not migrated."""
    with connect(dsn, timeout_s) as conn:
        has_schema = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = 'pgstac'").fetchone()
        if not has_schema:
            return None
        row = conn.execute("SELECT pgstac.get_version()").fetchone()
        return row[0] if row else None


def migrate(dsn: str, timeout_s: float = 3.0) -> list[str]:
    """Bring the database to the pinned pgstac version and apply Canopy's SQL files.

    Idempotent: each ``stac/migrations/*.sql`` file runs once, recorded in
    ``canopy.migrations``.

    Returns:
        Names of the steps that ran now (empty when everything was up to date).
    """
    ran: list[str] = []
    if pgstac_version(dsn, timeout_s) != PGSTAC_VERSION:
        db = PgstacDB(dsn=dsn)
        pool = db.get_pool()
        try:
            Migrate(db).run_migration(toversion=PGSTAC_VERSION)
        finally:
            # Migrate leaves a connection checked out; without this the database stays
            # "in use" and cannot serve as a template (notes/stac.md §8).
            db.disconnect()
            pool.close()
        ran.append(f"pgstac {PGSTAC_VERSION}")
    with connect(dsn, timeout_s, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA IF NOT EXISTS canopy")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS canopy.migrations "
            "(name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {r[0] for r in conn.execute("SELECT name FROM canopy.migrations")}
        for name, text in _canopy_migrations():
            if name in done:
                continue
            with conn.transaction():
                conn.execute(text)
                conn.execute("INSERT INTO canopy.migrations (name) VALUES (%s)", [name])
            ran.append(name)
    return ran


def _canopy_migrations() -> list[tuple[str, str]]:
    files = resources.files("stac") / "migrations"
    return sorted((f.name, f.read_text()) for f in files.iterdir() if f.name.endswith(".sql"))


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
