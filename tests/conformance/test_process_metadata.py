"""The openEO conformance suite's process-metadata module against the live app's /processes."""

from __future__ import annotations

import pytest

from processes.registry import process_specs
from tests.support.openeo_suite import outcomes, run_suite


@pytest.mark.conformance
def test_process_metadata_conformance(demo_server, suite_dir):
    output = run_suite(
        suite_dir,
        demo_server.url,
        "openeo_test_suite.tests.processes.metadata",
        extra=("-m", "not optional"),
        check=False,
    )
    counts = outcomes(output)
    suite_ids = {p.stem for p in (suite_dir / "assets" / "processes").glob("*.json")}
    listed = {spec["id"] for spec in process_specs()} & suite_ids
    # every process we list that the suite knows passes (the others are skipped as unsupported)
    assert counts["FAILED"] == 0 and counts["ERROR"] == 0, output[-4000:]
    assert counts["PASSED"] == len(listed) > 100, output[-4000:]
