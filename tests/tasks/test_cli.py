"""`canopy tasks` and `canopy schedule` through the real command line (typer) on a test database."""

from __future__ import annotations

from typer.testing import CliRunner

from backend.cli import app


def canopy(dsn: str, *args: str):
    result = CliRunner().invoke(
        app, list(args), env={"CANOPY_DATABASE_URL": dsn}, catch_exceptions=False
    )
    return result


def test_generate_list_show_cancel_tasks_from_the_cli(pgstac_dsn, system):
    generate = (
        "tasks",
        "tiles",
        "--tiles",
        "X18Y02",
        "--start",
        "2019-06-01",
        "--end",
        "2019-07-01",
    )
    made = canopy(pgstac_dsn, *generate)
    assert made.exit_code == 0, made.output
    again = canopy(pgstac_dsn, *generate)
    assert again.exit_code == 0 and "0 task(s) created, 1 already there" in again.output
    listed = canopy(pgstac_dsn, "tasks", "list")
    assert listed.exit_code == 0 and "PENDING" in listed.output, listed.output
    job_id = next(word for word in listed.output.split() if word.startswith("j-"))
    shown = canopy(pgstac_dsn, "tasks", "show", job_id)
    assert (shown.exit_code == 0 and "vp_lai_fapar" in shown.output) or "X18Y02" in shown.output
    cancelled = canopy(pgstac_dsn, "tasks", "cancel", job_id)
    assert cancelled.exit_code == 0, cancelled.output
    assert "1 task(s)." in canopy(pgstac_dsn, "tasks", "list", "--status", "CANCELLED").output


def test_schedule_add_list_and_a_scheduler_pass(pgstac_dsn, system):
    added = canopy(pgstac_dsn, "schedule", "add", "--every", "5D", "--tiles", "X18Y02")
    assert added.exit_code == 0, added.output
    assert "X18Y02" in canopy(pgstac_dsn, "schedule", "list").output
    once = canopy(pgstac_dsn, "scheduler", "--once")
    assert once.exit_code == 0, once.output


def test_publish_flag_overrides_the_setting(pgstac_dsn, system):
    import psycopg

    args = ("tasks", "tiles", "--start", "2019-06-01", "--end", "2019-07-01", "--tiles")
    assert canopy(pgstac_dsn, *args, "X18Y02", "--publish").exit_code == 0
    assert canopy(pgstac_dsn, *args, "X19Y02").exit_code == 0
    with psycopg.connect(pgstac_dsn) as conn:
        rows = conn.execute(
            "SELECT conf->>'tile', (conf->>'publish')::boolean FROM canopy.jobs ORDER BY 1"
        ).fetchall()
    assert rows == [("X18Y02", True), ("X19Y02", False)]
