"""Asset hrefs: an HTTP URL served by the API plus the local file as a STAC alternate."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from urllib.parse import quote, unquote, urlsplit

ALTERNATE = "https://stac-extensions.github.io/alternate-assets/v1.2.0/schema.json"
"""The STAC alternate-assets extension: ``alternate.local.href`` is the file on this host."""
DATA_ROUTE = "/data"
"""Where the API serves catalogued files: ``/data/<collection>/<item id>/<file name>``."""
_PLAIN = re.compile(r"[A-Za-z0-9._~-]+")


def _segment(text: str) -> str:
    # product names need no quoting; skipping quote() for them saves ~10 µs per item
    return text if _PLAIN.fullmatch(text) else quote(text, safe="")


def data_url(public_url: str, collection: str, item_id: str, path: str | os.PathLike) -> str:
    """Return the HTTP href of a catalogued file.

    The URL names the item, not the directory the file lives in: the API looks the item up
    and serves its local file, so only catalogued files are reachable and a moved tree keeps
    working after a re-ingest.
    """
    parts = (collection, item_id, os.path.basename(path))
    return public_url.rstrip("/") + DATA_ROUTE + "/" + "/".join(map(_segment, parts))


def data_asset_hrefs(public_url: str, collection: str, item_id: str, path: str) -> dict:
    """Return the ``href`` and ``alternate`` fields of an asset whose file is ``path``."""
    return {
        "href": data_url(public_url, collection, item_id, path),
        "alternate": {"local": {"href": path, "title": "File on the Canopy host"}},
    }


def local_path(asset: Mapping) -> str | None:
    """The absolute local path of an asset: its ``local`` alternate, else a local href.

    Returns:
        The path, or ``None`` when the asset names no local file (e.g. only a remote URL).
    """
    alt = asset.get("alternate")
    href = alt.get("local", {}).get("href") if isinstance(alt, Mapping) else None
    for candidate in (href, asset.get("href")):
        if not isinstance(candidate, str):
            continue
        if candidate.startswith("file://"):
            candidate = unquote(urlsplit(candidate).path)
        if os.path.isabs(candidate):
            return candidate
    return None
