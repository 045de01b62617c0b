"""File formats: what ``GET /file_formats`` serves and the option checks of ``save_result``."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from processes.exceptions import FormatUnsupported, ProcessParameterInvalid

GTIFF, NETCDF, JSON = "GTiff", "netCDF", "JSON"

_GTIFF = {
    "title": "GeoTIFF",
    "description": "Cloud-Optimized GeoTIFF: one file per time step, one band per label of "
    "the bands dimension (band descriptions carry the labels).",
    "gis_data_types": ["raster"],
}
_NETCDF = {
    "title": "Network Common Data Form",
    "description": "NetCDF-4 following CF-1.8: x/y/t coordinates, a grid mapping variable "
    "'crs' and one variable per label of the bands dimension.",
    "gis_data_types": ["raster"],
}
_JSON = {
    "title": "JavaScript Object Notation",
    "description": "For small, non-raster results: numbers, strings, arrays, objects; arrays "
    "of a data cube as nested lists, NaN as null.",
    "gis_data_types": ["other"],
}

# Each parameter names a ``subtype``: in openEO API 1.2.0 a resource parameter is ``oneOf``
# Generic / process-graph / datacube schemas, and a schema without a subtype matches all three,
# so validators (the conformance suite's openapi-core) reject it.
OUTPUT_PARAMETERS: dict[str, dict[str, dict[str, Any]]] = {
    GTIFF: {
        "compression": {
            "description": "Compression of the GeoTIFF tiles.",
            "type": "string",
            "subtype": "compression-method",
            "enum": ["deflate", "lzw", "zstd", "none"],
            "default": "deflate",
        }
    },
    NETCDF: {
        "compression_level": {
            "description": "zlib compression level of every variable; 0 writes uncompressed.",
            "type": "integer",
            "subtype": "compression-level",
            "minimum": 0,
            "maximum": 9,
            "default": 4,
        }
    },
    JSON: {},
}
"""Options ``save_result`` accepts per output format (openEO resource parameters)."""


def file_formats() -> dict[str, Any]:
    """The document ``GET /file_formats`` serves (openEO API 1.2 schema)."""
    return {
        "input": {
            GTIFF: {**copy.deepcopy(_GTIFF), "parameters": {}},
            NETCDF: {**copy.deepcopy(_NETCDF), "parameters": {}},
        },
        "output": {
            name: {**copy.deepcopy(meta), "parameters": copy.deepcopy(OUTPUT_PARAMETERS[name])}
            for name, meta in ((GTIFF, _GTIFF), (NETCDF, _NETCDF), (JSON, _JSON))
        },
    }


def output_format(name: Any) -> str:
    """The canonical name of an output format (openEO names are case-insensitive).

    Raises:
        FormatUnsupported: not an output format of :func:`file_formats`.
    """
    for known in OUTPUT_PARAMETERS:
        if isinstance(name, str) and name.lower() == known.lower():
            return known
    raise FormatUnsupported(format=name)


def output_options(fmt: str, options: Mapping[str, Any] | None) -> dict[str, Any]:
    """``options`` checked against the format's parameters, defaults filled in.

    Raises:
        ProcessParameterInvalid: an unknown option or a value outside its schema.
    """
    params = OUTPUT_PARAMETERS[fmt]
    given = dict(options or {})

    def bad(reason: str) -> ProcessParameterInvalid:
        return ProcessParameterInvalid(parameter="options", process="save_result", reason=reason)

    unknown = sorted(set(given) - set(params))
    if unknown:
        offered = ", ".join(params) or "none"
        raise bad(f"unknown option(s) {', '.join(unknown)} for {fmt} (offered: {offered})")
    out = {}
    for key, schema in params.items():
        value = given.get(key, schema["default"])
        kind = {"string": str, "integer": int}[schema["type"]]
        if not isinstance(value, kind) or isinstance(value, bool):
            raise bad(f"{key} must be of type {schema['type']}")
        if "enum" in schema and value not in schema["enum"]:
            raise bad(f"{key} must be one of {', '.join(schema['enum'])}")
        if not schema.get("minimum", value) <= value <= schema.get("maximum", value):
            raise bad(f"{key} must lie in [{schema['minimum']}, {schema['maximum']}]")
        out[key] = value
    return out
