"""Bulk loading with the pypgstac Loader, its per-item formatting moved to where the scan runs."""

from __future__ import annotations

import os
import struct
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import orjson
import psycopg
from pypgstac.db import PgstacDB
from pypgstac.hydration import dehydrate
from pypgstac.load import Loader, Methods, as_utc

from ingest.hrefs import local_path

_PER_ITEM = ("id", "bbox", "geometry", "properties", "links")
"""Top-level item fields that differ from product to product."""
_PER_ASSET = ("href", "alternate", "file:checksum", "file:size")
"""Asset fields that differ from product to product."""


def _skeleton(item: dict) -> dict:
    """The item without its per-product fields: the same for every product of a sensor."""
    out = {k: v for k, v in item.items() if k not in _PER_ITEM and k != "assets"}
    out["assets"] = {
        name: {k: v for k, v in asset.items() if k not in _PER_ASSET}
        for name, asset in item.get("assets", {}).items()
    }
    return out


def polygon_ewkb(geometry: dict, srid: int = 4326) -> str | None:
    """Hex EWKB of a one-ring GeoJSON polygon, as plpygis writes it; ``None`` for other shapes."""
    rings = geometry.get("coordinates") if geometry.get("type") == "Polygon" else None
    if not rings or len(rings) != 1 or any(len(p) != 2 for p in rings[0]):
        return None
    ring = rings[0]
    head = struct.pack("<BIIII", 1, 0x20000003, srid, 1, len(ring))
    return (head + struct.pack(f"<{2 * len(ring)}d", *(c for p in ring for c in p))).hex()


class ItemFormatter(Loader):
    """Formats items as ``Loader.load_items`` stores them, without a database connection.

    ``Loader.format_item`` (dehydration against the collection's base item, EWKB geometry,
    partition name, JSON encoding) is most of the Loader's Python time. This subclass answers
    ``collection_json`` from values fetched once, so the scan's worker can format rows and the
    client only copies them (see :class:`RowLoader`). For products it also dehydrates the part
    every item of a sensor shares once, not per item: the per-product fields are absent from
    pgstac's base item, so dehydration keeps them verbatim and the result is the same
    (``tests/ingest/test_loading.py`` compares it with ``format_item`` field by field).
    """

    def __init__(self, bases: dict[str, tuple]) -> None:
        super().__init__(db=None)
        self.bases = bases
        """``{collection: (base_item, key, partition_trunc, base_item_id)}``."""
        self._templates: dict[str, tuple[dict, dict | None]] = {}

    def collection_json(self, collection_id: str) -> tuple:
        return self.bases[collection_id]

    def _template(self, collection: str, skeleton: dict) -> dict | None:
        cached = self._templates.get(collection)
        if cached is not None and cached[0] == skeleton:
            return cached[1]
        base = self.bases[collection][0] or {}
        base_assets = base.get("assets") or {}
        shared = any(k in base for k in _PER_ITEM) or any(
            k in (base_assets.get(name) or {}) for name in skeleton["assets"] for k in _PER_ASSET
        )
        template = None if shared else dehydrate(base, skeleton)
        self._templates[collection] = (skeleton, template)
        return template

    def format(self, item: dict) -> dict:
        """Return the Loader row of a STAC item (``format_item``'s result, faster)."""
        collection = item.get("collection")
        if collection not in self.bases:
            return self.format_item(item)  # raises the Loader's own error
        template = self._template(collection, _skeleton(item))
        ewkb = polygon_ewkb(item["geometry"]) if item.get("geometry") else None
        props = item.get("properties", {})
        start, end = props.get("start_datetime"), props.get("end_datetime")
        if template is None or ewkb is None or start is None or end is None:
            return self.format_item(item)
        s, e = as_utc(start), as_utc(end)
        if s is not None and e is not None and s > e:
            raise ValueError("start_datetime must be < end_datetime")
        content = dict(template)
        content.update({k: item[k] for k in ("bbox", "properties", "links") if k in item})
        assets = dict(content.get("assets") or {})
        for name, asset in item.get("assets", {}).items():
            merged = dict(assets.get(name) or {})
            merged.update({k: asset[k] for k in _PER_ASSET if k in asset})
            assets[name] = merged
        content["assets"] = assets
        for k in ("id", "collection", "geometry", "pgstac:base_item"):
            content.pop(k, None)
        _, key, trunc, base_item_id = self.bases[collection]
        if base_item_id is not None:
            content["pgstac:base_item"] = base_item_id
        return {
            "id": item["id"],
            "collection": collection,
            "datetime": start,
            "end_datetime": end,
            "partition": _partition(key, trunc, start),
            "geometry": ewkb,
            "private": None,
            "content": orjson.dumps(content).decode(),
        }


def _partition(key: int, trunc: str | None, start: str) -> str:
    # the naming rule of Loader.format_item
    if trunc == "year":
        return f"_items_{key}_{start.replace('-', '')[:4]}"
    if trunc == "month":
        return f"_items_{key}_{start.replace('-', '')[:6]}"
    return f"_items_{key}"


class RowLoader(Loader):
    """The pypgstac Loader, fed with rows an :class:`ItemFormatter` already made."""

    def format_item(self, item):
        if isinstance(item, dict) and "partition" in item and isinstance(item.get("content"), str):
            return item
        return super().format_item(item)


def collection_bases(db: PgstacDB, collections: Iterable[str]) -> dict[str, tuple]:
    """Fetch what :class:`ItemFormatter` needs per collection (one query each)."""
    loader = Loader(db)
    return {c: tuple(loader.collection_json(c)) for c in collections}


ARRIVALS_COPY = "COPY canopy.arrivals (collection, item_id, event, href, tile, datetime) FROM STDIN"


def copy_arrivals(conn: psycopg.Connection, rows: Iterable[tuple]) -> None:
    """Insert arrival events ``(collection, item_id, event, href, tile, datetime)`` in bulk."""
    rows = list(rows)
    if not rows:
        return
    with conn.transaction(), conn.cursor() as cur, cur.copy(ARRIVALS_COPY) as copy:
        for row in rows:
            copy.write_row(row)


class BackgroundLoader:
    """Loads batches of rows, then records their arrival events, on one thread.

    The database does its share of a load in its own process, so on a small machine the
    scan and the load overlap; at most ``depth`` batches wait, which bounds memory.
    """

    def __init__(self, db: PgstacDB, depth: int = 3) -> None:
        self._db = db
        self._loader = RowLoader(db)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="canopy-load")
        self._pending: list[Future] = []
        self._depth = depth

    def _load(self, rows: list[dict], method: str, arrivals: list[tuple]) -> None:
        if rows:
            self._loader.load_items(iter(rows), insert_mode=Methods[method])
        # after the items: an arrival always names an item that exists
        copy_arrivals(self._db.connect(), arrivals)

    def submit(self, rows: list[dict], method: str, arrivals: list[tuple] = ()) -> None:
        """Queue ``rows`` (formatted items) for loading with a ``Methods`` name.

        Args:
            rows: Loader rows from :class:`ItemFormatter`.
            method: ``insert`` or ``upsert``.
            arrivals: events to record once the rows are in.
        """
        if not rows and not arrivals:
            return
        while len(self._pending) >= self._depth:
            self._pending.pop(0).result()  # re-raises a failed load here, early
        self._pending.append(self._pool.submit(self._load, rows, method, list(arrivals)))

    def close(self) -> None:
        """Wait for every queued batch; re-raise the first failure."""
        try:
            for f in self._pending:
                f.result()
        finally:
            self._pending.clear()
            self._pool.shutdown(wait=True)


@dataclass(frozen=True)
class Catalogued:
    """What the catalogue holds about the files of one run's collections."""

    files: dict[str, tuple]
    """``{item id: (file:checksum, href, local path)}`` of the ``data`` assets."""
    collections: dict[str, str]
    """``{item id: collection}``."""

    def gone(self, keep: set[str]) -> dict[str, list[str]]:
        """Items (by collection) whose local file no longer exists, except those in ``keep``."""
        out: dict[str, list[str]] = {}
        for item_id, (_, _, path) in self.files.items():
            if item_id not in keep and path and not os.path.exists(path):
                out.setdefault(self.collections[item_id], []).append(item_id)
        return out


def catalogued_files(dsn: str, collections: Iterable[str]) -> Catalogued:
    """Read checksum, href and local file of every item of ``collections`` in one query."""
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT id, collection, content->'assets'->'data' FROM pgstac.items "
            "WHERE collection = ANY(%s)",
            [list(collections)],
        ).fetchall()
    files, owners = {}, {}
    for item_id, collection, asset in rows:
        asset = asset or {}
        files[item_id] = (asset.get("file:checksum"), asset.get("href"), local_path(asset))
        owners[item_id] = collection
    return Catalogued(files, owners)
