"""The catalogue seam of ``load_collection``: where collections and their items come from."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Catalogue(Protocol):
    """Read access to STAC collections and items (``stac.cube_catalogue`` implements it on
    pgstac; anything with these two methods will do)."""

    def collection(self, collection_id: str) -> dict | None:
        """The collection document, or None when there is no such collection."""
        ...

    def search(
        self,
        collection_id: str,
        bbox_wgs84: tuple[float, float, float, float] | None,
        start: datetime | None,
        end: datetime | None,
        properties: Mapping[str, Any] | None,
    ) -> list[dict]:
        """Every item of a collection matching the filters (all pages).

        Args:
            collection_id: the collection.
            bbox_wgs84: ``(west, south, east, north)`` in longitude/latitude, or None.
            start: items ending before this instant are left out (None: open).
            end: items starting after this instant are left out (None: open). The caller
                drops items that start exactly at ``end`` (openEO intervals are half-open).
            properties: a CQL2-JSON filter expression on item properties, or None.
        """
        ...
