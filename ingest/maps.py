"""Register the land-cover maps ``canopy simulate`` writes as items of ``esa-cci-lc``."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import psycopg
import rasterio

from ingest.hrefs import data_url, local_path
from ingest.landcover import BAND, COLLECTION, landcover_collection, map_item, parse_map_name
from ingest.scan import read_hashed
from stac import catalog


@dataclass
class MapReport:
    """Counts of one registration of maps."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    """``(path, reason)`` of every map skipped."""


def _catalogued(dsn: str) -> dict[str, tuple]:
    """``{item id: (checksum, href, local path)}`` of the maps already catalogued."""
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT id, content->'assets'->%s FROM pgstac.items WHERE collection = %s",
            [BAND, COLLECTION],
        ).fetchall()
    out = {}
    for item_id, asset in rows:
        asset = asset or {}
        out[item_id] = (asset.get("file:checksum"), asset.get("href"), local_path(asset))
    return out


def _ensure_collection(dsn: str) -> None:
    """Upsert the collection when it is missing or differs (a no-op on repeated runs)."""
    wanted = landcover_collection()
    stored = catalog.get_collection(dsn, COLLECTION)
    # pgstac may add fields (e.g. links); only the fields we write count
    if stored is None or any(stored.get(k) != v for k, v in wanted.items() if k != "links"):
        catalog.upsert_collections(dsn, [wanted])


def register_maps(dsn: str, paths: list[str], public_url: str, prune: bool = False) -> MapReport:
    """Create or update the items of land-cover map files; unchanged files write nothing.

    The collection is created with the first map (catalogues without maps stay as they
    were) and updated when its document changed. Maps are few (one per simulation) and small: they are read in this process.

    Args:
        dsn: database DSN.
        paths: absolute paths of map files (:func:`ingest.scan.discover` with ``maps``).
        public_url: base of the asset hrefs.
        prune: delete map items whose local file no longer exists.
    """
    report = MapReport()
    known = _catalogued(dsn) if paths or prune else {}
    pending: dict[str, list[dict]] = {"insert": [], "upsert": []}
    seen: dict[str, str] = {}
    for path in paths:
        name = parse_map_name(os.path.basename(path))
        if name is None:
            report.failed.append((path, "not a land-cover map name"))
            continue
        if name.item_id in seen:  # two copies would be two items with one id
            report.failed.append((path, f"duplicate of {seen[name.item_id]}"))
            continue
        seen[name.item_id] = path
        try:
            data, checksum = read_hashed(path)
            href = data_url(public_url, COLLECTION, name.item_id, path)
            if known.get(name.item_id) == (checksum, href, path):
                report.unchanged += 1
                continue
            item = map_item(path, name, checksum, len(data), public_url)
        # a broken map must not stop the run: report it with the reason and go on
        except (OSError, ValueError, rasterio.errors.RasterioIOError) as e:
            report.failed.append((path, f"{type(e).__name__}: {e}"))
            continue
        new = name.item_id not in known
        pending["insert" if new else "upsert"].append(item)
        report.created += new
        report.updated += not new
    if seen:
        _ensure_collection(dsn)
    if pending["insert"] or pending["upsert"]:
        for method, items in pending.items():
            catalog.load_items(dsn, items, method)
    if prune:
        gone = [
            i for i, (_, _, p) in known.items() if i not in seen and p and not os.path.exists(p)
        ]
        report.deleted = catalog.delete_items(dsn, COLLECTION, gone)
    return report
