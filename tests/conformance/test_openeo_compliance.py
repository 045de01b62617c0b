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

# The module's 42 tests, run against the live app with a real worker and Dask cluster. Two fail
# for reasons on the suite's side, which we do not work around by breaking the specification:
KNOWN_FAILURES = {
    # The suite expects 201 from POST /result; the openEO API 1.2 specification (and the Python
    # client) say 200 (notes/openeo.md §1.4).
    "test_POST_result": "suite expects 201, the specification says 200",
    # openapi.yaml's process_json_schema is a oneOf whose first branch ("Generic") matches any
    # schema, so every real process schema matches two branches and fails validation.
    "test_GET_processes": "the specification's oneOf for process schemas cannot be satisfied",
}


@pytest.mark.conformance
def test_api_compliance_with_oidc_client_credentials(
    demo_server, suite_dir, start_worker, dask_client
):
    start_worker(client=dask_client)
    output = run_suite(
        suite_dir,
        demo_server.url,
        "openeo_test_suite.tests.general",
        env=OIDC_ENV,
        check=False,
    )
    by_outcome = _summary(output)
    counts = {outcome: len(names) for outcome, names in sorted(by_outcome.items())}
    print(f"\nopenEO API compliance: {counts} of {sum(counts.values())}")
    for outcome, names in sorted(by_outcome.items()):
        print(f"  {outcome}: {', '.join(sorted(names))}")
    assert "Unhandled auth method" not in output and "INTERNALERROR" not in output, output[-3000:]
    assert len(by_outcome["PASSED"]) == 42 - len(KNOWN_FAILURES), output[-6000:]
    assert by_outcome["FAILED"] == set(KNOWN_FAILURES), output[-6000:]


def _summary(output: str) -> dict[str, set[str]]:
    # Only the `-rA` summary lines (`PASSED file::test`): captured log lines of the suite also
    # start with "ERROR", which tests.support.openeo_suite.outcomes() would count as outcomes.
    found: dict[str, set[str]] = defaultdict(set)
    for outcome, name in re.findall(r"^(PASSED|FAILED|ERROR|SKIPPED) \S+::(\w+)", output, re.M):
        found[outcome].add(name)
    return found
