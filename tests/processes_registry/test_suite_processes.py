"""The conformance suite's individual-process tests (953 examples), run in-process through our
registry and executor by tests/support/canopy_runner.py: a floor that wrappers must not lower."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

FLOOR = 560
"""Examples passed when the wrappers were written (564 of 953) in the HTTP runner's view: its
ceiling is 589, since it skips 125 examples with cubes or labeled arrays and fails the 239 whose
arguments hold NaN or ±Infinity (JSON has neither). ``CANOPY_SUITE_RUNNER=cube`` (the dask
runner's view, cubes included) passed 825 then; it is measured by hand, not here, for time."""


@pytest.fixture
def suite_copy(shared_dir, tmp_path) -> Path:
    work = tmp_path / "openeo-test-suite"
    shutil.copytree(shared_dir / "openeo-test-suite", work)
    (work / "assets" / "processes" / "assets").symlink_to("tests/assets")
    return work


@pytest.mark.conformance
def test_suite_process_examples_as_http_sees_them(suite_copy):
    cmd = [sys.executable, "-m", "pytest", "-p", "tests.support.canopy_runner"]
    cmd += ["-p", "openeo_test_suite.lib.pytest_plugin", "--import-mode=importlib"]
    cmd += ["-p", "no:cacheprovider", "-q", "--tb=no", "--runner=dask"]
    cmd += ["--pyargs", "openeo_test_suite.tests.processes.processing"]
    env = dict(os.environ, PYTHONPATH=str(ROOT), CANOPY_SUITE_RUNNER="json")
    proc = subprocess.run(cmd, cwd=suite_copy, env=env, capture_output=True, text=True, timeout=600)
    summary = proc.stdout.strip().splitlines()[-1]
    passed = int(re.search(r"(\d+) passed", summary).group(1))
    print(f"\nsuite process examples, in-process JSON runner: {summary}")
    assert passed >= FLOOR, proc.stdout[-3000:]
