"""`canopy users add|list|remove` against the test database, then a login with the result."""

from __future__ import annotations

import asyncio
import base64

import asyncpg
import pytest
from typer.testing import CliRunner

from backend.auth import get_user, system_user
from backend.auth.admin import find_system_user
from backend.cli import app as canopy

API = "/openeo/1.2"


@pytest.fixture
def run(pgstac_dsn, canopy_home):
    runner = CliRunner()
    env = {"CANOPY_DATABASE_URL": pgstac_dsn, "CANOPY_HOME": str(canopy_home), "COLUMNS": "200"}

    def invoke(*args: str, stdin: str | None = None):
        return runner.invoke(canopy, ["users", *args], input=stdin, env=env)

    return invoke


def login(client, name: str, password: str):
    raw = base64.b64encode(f"{name}:{password}".encode()).decode()
    return client.get(f"{API}/credentials/basic", headers={"Authorization": f"Basic {raw}"})


def test_add_list_remove_and_log_in(run, client):
    added = run("add", "carol", "--password-stdin", stdin="carol-secret-1\n")
    assert added.exit_code == 0, added.output
    assert "Added user carol" in added.output
    assert login(client, "carol", "carol-secret-1").status_code == 200
    assert login(client, "carol", "carol-secret-2").status_code == 403

    listed = run("list")
    assert listed.exit_code == 0, listed.output
    line = next(row for row in listed.output.splitlines() if "carol" in row)
    assert "basic" in line and " 1 " in line  # one live token from the login above

    removed = run("remove", "carol")
    assert removed.exit_code == 0, removed.output
    assert login(client, "carol", "carol-secret-1").status_code == 403
    assert "No users" in run("list").output


def test_password_prompt_asks_twice(run, client):
    result = run("add", "dave", stdin="dave-password\ndave-password\n")
    assert result.exit_code == 0, result.output
    assert login(client, "dave", "dave-password").status_code == 200
    mismatch = run("add", "erin", stdin="erin-password\nnot-the-same\n")
    assert mismatch.exit_code != 0


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (("add", "bad name", "--password-stdin"), "long-enough\n", "User name"),
        (("add", "ok", "--password-stdin"), "short\n", "at least 8"),
        (("add", "ok", "--password-stdin"), "\n", "no password"),
        (("add", "ok", "--role", "root", "--password-stdin"), "long-enough\n", "root"),
        (("remove", "nobody"), None, "does not exist"),
    ],
)
def test_clear_errors_without_tracebacks(run, args, stdin, message):
    result = run(*args, stdin=stdin)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_duplicate_user_is_refused(run, users):
    result = run("add", "alice", "--password-stdin", stdin="another-password\n")
    assert result.exit_code == 1
    assert "already exists" in result.output


def test_system_role_resolves_the_system_user(run, pgstac_dsn):
    assert find_system_user(pgstac_dsn) is None
    result = run("add", "production", "--role", "system", "--password-stdin", stdin="long-enough\n")
    assert result.exit_code == 0, result.output
    assert "role system" in result.output
    assert find_system_user(pgstac_dsn).user_id == "production"

    async def resolve():
        pool = await asyncpg.create_pool(pgstac_dsn, min_size=1, max_size=1)
        try:
            return (
                await system_user(pool),
                await get_user(pool, "production"),
                await get_user(pool, "nobody"),
            )
        finally:
            await pool.close()

    system, same, nobody = asyncio.run(resolve())
    assert system == same
    assert system.roles == ("system",) and system.has_role("system")
    assert nobody is None


def test_unmigrated_database_gives_a_hint(pg_cluster, canopy_home):
    result = CliRunner().invoke(
        canopy,
        ["users", "list"],
        env={"CANOPY_DATABASE_URL": pg_cluster, "CANOPY_HOME": str(canopy_home)},
    )
    assert result.exit_code == 1
    assert "canopy db migrate" in result.output
