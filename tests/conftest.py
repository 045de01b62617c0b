"""Session fixtures: a real PostgreSQL cluster, pgstac migrated once into a template, a fresh
database per test, the app from its factory, and a live uvicorn server on loopback."""

from __future__ import annotations

import asyncio
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
import uvicorn
from distributed import Client, LocalCluster
from fastapi.testclient import TestClient
from psycopg import sql

from backend.app import create_app
from backend.jobs.settings import JobSettings
from backend.jobs.store import JobStore
from backend.jobs.worker import Worker
from backend.settings import BackendSettings
from stac.embedded import EmbeddedPostgres
from stac.migrate import migrate
from stac.pool import open_pool
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


# --- job execution (backend/jobs): a real Dask LocalCluster and workers in threads ----------


@pytest.fixture(scope="session")
def dask_cluster() -> Iterator[LocalCluster]:
    """Two worker processes on loopback for the whole session."""
    cluster = LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    yield cluster
    cluster.close()


@pytest.fixture
def dask_client(dask_cluster) -> Iterator[Client]:
    """A client of the session cluster."""
    client = Client(dask_cluster.scheduler_address, set_as_default=False)
    yield client
    client.close()


@pytest.fixture
def job_settings() -> JobSettings:
    """Fast heartbeats and a short dead-worker timeout, so tests see re-queues quickly."""
    return JobSettings(heartbeat_s=0.2, dead_after_s=2.0, poll_s=0.1, max_attempts=3)


class WorkerThread:
    """A :class:`Worker` running its asyncio loop in a background thread."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self.loop = asyncio.new_event_loop()
        self.stop_event: asyncio.Event | None = None
        self.thread = threading.Thread(target=self._main, daemon=True)

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)

        async def main() -> None:
            self.stop_event = asyncio.Event()
            await self.worker.run(self.stop_event)

        self.loop.run_until_complete(main())

    def __enter__(self) -> WorkerThread:
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop the loop; running jobs are released back to the queue."""
        while self.stop_event is None and self.thread.is_alive():
            time.sleep(0.01)
        if self.stop_event is not None:
            self.loop.call_soon_threadsafe(self.stop_event.set)
        self.thread.join(timeout=30)

    def __exit__(self, *exc) -> None:
        self.stop()


@pytest.fixture
def start_worker(stac_settings, job_settings) -> Iterator[Callable[..., WorkerThread]]:
    """Start workers against this test's database; all are stopped at teardown."""
    started: list[WorkerThread] = []

    def start(**kwargs) -> WorkerThread:
        w = WorkerThread(Worker(stac_settings, kwargs.pop("settings", job_settings), **kwargs))
        started.append(w.__enter__())
        return w

    yield start
    for w in started:
        w.stop()


class SyncStore:
    """Calls the async JobStore from synchronous test code."""

    def __init__(self, stac_settings) -> None:
        self.loop = asyncio.new_event_loop()
        self.pool = self.loop.run_until_complete(open_pool(stac_settings))
        self.store = JobStore(self.pool)

    def __getattr__(self, name: str):
        method = getattr(self.store, name)
        return lambda *a, **kw: self.loop.run_until_complete(method(*a, **kw))

    def close(self) -> None:
        self.loop.run_until_complete(self.pool.close())
        self.loop.close()


@pytest.fixture
def jobs(stac_settings) -> Iterator[SyncStore]:
    """The job store of this test's database, usable from sync code."""
    s = SyncStore(stac_settings)
    yield s
    s.close()


def wait_for(predicate: Callable[[], object], timeout: float = 30, what: str = "condition"):
    """Poll until ``predicate()`` is truthy; returns its value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
