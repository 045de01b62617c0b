"""Runs modules of the openEO conformance suite (openeo-test-suite 0.2.2) in a subprocess."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_suite(
    suite_dir: Path,
    url: str,
    *modules: str,
    extra: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
    check: bool = True,
    timeout: int = 900,
) -> str:
    """Run suite modules against ``url`` (the server root); returns stdout + stderr.

    Args:
        suite_dir: a copy of the suite's data (the ``suite_dir`` fixture).
        url: the server root, without the ``/openeo/1.2/`` prefix.
        modules: dotted module names, e.g. ``openeo_test_suite.tests.collections``.
        extra: more pytest arguments (``-m``, ``--runner=http``...).
        env: extra environment, e.g. the suite's ``OPENEO_AUTH_*`` variables.
        check: fail when the suite's pytest exits non-zero.
        timeout: seconds before the run is killed.
    """
    cmd = [sys.executable, "-m", "pytest", "-p", "tests.support.offline_stac_schemas"]
    cmd += ["-p", "tests.support.suite_fixes"]
    cmd += ["-p", "openeo_test_suite.lib.pytest_plugin", "--import-mode=importlib"]
    cmd += ["-p", "no:cacheprovider", "-q", "-rA", "--tb=short", "-U", f"{url}/openeo/1.2/"]
    cmd += ["--pyargs", *modules, *extra]
    full_env = dict(os.environ, PYTHONPATH=str(ROOT), **(env or {}))
    proc = subprocess.run(
        cmd, cwd=suite_dir, env=full_env, capture_output=True, text=True, timeout=timeout
    )
    output = proc.stdout + proc.stderr
    if check:
        assert proc.returncode == 0, output[-6000:]
    return output


def outcomes(output: str) -> Counter:
    """Count ``PASSED``/``FAILED``/``SKIPPED``/``ERROR`` lines of a ``-rA`` summary."""
    return Counter(
        m.group(1)
        for m in re.finditer(r"^(PASSED|FAILED|SKIPPED|ERROR|XFAIL|XPASS) \S+::", output, re.M)
    )
