"""file_formats() against the openEO API 1.2 schema, validated as the conformance suite does."""

from __future__ import annotations

import json

import yaml
from openapi_core import Spec, validate_response
from openapi_core.testing import MockRequest, MockResponse
from openapi_core.validation.response.validators import V31ResponseValidator

from processes.cubes import file_formats
from processes.cubes.formats import output_format, output_options


def test_file_formats_pass_the_suites_response_validation(shared_dir):
    doc = yaml.safe_load(
        (shared_dir / "openeo-test-suite/assets/openeo-api/openapi.yaml").read_text()
    )
    doc["servers"] = [{"url": "http://canopy.test/openeo/1.2"}]
    spec = Spec.from_dict(doc, validator=None)
    request = MockRequest("http://canopy.test", "get", "/openeo/1.2/file_formats")
    body = json.dumps(file_formats()).encode()
    response = MockResponse(body, status_code=200, mimetype="application/json")
    validate_response(request, response, spec=spec, cls=V31ResponseValidator)  # raises if not


def test_formats_and_their_options():
    doc = file_formats()
    assert set(doc["input"]) == {"GTiff", "netCDF"}
    assert set(doc["output"]) == {"GTiff", "netCDF", "JSON"}
    assert doc["output"]["JSON"]["gis_data_types"] == ["other"]
    for name, meta in doc["output"].items():
        assert output_format(name.upper()) == name
        defaults = {k: p["default"] for k, p in meta["parameters"].items()}
        assert output_options(name, None) == defaults == output_options(name, defaults)
    doc["output"]["GTiff"]["parameters"].clear()  # a copy: callers cannot change the table
    assert file_formats()["output"]["GTiff"]["parameters"]
