"""Session fixtures: a real PostgreSQL cluster, pgstac migrated once into a template, a fresh
database per test, the app from its factory, and a live uvicorn server on loopback."""

from __future__ import annotations

import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import uvicorn
from fastapi.testclient import TestClient
from psycopg import sql

from backend.app import create_app
from backend.settings import BackendSettings
from stac.embedded import EmbeddedPostgres
from stac.migrate import migrate
from stac.settings import StacSettings, dsn_with_database

ADMIN_TOKEN = "test-admin-token"
TEMPLATE_DB = "canopy_template"
SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[str]:
    """A throwaway PostgreSQL cluster for the session; yields the DSN of its `postgres` db."""
    # Not tmp_path: /tmp/pytest-of-root is 0700 and the postgres user could not enter it.
    base = Path(tempfile.mkdtemp(prefix="canopy-test-pg-"))
    base.chmod(0o755)
    cluster = EmbeddedPostgres(directory=base, port=free_port(), durable=False)
    cluster.init()
    cluster.start()
    try:
        yield f"postgresql://postgres:unused@127.0.0.1:{cluster.port}/postgres"
    finally:
        cluster.stop(mode="immediate")
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def pgstac_template(pg_cluster: str) -> str:
    """A database migrated once (pgstac + canopy SQL), used as the template of every test db."""
    with psycopg.connect(pg_cluster, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(TEMPLATE_DB)))
    migrate(dsn_with_database(pg_cluster, TEMPLATE_DB))
    return TEMPLATE_DB


@pytest.fixture
def pgstac_dsn(pg_cluster: str, pgstac_template: str, request) -> str:
    """DSN of a fresh, migrated database for this test (cloned from the template in ~0.1 s)."""
    name = "t_" + "".join(c if c.isalnum() else "_" for c in request.node.name.lower())[:55]
    with psycopg.connect(pg_cluster, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(pgstac_template)
            )
        )
    return dsn_with_database(pg_cluster, name)


@pytest.fixture
def canopy_home() -> Iterator[Path]:
    """A Canopy home directory (data, logs) the postgres user can traverse."""
    home = Path(tempfile.mkdtemp(prefix="canopy-home-"))
    home.chmod(0o755)
    yield home
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def stac_settings(pgstac_dsn: str, canopy_home: Path) -> StacSettings:
    """Catalogue settings pointing at this test's database."""
    return StacSettings(database_url=pgstac_dsn, home=canopy_home, connect_timeout_s=2)


@pytest.fixture
def backend_settings() -> BackendSettings:
    """Backend settings with a known admin token."""
    return BackendSettings(admin_token=ADMIN_TOKEN)


@pytest.fixture
def app(backend_settings: BackendSettings, stac_settings: StacSettings):
    """The app, built by the same factory production uses."""
    return create_app(backend_settings, stac_settings)


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    """HTTP client through the ASGI app, lifespan included."""
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


class LiveServer:
    """uvicorn serving an app on 127.0.0.1 in a background thread."""

    def __init__(self, app, port: int) -> None:
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.url = f"http://127.0.0.1:{port}"
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def live_server(app) -> Iterator[LiveServer]:
    """The app served over real HTTP on a free loopback port."""
    with LiveServer(app, free_port()) as server:
        yield server


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The shared folder beside the repository (design, conformance data, SMAC)."""
    if not SHARED.is_dir():
        pytest.fail(f"shared folder not found at {SHARED}")
    return SHARED


# --- authentication (backend/auth) -----------------------------------------------------------

USERS = {"alice": "alice-password", "bob": "bob-password"}
"""Basic users the `users` fixture creates, with their passwords."""


@pytest.fixture
def users(pgstac_dsn: str) -> dict[str, str]:
    """Basic-auth users alice and bob in this test's database; maps name → password."""
    from backend.auth.admin import add_user  # here: this block was appended below the imports

    for name, password in USERS.items():
        add_user(pgstac_dsn, name, password)
    return dict(USERS)


@pytest.fixture
def auth_headers(pgstac_dsn: str, users: dict[str, str]):
    """``auth_headers("alice")`` → an Authorization header with a fresh token of that user.

    The token is stored in the database the way ``GET /credentials/basic`` stores it, so it works
    with ``client`` and ``live_server`` alike.
    """
    from backend.auth.admin import issue_token  # here: see `users`

    def headers(name: str = "alice") -> dict[str, str]:
        return {"Authorization": f"Bearer basic//{issue_token(pgstac_dsn, name)}"}

    return headers
