"""Fixtures of the task tests: a system user, a site inside a small simulated set, a pool."""

from __future__ import annotations

import asyncio

import pytest

from backend.auth.admin import add_user, issue_token
from ingest.grid import PROBAV_1KM
from ingest.sites import Site, store_sites
from stac.pool import open_pool
from tests.production.conftest import (
    COL0,
    ROW0,
    TILE,
    catalogue,
    ingest_set,
    products,
    registry,
    simulate_set,
)

__all__ = ["catalogue", "products", "registry"]  # fixtures shared with the production tests


@pytest.fixture
def system(pgstac_dsn) -> str:
    """The system user owning generated tasks."""
    return add_user(pgstac_dsn, "ops", "pw-ops-123456", ("system",)).user_id


@pytest.fixture
def ops_api(client, pgstac_dsn, system):
    """``ops_api(path)`` → the JSON of ``GET /openeo/1.2<path>`` as the system user."""
    headers = {"Authorization": f"Bearer basic//{issue_token(pgstac_dsn, 'ops')}"}

    def get(path: str) -> dict:
        response = client.get(f"/openeo/1.2{path}", headers=headers)
        assert response.status_code == 200, response.text
        return response.json()

    return get


def site_at(code: str, row: int, col: int, years=(2019,)) -> Site:
    """A site whose pixel is (row, col) of the test tile."""
    lon, lat = PROBAV_1KM.pixel_to_lonlat(TILE, row, col)
    return Site(code, code, "test", "FR", "crops", lon, lat, tuple(years))


@pytest.fixture
def site_set(tmp_path, pgstac_dsn, registry):
    """6×6 px, 12 June days of PROBA-V ingested, and site T-1 in its middle (3×3 px)."""
    tmp_path.chmod(0o755)
    result = simulate_set(tmp_path, registry, 6, 12, sensors=("probav",), seed=5)
    ingest_set(pgstac_dsn, result, registry, sensors=("probav",))
    store_sites(pgstac_dsn, [site_at("T-1", ROW0 + 3, COL0 + 3)])
    return result


class Db:
    """Runs backend/tasks coroutines from sync tests against this test's database."""

    def __init__(self, stac_settings) -> None:
        self.loop = asyncio.new_event_loop()
        self.pool = self.loop.run_until_complete(open_pool(stac_settings))

    def __call__(self, fn, *args, **kw):
        return self.loop.run_until_complete(fn(self.pool, *args, **kw))

    def close(self) -> None:
        self.loop.run_until_complete(self.pool.close())
        self.loop.close()


@pytest.fixture
def db(stac_settings):
    d = Db(stac_settings)
    yield d
    d.close()
