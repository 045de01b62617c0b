"""Offline schemas for stac-validator: core STAC and GeoJSON schemas come from pystac.

stac-validator fetches JSON schemas from the web at run time. Offline, this wrapper serves the
STAC 1.1.0 core and GeoJSON schemas that pystac bundles; STAC *extension* schemas are not
bundled by any installed package, so extension validation is skipped (the skipped schema URLs
are printed at the end). Any other schema URL fails loudly.
Import this module (or load it with ``pytest -p``) before validating.
"""

from __future__ import annotations

import atexit

import jsonschema
import stac_validator.utilities as utilities
import stac_validator.validate as validate
from pystac.validation.local_validator import get_local_schema_cache
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

LOCAL = get_local_schema_cache()
SKIPPED: set[str] = set()


def schema_for(url: str) -> dict:
    """The schema document of ``url`` from the local copies."""
    if url in LOCAL:
        return LOCAL[url]
    if url.startswith("https://stac-extensions.github.io/"):
        SKIPPED.add(url)
        return {}
    raise ConnectionError(f"offline: no local copy of schema {url}")


REGISTRY = Registry(
    retrieve=lambda uri: Resource.from_contents(schema_for(uri), default_specification=DRAFT7)
)


class _OfflineJsonschema:
    """Stands in for the jsonschema module inside stac_validator.validate."""

    exceptions = jsonschema.exceptions

    @staticmethod
    def validate(instance, schema, *args, **kwargs):
        kwargs.setdefault("registry", REGISTRY)
        return jsonschema.validate(instance, schema, *args, **kwargs)


validate.fetch_and_parse_schema = schema_for
utilities.fetch_and_parse_schema = schema_for
validate.jsonschema = _OfflineJsonschema


@atexit.register
def _report() -> None:
    if SKIPPED:
        print(
            "Extension schemas not available offline (not validated): " + ", ".join(sorted(SKIPPED))
        )
