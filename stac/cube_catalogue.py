"""The catalogue ``load_collection`` reads: collections and item searches on pgstac (sync)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from stac.migrate import connect

SEARCH_PATH = "-c search_path=pgstac,public"
"""pgstac's SQL functions resolve their own tables through the search path."""
PAGE = 1000
"""Items per ``pgstac.search`` call; later pages follow the ``next`` token."""


def _instant(value: datetime | None) -> str:
    if value is None:
        return ".."
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _next_token(page: Mapping[str, Any]) -> str | None:
    for link in page.get("links") or []:
        if link.get("rel") == "next":
            token = parse_qs(urlsplit(link.get("href", "")).query).get("token")
            if token:
                return token[0]
            if isinstance(link.get("body"), Mapping) and link["body"].get("token"):
                return link["body"]["token"]
    return page.get("next")


class PgstacCubeCatalogue:
    """Implements ``processes.cubes.Catalogue`` over a pgstac database.

    Each call opens one short connection; nothing is cached, so items ingested a moment ago
    are seen by the next load.
    """

    def __init__(self, dsn: str, timeout_s: float = 5.0, page: int = PAGE) -> None:
        self.dsn = dsn
        self.timeout_s = timeout_s
        self.page = page

    def collection(self, collection_id: str) -> dict | None:
        """The collection document, or None."""
        with connect(self.dsn, self.timeout_s, options=SEARCH_PATH) as conn:
            row = conn.execute(
                "SELECT content FROM pgstac.collections WHERE id = %s", [collection_id]
            ).fetchone()
        return row[0] if row else None

    def search(
        self,
        collection_id: str,
        bbox_wgs84: tuple[float, float, float, float] | None,
        start: datetime | None,
        end: datetime | None,
        properties: Mapping[str, Any] | None,
    ) -> list[dict]:
        """All items matching, through ``pgstac.search`` (CQL2-JSON filter), every page."""
        query: dict[str, Any] = {
            "collections": [collection_id],
            "limit": self.page,
            "sortby": [{"field": "datetime", "direction": "asc"}],
        }
        if bbox_wgs84 is not None:
            query["bbox"] = [float(v) for v in bbox_wgs84]
        if start is not None or end is not None:
            query["datetime"] = f"{_instant(start)}/{_instant(end)}"
        if properties:
            query["filter"] = dict(properties)
            query["filter-lang"] = "cql2-json"
        return list(self._pages(query))

    def _pages(self, query: dict[str, Any]) -> Iterator[dict]:
        with connect(self.dsn, self.timeout_s, options=SEARCH_PATH) as conn:
            while True:
                (page,) = conn.execute(
                    "SELECT pgstac.search(%s::jsonb)", [json.dumps(query)]
                ).fetchone()
                yield from page.get("features") or []
                token = _next_token(page)
                if not token or not page.get("features"):
                    return
                query = {**query, "token": token}
