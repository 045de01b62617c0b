"""The openEO conformance suite (openeo-test-suite 0.2.2) against the live app.

The API-compliance module authenticates every test through OIDC client credentials, which
arrive with the authentication work; until then the collection-metadata module runs here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def suite_dir(shared_dir, tmp_path) -> Path:
    """A copy of the suite's data with the `$ref` link the suite needs (see its README)."""
    work = tmp_path / "openeo-test-suite"
    shutil.copytree(shared_dir / "openeo-test-suite", work)
    (work / "assets" / "processes" / "assets").symlink_to("tests/assets")
    return work


def run_suite(suite_dir: Path, url: str, *modules: str, extra: tuple[str, ...] = ()) -> str:
    cmd = [sys.executable, "-m", "pytest", "-p", "tests.support.offline_stac_schemas"]
    cmd += ["-p", "openeo_test_suite.lib.pytest_plugin", "--import-mode=importlib"]
    cmd += ["-p", "no:cacheprovider", "-q", "-rA", "--tb=short", "-U", f"{url}/openeo/1.2/"]
    cmd += ["--pyargs", *modules, *extra]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        cmd, cwd=suite_dir, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-6000:]
    return output


@pytest.mark.conformance
def test_collection_metadata_conformance(demo_server, suite_dir):
    output = run_suite(suite_dir, demo_server.url, "openeo_test_suite.tests.collections")
    passed = [line for line in output.splitlines() if line.startswith("PASSED")]
    # two per demo collection plus the listing
    assert len(passed) == 5, output[-3000:]
