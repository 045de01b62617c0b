"""`canopy up` as a user runs it: a real process, real PostgreSQL, real HTTP, Ctrl-C."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.conftest import free_port

CANOPY = [sys.executable, "-m", "backend.cli"]


@pytest.fixture
def stack_env():
    home = Path(tempfile.mkdtemp(prefix="canopy-up-"))
    home.chmod(0o755)
    env = dict(os.environ, CANOPY_HOME=str(home), CANOPY_PG_PORT=str(free_port()))
    env["CANOPY_PORT"] = str(free_port())
    env["CANOPY_PUBLIC_URL"] = f"http://127.0.0.1:{env['CANOPY_PORT']}"
    env["CANOPY_DEMO_DAYS"] = "1"  # the sensor demo set at its smallest: 2 products
    env.pop("CANOPY_DATABASE_URL", None)
    yield env
    subprocess.run([*CANOPY, "down"], env=env, capture_output=True, check=False, timeout=60)
    shutil.rmtree(home, ignore_errors=True)


def start(env: dict) -> subprocess.Popen:
    proc = subprocess.Popen(
        [*CANOPY, "up"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    url = f"http://127.0.0.1:{env['CANOPY_PORT']}/.well-known/openeo"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail("canopy up exited early:\n" + proc.stdout.read())
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.3)
    proc.kill()
    pytest.fail("canopy up did not serve in time:\n" + proc.stdout.read())


def stop(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGINT)  # what Ctrl-C sends
    out, _ = proc.communicate(timeout=60)
    return out


def run_a_batch_job(base: str, env: dict) -> None:
    """A user added with the CLI runs a batch job on the worker `canopy up` started."""
    subprocess.run(
        [*CANOPY, "users", "add", "ada", "--password-stdin"],
        env=env,
        input="ada-password\n",
        text=True,
        check=True,
        capture_output=True,
        timeout=60,
    )
    token = httpx.get(f"{base}/openeo/1.2/credentials/basic", auth=("ada", "ada-password"))
    headers = {"Authorization": f"Bearer basic//{token.json()['access_token']}"}
    graph = {"sum": {"process_id": "add", "arguments": {"x": 40, "y": 2}, "result": True}}
    created = httpx.post(
        f"{base}/openeo/1.2/jobs", json={"process": {"process_graph": graph}}, headers=headers
    )
    job = f"{base}/openeo/1.2/jobs/{created.headers['OpenEO-Identifier']}"
    httpx.post(f"{job}/results", headers=headers).raise_for_status()
    deadline = time.monotonic() + 90
    while (status := httpx.get(job, headers=headers).json()["status"]) not in ("finished", "error"):
        assert time.monotonic() < deadline, f"job still {status}"
        time.sleep(0.3)
    assert status == "finished"
    asset = next(iter(httpx.get(f"{job}/results", headers=headers).json()["assets"].values()))
    assert httpx.get(asset["href"]).json() == 42


@pytest.mark.e2e
def test_up_serves_everything_and_a_second_up_keeps_the_data(stack_env):
    base = f"http://127.0.0.1:{stack_env['CANOPY_PORT']}"
    dsn = f"postgresql://postgres:x@127.0.0.1:{stack_env['CANOPY_PG_PORT']}/canopy"
    proc = start(stack_env)
    try:
        caps = httpx.get(f"{base}/openeo/1.2/").json()
        assert caps["api_version"] == "1.2.0"
        ids = [c["id"] for c in httpx.get(f"{base}/openeo/1.2/collections").json()["collections"]]
        assert {"CGLS_SSM_1KM", "SENTINEL2_L2A_SYNTHETIC", "probav", "vgt2", "vp-sites"} <= set(ids)
        found = httpx.get(f"{base}/stac/search", params={"bbox": "16.2,48.1,16.5,48.3"}).json()
        assert found["features"] and found["features"][0]["collection"] == "CGLS_SSM_1KM"
        # the sensor demo set: found by search, its file downloadable at the item's href
        demo = httpx.get(f"{base}/stac/search", params={"collections": "probav,vgt2"}).json()
        assert len(demo["features"]) == 2
        href = demo["features"][0]["assets"]["data"]["href"]
        assert href.startswith(f"{base}/data/")
        assert httpx.get(href, headers={"Range": "bytes=0-3"}).content == b"\x89HDF"
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("CREATE TABLE canopy.marker (x int)")
        run_a_batch_job(base, stack_env)
    finally:
        out = stop(proc)
    assert all(f"Worker for {pool} jobs started" in out for pool in ("adhoc", "site", "tile"))
    assert "Dask LocalCluster on tcp://127.0.0.1:" in out
    assert "Created the embedded database cluster" in out
    assert "Simulating the sensor demo set (1 days, first run only)" in out
    assert "Sensor demo: 2 products (2 new)" in out
    assert "Database stopped." in out
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(dsn, connect_timeout=2)

    proc = start(stack_env)  # reuses the cluster and its data
    try:
        with psycopg.connect(dsn) as conn:
            conn.execute("SELECT * FROM canopy.marker")
    finally:
        out = stop(proc)
    assert "Created the embedded database cluster" not in out
    assert "Simulating" not in out and "Sensor demo: 2 products (0 new)" in out  # reused


@pytest.mark.e2e
def test_up_on_a_taken_port_says_which_port_and_starts_nothing(stack_env):
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", int(stack_env["CANOPY_PORT"])))
        blocker.listen()
        proc = subprocess.run(
            [*CANOPY, "up"], env=stack_env, capture_output=True, text=True, timeout=60, check=False
        )
    assert proc.returncode == 1
    message = " ".join((proc.stdout + proc.stderr).split())
    assert f"port {stack_env['CANOPY_PORT']}" in message and "CANOPY_PORT" in message
    assert not (Path(stack_env["CANOPY_HOME"]) / "pg" / "data").exists()
