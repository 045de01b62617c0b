"""The openEO conformance suite's API-compliance module against the live app, with OIDC.

The module authenticates only through OIDC (``connection.authenticate_oidc()``); with
``OPENEO_AUTH_METHOD=client_credentials`` the client gets its token from our development issuer
(provider ``dev``), as a CI run needs.
"""

from __future__ import annotations

import re
from collections import defaultdict

import pytest

from backend.auth.settings import DEV_CLIENT_ID, DEV_CLIENT_SECRET, DEV_PROVIDER_ID
from tests.support.openeo_suite import run_suite

OIDC_ENV = {
    "OPENEO_AUTH_METHOD": "client_credentials",
    "OPENEO_AUTH_CLIENT_ID": DEV_CLIENT_ID,
    "OPENEO_AUTH_CLIENT_SECRET": DEV_CLIENT_SECRET,
    "OPENEO_AUTH_PROVIDER_ID": DEV_PROVIDER_ID,
}

# Discovery and account tests: they need only what exists today. The suite's module has 42
# tests; jobs, UDPs, /validation, /result and /processes are other work in progress.
# TODO(lead): when jobs land, raise the bar to >= 41 of 42 passed (see notes/openeo.md §1.4:
# test_POST_result expects 201 where the spec says 200).
MUST_PASS = {
    "test_GET_backend_info",
    "test_GET_well_known",
    "test_GET_file_formats",
    "test_GET_conformance",
    "test_GET_udf_runtimes",
    "test_GET_service_types",
    "test_GET_credentials_oidc",
    "test_GET_collections",
    "test_GET_me",  # bearer from the dev issuer; also checks every /collections/{id}
}


@pytest.mark.conformance
def test_api_compliance_with_oidc_client_credentials(demo_server, suite_dir):
    output = run_suite(
        suite_dir,
        demo_server.url,
        "openeo_test_suite.tests.general",
        env=OIDC_ENV,
        check=False,
    )
    by_outcome = _summary(output)
    passed = by_outcome["PASSED"]
    counts = {outcome: len(names) for outcome, names in sorted(by_outcome.items())}
    print(f"\nopenEO API compliance: {counts} of {sum(counts.values())}")
    for outcome, names in sorted(by_outcome.items()):
        print(f"  {outcome}: {', '.join(sorted(names))}")
    assert "Unhandled auth method" not in output and "INTERNALERROR" not in output, output[-3000:]
    missing = MUST_PASS - passed
    assert not missing, f"not passed: {sorted(missing)}\n{output[-6000:]}"


def _summary(output: str) -> dict[str, set[str]]:
    # Only the `-rA` summary lines (`PASSED file::test`): captured log lines of the suite also
    # start with "ERROR", which tests.support.openeo_suite.outcomes() would count as outcomes.
    found: dict[str, set[str]] = defaultdict(set)
    for outcome, name in re.findall(r"^(PASSED|FAILED|ERROR|SKIPPED) \S+::(\w+)", output, re.M):
        found[outcome].add(name)
    return found
