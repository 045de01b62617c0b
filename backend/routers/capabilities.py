"""openEO discovery: well-known document, capabilities, conformance, formats, runtimes."""

from __future__ import annotations

from importlib.metadata import version

from fastapi import APIRouter, Request

from backend.deps import SettingsDep
from processes.cubes import file_formats as cube_file_formats

API_VERSION = "1.2.0"
API_PREFIX = "/openeo/1.2"

CONFORMANCE = [
    "https://api.openeo.org/1.2.0",
    "https://api.stacspec.org/v1.0.0/collections",
    "http://www.opengis.net/spec/ogcapi-common-2/1.0/conf/collections",
]

_HTTP_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}

router = APIRouter(prefix=API_PREFIX, tags=["capabilities"])
well_known_router = APIRouter(tags=["capabilities"])


def api_url(request: Request) -> str:
    """Absolute URL of the openEO API root, ending in ``/``."""
    return str(request.base_url).rstrip("/") + API_PREFIX + "/"


def stac_url(request: Request) -> str:
    """Absolute URL of the mounted STAC API root, ending in ``/``."""
    return str(request.base_url).rstrip("/") + "/stac/"


def _endpoints(request: Request) -> list[dict]:
    # Built from the app's own OpenAPI document, so capabilities never promise more.
    endpoints = []
    for path, operations in sorted(request.app.openapi()["paths"].items()):
        if path.startswith(API_PREFIX + "/") and path != API_PREFIX + "/":
            methods = sorted(m.upper() for m in operations if m.upper() in _HTTP_METHODS)
            endpoints.append({"path": path[len(API_PREFIX) :], "methods": methods})
    return endpoints


@well_known_router.get("/.well-known/openeo", summary="Supported openEO versions")
def well_known(request: Request) -> dict:
    """List the API versions this server offers (only 1.2.0)."""
    return {
        "versions": [{"url": api_url(request), "api_version": API_VERSION, "production": False}]
    }


@router.get("/", summary="Information about the back-end")
def capabilities(request: Request, settings: SettingsDep) -> dict:
    """Capabilities: identity, version, the endpoints that exist, links."""
    base = api_url(request)
    return {
        "api_version": API_VERSION,
        "backend_version": version("canopy"),
        "stac_version": "1.1.0",
        "type": "Catalog",
        "id": "canopy",
        "title": settings.title,
        "description": settings.description,
        "production": settings.production,
        "endpoints": _endpoints(request),
        "conformsTo": CONFORMANCE,
        "links": [
            {"rel": "self", "href": base, "type": "application/json"},
            {
                "rel": "version-history",
                "href": str(request.base_url) + ".well-known/openeo",
                "type": "application/json",
            },
            {"rel": "conformance", "href": base + "conformance", "type": "application/json"},
            {
                "rel": "data",
                "href": base + "collections",
                "type": "application/json",
                "title": "Collections",
            },
            {
                "rel": "service-desc",
                "href": str(request.base_url) + "openapi.json",
                "type": "application/vnd.oai.openapi+json;version=3.0",
            },
            {
                "rel": "alternate",
                "href": stac_url(request),
                "type": "application/json",
                "title": "STAC API of inputs and outputs",
            },
        ],
    }


@router.get("/conformance", summary="Conformance classes")
def conformance() -> dict:
    """The conformance classes this API implements."""
    return {"conformsTo": CONFORMANCE}


@router.get("/file_formats", summary="Supported file formats")
def file_formats() -> dict:
    """Input and output file formats: what load_collection reads and save_result writes."""
    return cube_file_formats()


@router.get("/udf_runtimes", summary="Supported UDF runtimes")
def udf_runtimes() -> dict:
    """No UDF runtimes are offered."""
    return {}


@router.get("/service_types", summary="Supported secondary web service protocols")
def service_types() -> dict:
    """No secondary web services are offered."""
    return {}
