"""A catalogue frozen after one search per sensor: chunk tasks load through it, not the database."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from processes.cubes.catalogue import Catalogue
from processes.cubes.load_collection import item_interval


def _overlaps(bbox: Any, box: tuple[float, float, float, float] | None) -> bool:
    if box is None or not bbox or len(bbox) < 4:
        return True
    w, s, e, n = (float(v) for v in (bbox[0], bbox[1], bbox[-2], bbox[-1]))
    return not (e < box[0] or w > box[2] or n < box[1] or s > box[3])


@dataclass(frozen=True)
class SnapshotCatalogue:
    """Implements ``processes.cubes.Catalogue`` over items found once by a real catalogue.

    One search per sensor for the whole ROI and period replaces one database query per chunk
    and date; the snapshot is plain data, so Dask ships it to each worker once.
    """

    collections: Mapping[str, dict] = field(default_factory=dict)
    """Collection documents by id."""
    items: Mapping[str, tuple[dict, ...]] = field(default_factory=dict)
    """Items by collection id."""

    @classmethod
    def take(
        cls,
        catalogue: Catalogue,
        collections: Mapping[str, dict],
        bbox_wgs84: tuple[float, float, float, float],
        start: datetime,
        end: datetime,
    ) -> SnapshotCatalogue:
        """Search every collection once and keep what was found."""
        items = {
            cid: tuple(catalogue.search(cid, bbox_wgs84, start, end, None)) for cid in collections
        }
        return cls(dict(collections), items)

    def collection(self, collection_id: str) -> dict | None:
        """The collection document, or None."""
        return self.collections.get(collection_id)

    def search(self, collection_id, bbox_wgs84, start, end, properties) -> list[dict]:
        """Items overlapping the box and ``[start, end]`` (``properties`` is not supported)."""
        if properties:
            raise ValueError("a snapshot catalogue does not filter on properties")
        found = []
        for item in self.items.get(collection_id, ()):
            t0, t1 = item_interval(item)
            t1 = t1 or t0
            if t0 is None or (start is not None and t1 < start) or (end is not None and t0 > end):
                continue
            if _overlaps(item.get("bbox"), bbox_wgs84):
                found.append(item)
        return found

    def count(self) -> int:
        """Number of items held."""
        return sum(len(v) for v in self.items.values())
