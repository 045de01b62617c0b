"""Synchronous pgstac write/read helpers for ingest: collections, bulk item loads, deletes."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import psycopg
from pypgstac.db import PgstacDB
from pypgstac.load import Loader, Methods


def _connect(dsn: str, timeout_s: int = 5) -> psycopg.Connection:
    # pgstac's SQL functions resolve their own tables through the search_path
    return psycopg.connect(dsn, options="-c search_path=pgstac,public", connect_timeout=timeout_s)


def ping(dsn: str, timeout_s: int = 3) -> str:
    """Check the database answers and has pgstac; return its pgstac version.

    Raises:
        psycopg.OperationalError: when the server cannot be reached in ``timeout_s``.
        psycopg.errors.UndefinedFunction: when pgstac is not migrated.
    """
    with _connect(dsn, timeout_s) as conn:
        return conn.execute("SELECT pgstac.get_version()").fetchone()[0]


@contextmanager
def pgstac_db(dsn: str) -> Iterator[PgstacDB]:
    """Yield a ``PgstacDB`` and close its pool afterwards (pypgstac leaves it open)."""
    db = PgstacDB(dsn=dsn)
    pool = db.get_pool()
    try:
        yield db
    finally:
        db.disconnect()
        pool.close()


def upsert_collections(dsn: str, collections: Iterable[dict]) -> None:
    """Create or update collections."""
    with pgstac_db(dsn) as db:
        Loader(db).load_collections(iter(list(collections)), insert_mode=Methods.upsert)


def load_items(dsn: str, items: Iterable[dict], method: str = "insert", db=None) -> None:
    """Bulk-load items with the pypgstac Loader.

    Args:
        dsn: database DSN (ignored when ``db`` is given).
        items: STAC item dicts; their collections must exist.
        method: a ``pypgstac.load.Methods`` name (``insert``, ``upsert``, ...).
        db: an open ``PgstacDB`` to reuse across calls.
    """
    items = list(items)
    if not items:
        return
    if db is not None:
        Loader(db).load_items(iter(items), insert_mode=Methods[method])
        return
    with pgstac_db(dsn) as own:
        Loader(own).load_items(iter(items), insert_mode=Methods[method])


def delete_items(dsn: str, collection: str, ids: Iterable[str]) -> int:
    """Delete items of a collection by id; return how many were deleted."""
    ids = list(ids)
    if not ids:
        return 0
    with _connect(dsn) as conn:
        cur = conn.execute(
            "DELETE FROM pgstac.items WHERE collection = %s AND id = ANY(%s)", [collection, ids]
        )
        return cur.rowcount


def collection_ids(dsn: str) -> list[str]:
    """Return the ids of all collections."""
    with _connect(dsn) as conn:
        return [r[0] for r in conn.execute("SELECT id FROM pgstac.collections ORDER BY id")]


def get_collection(dsn: str, collection: str) -> dict | None:
    """Return a collection document, or ``None`` when it does not exist."""
    with _connect(dsn) as conn:
        row = conn.execute(
            "SELECT content FROM pgstac.collections WHERE id = %s", [collection]
        ).fetchone()
    return row[0] if row else None


def item_checksums(dsn: str, collection: str, asset: str = "data") -> dict[str, str | None]:
    """Return ``{item id: file:checksum of its asset}`` for a collection (idempotency, prune)."""
    return {k: v[0] for k, v in item_files(dsn, collection, asset).items()}


def item_files(dsn: str, collection: str, asset: str = "data") -> dict[str, tuple]:
    """Return ``{item id: (file:checksum, href)}`` of an asset for every item of a collection."""
    with _connect(dsn) as conn:
        rows = conn.execute(
            "SELECT id, content->'assets'->%s->>'file:checksum', content->'assets'->%s->>'href' "
            "FROM pgstac.items WHERE collection = %s",
            [asset, asset, collection],
        )
        return {i: (c, h) for i, c, h in rows.fetchall()}


def item_hrefs(dsn: str, collection: str, asset: str = "data") -> dict[str, str | None]:
    """Return ``{item id: href of its asset}`` for a collection."""
    with _connect(dsn) as conn:
        rows = conn.execute(
            "SELECT id, content->'assets'->%s->>'href' FROM pgstac.items WHERE collection = %s",
            [asset, collection],
        )
        return dict(rows.fetchall())


def search(dsn: str, query: dict) -> dict:
    """Run a STAC API search (``pgstac.search``) and return the FeatureCollection."""
    with _connect(dsn) as conn:
        row = conn.execute("SELECT pgstac.search(%s::jsonb)", [json.dumps(query)]).fetchone()
    return row[0]
