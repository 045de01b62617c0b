"""``/data/<collection>/<item>/<file>``: catalogued files over HTTP (GET, HEAD, byte ranges).

The URL names a catalogue item, never a server path: the route looks the item up and serves the
asset whose local file (its ``local`` alternate, else a local href) has that file name, and
only when that file lies under a data root (docs/discovery.md, "Asset hrefs"). So nothing but
catalogued files under the roots is reachable, and ``..`` in a URL has nothing to traverse.
"""

from __future__ import annotations

import mimetypes
import os
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from backend.deps import CataloguePoolDep
from ingest.hrefs import DATA_ROUTE, local_path
from ingest.roots import data_roots, is_under
from ingest.settings import IngestSettings
from processes.exceptions import FileNotFound

router = APIRouter(prefix=DATA_ROUTE, tags=["data"])

MEDIA_TYPES = {".nc": "application/x-netcdf", ".tif": "image/tiff", ".tiff": "image/tiff"}
"""Media types by extension, for assets whose item does not say (first choice: the asset)."""

_ASSETS = """
SELECT i.content->'assets' AS assets, c.content->'item_assets' AS item_assets
FROM pgstac.items i JOIN pgstac.collections c ON c.id = i.collection
WHERE i.collection = $1 AND i.id = $2
"""


def get_data_roots(request: Request) -> list[str]:
    """The directories served files must lie in (read per request: ingest may add some)."""
    home = request.app.state.stac_settings.home
    return data_roots(home, IngestSettings().data_roots)


DataRootsDep = Annotated[list[str], Depends(get_data_roots)]


def _media_type(asset: dict, template: dict, path: str) -> str:
    # pgstac stores an item's assets minus what equals the collection's item_assets
    for candidate in (asset.get("type"), template.get("type")):
        if isinstance(candidate, str) and "/" in candidate:
            return candidate
    ext = os.path.splitext(path)[1].lower()
    return MEDIA_TYPES.get(ext) or mimetypes.guess_type(path)[0] or "application/octet-stream"


def _pick(assets: dict, templates: dict, filename: str, roots: list[str]) -> tuple | None:
    """``(path, media type)`` of the asset whose local file is ``filename``, if served."""
    for key, asset in assets.items():
        if not isinstance(asset, dict):
            continue
        path = local_path(asset)
        if path and os.path.basename(path) == filename:
            if not (os.path.isfile(path) and is_under(path, roots)):
                return None
            return path, _media_type(asset, templates.get(key) or {}, path)
    return None


# HEAD is served too (clients size ranged downloads with it), but documented once, as GET.
@router.head("/{collection}/{item_id}/{filename}", include_in_schema=False)
@router.get(
    "/{collection}/{item_id}/{filename}",
    summary="Download a catalogued file (byte ranges supported)",
    response_class=FileResponse,
)
async def get_file(
    collection: str,
    item_id: str,
    filename: str,
    request: Request,
    pool: CataloguePoolDep,
    roots: DataRootsDep,
) -> FileResponse:
    """Serve the file of an item's asset; ``Range`` requests get ``206`` partial content.

    Raises:
        FileNotFound: no such item, no asset with that file name, the file is gone, or it lies
            outside the data roots (the same answer for all, so paths cannot be probed).
    """
    async with pool.acquire() as conn:
        row = await conn.fetchrow(_ASSETS, collection, item_id)
    assets = (row["assets"] if row else None) or {}
    templates = (row["item_assets"] if row else None) or {}
    # stat and realpath touch the disk: off the event loop
    found = await run_in_threadpool(_pick, assets, templates, filename, roots)
    if found is None:
        raise FileNotFound(path=request.url.path)
    path, media_type = found
    return FileResponse(path, media_type=media_type)
