"""The openEO conformance suite's collection-metadata module against the live app."""

from __future__ import annotations

import pytest

from tests.support.openeo_suite import outcomes, run_suite


@pytest.mark.conformance
def test_collection_metadata_conformance(demo_server, suite_dir):
    output = run_suite(suite_dir, demo_server.url, "openeo_test_suite.tests.collections")
    # two per demo collection plus the listing
    assert outcomes(output)["PASSED"] == 5, output[-3000:]
