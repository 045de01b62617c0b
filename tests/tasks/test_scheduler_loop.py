"""`canopy scheduler` as a real process: its loop enqueues each due period once, SIGTERM stops it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import psycopg

from tests.conftest import wait_for
from tests.tasks.test_cli import canopy


def _periods(dsn: str) -> list[tuple[str, str]]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT conf->>'tile', conf->>'start' FROM canopy.jobs WHERE type = 'tile' ORDER BY 2"
        ).fetchall()
    return [(tile, start) for tile, start in rows]


def test_scheduler_loop_enqueues_due_periods_once_and_stops_on_sigterm(
    pgstac_dsn, system, stac_settings
):
    today = datetime.now(UTC).date()
    anchor = today - timedelta(days=25)
    added = canopy(pgstac_dsn, "schedule", "add", "--every", "10D", "--tiles", "X18Y02",
                   "--start", anchor.isoformat())  # fmt: skip
    assert added.exit_code == 0, added.output
    env = dict(
        os.environ,
        CANOPY_DATABASE_URL=pgstac_dsn,
        CANOPY_HOME=str(stac_settings.home),
        CANOPY_TASKS_POLL_S="0.2",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "backend.cli", "scheduler"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        # periods of 10 days from the anchor are due once their last window input
        # (start + 9 days) is more than the 3-day delay old: today − 25 and today − 15
        wait_for(lambda: len(_periods(pgstac_dsn)) == 2, timeout=60, what="two periods")
        time.sleep(1.0)  # several more rounds of the loop
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out
    # a spin-up of 30 days (6 steps) before each period start
    expected = [anchor - timedelta(days=30), anchor + timedelta(days=10 - 30)]
    assert _periods(pgstac_dsn) == [("X18Y02", d.isoformat()) for d in expected], out
    assert out.count("schedule ") == 2, out

    # another pass (a CronJob's) finds nothing new
    again = canopy(pgstac_dsn, "scheduler", "--once")
    assert again.exit_code == 0 and "schedule " not in again.output, again.output
    assert len(_periods(pgstac_dsn)) == 2
