"""The items behind a STAC URL: an Item, a Collection or Catalog with item links, an API
items page, or an openEO job-results document."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

from processes.exceptions import OpenEOError, ProcessParameterInvalid

FetchJson = Callable[[str], dict]
MAX_PAGES = 1000
"""Upper bound on ``next`` pages followed (a loop guard)."""


def _fetch(fetch_json: FetchJson, url: str) -> dict:
    try:
        doc = fetch_json(url)
    except OpenEOError:
        raise
    except Exception as e:  # any transport or decoding failure of the injected fetcher
        raise ProcessParameterInvalid(
            parameter="url",
            process="load_stac",
            reason=f"cannot read {url}: {type(e).__name__}: {e}",
        ) from e
    if not isinstance(doc, Mapping):
        raise ProcessParameterInvalid(
            parameter="url", process="load_stac", reason=f"{url} is not a JSON object"
        )
    return dict(doc)


def _absolute(doc: Mapping[str, Any], base: str) -> dict:
    """A copy with relative asset and link hrefs resolved against ``base``.

    Absolute paths stay paths: Canopy's own catalogue holds local files that way.
    """
    out = copy.deepcopy(dict(doc))
    for entry in [*(out.get("assets") or {}).values(), *(out.get("links") or [])]:
        href = str(entry.get("href", ""))
        if href and not urlsplit(href).scheme and not href.startswith("/"):
            entry["href"] = urljoin(base, href)
    return out


def sensor_block(doc: Mapping[str, Any], items: list[dict], fetch_json: FetchJson) -> dict | None:
    """The ``vp`` block of an L2B sensor collection: of the document itself, else of the
    collection the first item links to; None for other data."""
    if doc.get("type") == "Collection":
        return doc.get("vp")
    for link in (items[0].get("links") or []) if items else []:
        if link.get("rel") == "collection" and link.get("href"):
            return _fetch(fetch_json, link["href"]).get("vp")
    return None


def _links(doc: Mapping[str, Any], rel: str, base: str) -> list[str]:
    return [
        urljoin(base, link["href"])
        for link in doc.get("links") or []
        if link.get("rel") == rel and link.get("href")
    ]


def _pages(first: dict, url: str, fetch_json: FetchJson) -> list[dict]:
    items, page, base, seen = [], first, url, {url}
    for _ in range(MAX_PAGES):
        items += [_absolute(f, base) for f in page.get("features") or []]
        nxt = [u for u in _links(page, "next", base) if u not in seen]
        if not nxt:
            break
        base = nxt[0]
        seen.add(base)
        page = _fetch(fetch_json, base)
    return items


def _asset_items(doc: Mapping[str, Any], base: str) -> list[dict]:
    """A collection with assets but no items (openEO results without item links): one
    pseudo-item per asset, its time and footprint from the asset or the collection extent."""
    extent = doc.get("extent") or {}
    bbox = ((extent.get("spatial") or {}).get("bbox") or [None])[0]
    interval = ((extent.get("temporal") or {}).get("interval") or [[None, None]])[0]
    items = []
    for key, asset in (doc.get("assets") or {}).items():
        props = {
            k: v
            for k, v in asset.items()
            if k.startswith("proj:") or k in ("datetime", "start_datetime", "end_datetime")
        }
        if not any(props.get(k) for k in ("datetime", "start_datetime")) and interval[0]:
            props.update(
                datetime=None, start_datetime=interval[0], end_datetime=interval[1] or interval[0]
            )
        item = {
            "type": "Feature",
            "stac_version": doc.get("stac_version", "1.1.0"),
            "id": key,
            "bbox": asset.get("bbox") or bbox,
            "geometry": asset.get("geometry"),
            "properties": props,
            "assets": {key: asset},
            "links": [],
        }
        items.append(_absolute(item, base))
    return items


def collect_items(url: str, fetch_json: FetchJson) -> tuple[dict, list[dict]]:
    """The document at a STAC URL and every item it stands for, with absolute asset hrefs.

    Raises:
        ProcessParameterInvalid: the URL cannot be read or is not a STAC document we know.
    """
    doc = _fetch(fetch_json, url)
    kind = doc.get("type")
    if kind == "Feature":
        return doc, [_absolute(doc, url)]
    if kind == "FeatureCollection":
        return doc, _pages(doc, url, fetch_json)
    if kind in ("Collection", "Catalog"):
        item_urls = _links(doc, "item", url)
        if item_urls:
            return doc, [_absolute(_fetch(fetch_json, u), u) for u in item_urls]
        pages = _links(doc, "items", url)
        if pages:
            return doc, _pages(_fetch(fetch_json, pages[0]), pages[0], fetch_json)
        return doc, _asset_items(doc, url) if doc.get("assets") else []
    raise ProcessParameterInvalid(
        parameter="url",
        process="load_stac",
        reason=f"{url} is not a STAC Item, Collection or Catalog",
    )
