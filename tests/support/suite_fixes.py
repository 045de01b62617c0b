"""Work-arounds for openeo-test-suite 0.2.2 bugs, loaded into its pytest run with ``-p``.

``compliance_util._guess_root`` can return a relative path (``./assets/openeo-api`` when run from
a copy of the suite's data); ``load_payloads_from_directory`` then joins a relative directory
with relative globbed names and doubles the path, so every job and UDP payload is "not found".
Resolving the root makes the paths absolute.
"""

from __future__ import annotations

import openeo_test_suite.lib.compliance_util as _compliance_util

_guess_root = _compliance_util._guess_root
_compliance_util._guess_root = lambda: _guess_root().resolve()
