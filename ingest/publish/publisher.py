"""``canopy publish``: retrieval outputs → CCI files, quicklooks and output STAC items."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ingest.hrefs import local_path
from ingest.publish.files import Staging, ensure_writable
from ingest.publish.inputs import (
    InputItem,
    Period,
    Source,
    combine,
    load_outputs,
    resolve_inputs,
    restrict,
)
from ingest.publish.items import COLLECTIONS, FileInfo, output_collection, product_item
from ingest.publish.quicklook import QUICKLOOKS, thumbnail_array, write_cog, write_png
from ingest.publish.settings import PublishSettings
from ingest.roots import register_roots
from ingest.scan import file_checksum
from processes.exceptions import StorageFailure
from processes.repackage import CciProduct, repackage, write_product
from processes.repackage.contract import union
from stac import catalog


@dataclass
class PublishReport:
    """What one publication run did."""

    created: list[str] = field(default_factory=list)
    """Item ids published for the first time."""
    updated: list[str] = field(default_factory=list)
    """Item ids re-published because their inputs or metadata changed (or a file was damaged)."""
    unchanged: list[str] = field(default_factory=list)
    """Item ids already published from the same inputs, files intact: nothing written."""
    items: list[dict] = field(default_factory=list)
    """Every item of the run (new and unchanged), for transfer."""
    seconds: float = 0.0


def _fingerprint(product: CciProduct, derived: Sequence[str], settings: PublishSettings) -> str:
    doc = [product.fingerprint, list(derived), settings.public_url, settings.quicklooks]
    return hashlib.sha256(json.dumps(doc).encode()).hexdigest()


def _label(items: Iterable[InputItem], attr: str) -> str:
    return ", ".join(sorted({getattr(i, attr) for i in items if getattr(i, attr)})) or "unknown"


def _intact(item: dict) -> bool:
    """Every asset file of a catalogued item exists with its recorded checksum."""
    for asset in item["assets"].values():
        local = local_path(asset)
        path = Path(local) if local else None
        if path is None or not path.is_file() or path.stat().st_size != asset.get("file:size"):
            return False
        if file_checksum(path) != asset.get("file:checksum"):
            return False
    return True


def _existing(dsn: str, products: Sequence[CciProduct]) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for kind, collection in COLLECTIONS.items():
        ids = [p.item_id for p in products if p.kind == kind]
        if ids:
            page = catalog.search(dsn, {"collections": [collection], "ids": ids, "limit": len(ids)})
            found |= {f["id"]: f for f in page.get("features", [])}
    return found


def _quicklooks(product: CciProduct, final: Path, staging: Staging) -> dict[str, FileInfo]:
    ds = product.dataset
    keys = ("geospatial_lon_min", "geospatial_lat_min", "geospatial_lon_max", "geospatial_lat_max")
    bounds = tuple(float(ds.attrs[k]) for k in keys)
    north_up = ds.sortby("lat", ascending=False)
    files = {}
    for var, q in QUICKLOOKS.items():
        path = final.with_name(f"{product.item_id}-{var}.tif")
        tmp = staging.path(path)
        dn = q.encode(north_up[var].values)
        write_cog(tmp, dn, bounds, q, [str(d) for d in product.steps])
        files[var] = FileInfo(str(path), file_checksum(tmp), tmp.stat().st_size)
    path = final.with_name(f"{product.item_id}.png")
    tmp = staging.path(path)
    write_png(tmp, thumbnail_array(north_up["LAI"].values), QUICKLOOKS["LAI"])
    files["thumbnail"] = FileInfo(str(path), file_checksum(tmp), tmp.stat().st_size)
    return files


def _write(product: CciProduct, root: Path, settings: PublishSettings, staging: Staging):
    final = root / product.relpath
    tmp = staging.path(final)
    write_product(product, tmp)
    files = {"data": FileInfo(str(final), file_checksum(tmp), tmp.stat().st_size)}
    if settings.quicklooks:
        files |= _quicklooks(product, final, staging)
    return files


def publish(
    sources: Iterable[Source],
    dsn: str,
    settings: PublishSettings | None = None,
    *,
    period: Period | None = None,
    created: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
    home: Path | None = None,
) -> PublishReport:
    """Repackage retrieval outputs, write the CCI files and quicklooks, catalogue them.

    Idempotent: a product whose item records the same inputs and metadata, with its files
    intact, is left alone. All-or-nothing: every input is checked and every file written under
    a temporary name before anything is renamed into place or catalogued.

    Args:
        sources: retrieval output files, directories of them, or Datasets (the contract).
        dsn: catalogue database.
        settings: publication root, public URL, DOI, version.
        period: publish only these step dates, which must all be present.
        created: ``date_created`` of new files (default: now).
        progress: called with ``(done, total)`` products.
        home: Canopy home whose data roots get the publication root, so the API's ``/data``
            route serves the published files (the asset hrefs point there).

    Raises:
        NoDataAvailable: no outputs, or steps missing in ``period``.
        NotFound: input items named by the outputs are not catalogued.
        StorageFailure: the publication root is not writable or a write failed.
    """
    t0 = time.perf_counter()
    settings = settings or PublishSettings()
    meta = settings.metadata()
    groups = combine(load_outputs(sources))
    if period is not None:
        groups = [(restrict(ds, info, period), info) for ds, info in groups]
    inputs = resolve_inputs(dsn, union(info.input_items for _, info in groups))
    planned: list[tuple[CciProduct, list[str]]] = []
    for ds, info in groups:
        used = [inputs[r] for r in info.input_items]
        labels = {"platform": _label(used, "platform"), "sensor": _label(used, "instrument")}
        for product in repackage(ds, info, meta, created=created, **labels):
            # the exact inputs of a product are those observed inside its windows
            derived = [i.ref for i in used if i.used_in(product.start, product.end)]
            planned.append((product, derived))
    root = settings.publish_root.absolute()
    ensure_writable(root)
    if home is not None:
        register_roots(home, [root])
    existing = _existing(dsn, [p for p, _ in planned])
    report = PublishReport()
    new_items = []
    with Staging() as staging:
        for n, (product, derived) in enumerate(planned, start=1):
            fp = _fingerprint(product, derived, settings)
            old = existing.get(product.item_id)
            if old and old["properties"].get("canopy:source_fingerprint") == fp and _intact(old):
                report.unchanged.append(product.item_id)
                report.items.append(old)
            else:
                try:
                    files = _write(product, root, settings, staging)
                except (
                    OSError,
                    RuntimeError,
                ) as e:  # netCDF4 reports HDF5 failures as RuntimeError
                    raise StorageFailure(reason=f"writing {product.relpath} failed: {e}") from e
                item = product_item(product, files, derived, settings, fp)
                (report.updated if old else report.created).append(product.item_id)
                report.items.append(item)
                new_items.append(item)
            if progress:
                progress(n, len(planned))
        staging.commit()  # every file is written: rename them all into place
    kinds = sorted({p.kind for p, _ in planned})
    catalog.upsert_collections(dsn, [output_collection(k, settings) for k in kinds])
    catalog.load_items(dsn, new_items, "upsert")
    report.seconds = time.perf_counter() - t0
    return report
