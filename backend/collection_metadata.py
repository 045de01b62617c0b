"""openEO collection metadata (cube:dimensions, summaries) derived from pgstac collections."""

from __future__ import annotations

from typing import Any

STAC_VERSION = "1.1.0"
DATACUBE_EXTENSION = "https://stac-extensions.github.io/datacube/v2.2.0/schema.json"


def _bands(collection: dict[str, Any]) -> list[dict[str, Any]]:
    summaries = collection.get("summaries") or {}
    bands = summaries.get("eo:bands") or summaries.get("bands") or []
    if not bands:  # fall back to item_assets that declare eo:bands
        for asset in (collection.get("item_assets") or {}).values():
            bands.extend(asset.get("eo:bands") or [])
    return [b for b in bands if isinstance(b, dict) and b.get("name")]


def cube_dimensions(collection: dict[str, Any]) -> dict[str, Any]:
    """The datacube dimensions openEO clients read: x, y, t and bands."""
    if collection.get("cube:dimensions"):
        return collection["cube:dimensions"]
    extent = collection.get("extent") or {}
    bbox = ((extent.get("spatial") or {}).get("bbox") or [[-180, -90, 180, 90]])[0]
    interval = ((extent.get("temporal") or {}).get("interval") or [[None, None]])[0]
    dims: dict[str, Any] = {
        "x": {
            "type": "spatial",
            "axis": "x",
            "extent": [bbox[0], bbox[2]],
            "reference_system": 4326,
        },
        "y": {
            "type": "spatial",
            "axis": "y",
            "extent": [bbox[1], bbox[3]],
            "reference_system": 4326,
        },
        "t": {"type": "temporal", "extent": list(interval)},
    }
    bands = _bands(collection)
    if bands:
        dims["bands"] = {"type": "bands", "values": [b["name"] for b in bands]}
    return dims


def _links(collection_id: str, api_url: str, stac_url: str) -> list[dict[str, str]]:
    return [
        {
            "rel": "self",
            "href": f"{api_url}collections/{collection_id}",
            "type": "application/json",
        },
        {"rel": "root", "href": api_url, "type": "application/json"},
        {"rel": "parent", "href": f"{api_url}collections", "type": "application/json"},
        {
            "rel": "items",
            "href": f"{stac_url}collections/{collection_id}/items",
            "type": "application/geo+json",
            "title": "Items in the STAC API",
        },
    ]


def openeo_collection(
    collection: dict[str, Any], api_url: str, stac_url: str, *, full: bool
) -> dict[str, Any]:
    """Turn a pgstac collection into openEO collection metadata.

    Args:
        collection: the collection document as stored in pgstac.
        api_url: absolute URL of the openEO API root, ending in ``/``.
        stac_url: absolute URL of the STAC API root, ending in ``/``.
        full: True for ``/collections/{id}`` (adds cube:dimensions and summaries).
    """
    cid = collection["id"]
    out: dict[str, Any] = {
        "stac_version": STAC_VERSION,
        "type": "Collection",
        "id": cid,
        "title": collection.get("title", cid),
        "description": collection.get("description") or cid,
        "keywords": collection.get("keywords", []),
        "license": collection.get("license", "other"),
        "providers": collection.get("providers", []),
        "extent": collection.get("extent")
        or {"spatial": {"bbox": [[-180, -90, 180, 90]]}, "temporal": {"interval": [[None, None]]}},
        "links": _links(cid, api_url, stac_url),
    }
    extensions = [e for e in collection.get("stac_extensions", []) if "datacube" not in e]
    out["stac_extensions"] = [*extensions, DATACUBE_EXTENSION]
    out["cube:dimensions"] = cube_dimensions(collection)
    if full:
        summaries = dict(collection.get("summaries") or {})
        bands = _bands(collection)
        if bands:
            summaries["eo:bands"] = bands
        out["summaries"] = summaries
        for key in ("item_assets", "assets", "sci:citation", "vp:sensor"):
            if key in collection:
                out[key] = collection[key]
    return out
