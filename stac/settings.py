"""Settings of the catalogue database (embedded cluster or an existing PostgreSQL)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class StacSettings(BaseSettings):
    """Where the pgstac database lives; env prefix ``CANOPY_``."""

    model_config = SettingsConfigDict(env_prefix="CANOPY_", extra="ignore")

    database_url: str | None = None
    """An existing PostgreSQL (``postgresql://user:pw@host:port/db``); unset = embedded cluster."""

    home: Path = Path(".canopy")
    """Working directory of the embedded stack (database cluster, data, logs)."""

    pg_port: int = 55432
    """Port of the embedded cluster (it listens on 127.0.0.1 only)."""

    pg_database: str = "canopy"
    """Database name inside the embedded cluster."""

    connect_timeout_s: float = Field(3.0, gt=0)
    """How long a connection attempt may take before the database counts as unreachable."""

    @property
    def pg_dir(self) -> Path:
        """Directory of the embedded cluster (data dir, socket, log)."""
        return self.home.absolute() / "pg"

    @property
    def embedded(self) -> bool:
        """True when Canopy runs its own PostgreSQL cluster."""
        return not self.database_url

    @property
    def dsn(self) -> str:
        """libpq connection string of the catalogue database."""
        if self.database_url:
            return self.database_url
        return f"postgresql://postgres:canopy@127.0.0.1:{self.pg_port}/{self.pg_database}"

    def libpq_parts(self) -> dict[str, str | int]:
        """Split the DSN into libpq names (PGHOST, ...) for tools that read the environment."""
        url = urlsplit(self.dsn)
        return {
            "host": url.hostname or "127.0.0.1",
            "port": url.port or 5432,
            "user": unquote(url.username or "postgres"),
            # stac-fastapi needs a password even for trust auth
            "password": unquote(url.password or "unused"),
            "dbname": url.path.lstrip("/") or "postgres",
        }


def dsn_with_database(dsn: str, database: str) -> str:
    """Return ``dsn`` pointing at another database of the same server."""
    url = urlsplit(dsn)
    return url._replace(path="/" + quote(database)).geturl()
