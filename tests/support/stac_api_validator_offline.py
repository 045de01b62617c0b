"""stac-api-validator with no network (see offline_stac_schemas); same CLI."""

from __future__ import annotations

import sys

import tests.support.offline_stac_schemas  # noqa: F401  (patches stac-validator on import)

if __name__ == "__main__":
    from stac_api_validator.__main__ import main

    sys.exit(main())
