"""Synchronous processing: ``POST /result`` runs a small graph and returns its result."""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request, Response
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from backend.auth import CurrentUserDep
from backend.deps import JobSettingsDep
from backend.execution import execute, process_graph_of
from backend.routers.capabilities import API_PREFIX
from backend.sync import SyncLimits
from processes.exceptions import RequestTimeout
from processes.executor import to_json

router = APIRouter(prefix=API_PREFIX, tags=["data processing"])

COSTS = {"OpenEO-Costs": "0"}  # Canopy does not bill
_GRACE_S = 5.0  # after the deadline, how long the compute may take to notice it


@router.post("/result", summary="Process and download data synchronously")
async def process_sync(
    request: Request,
    user: CurrentUserDep,
    settings: JobSettingsDep,
    body: Annotated[dict[str, Any] | None, Body()] = None,
) -> Response:
    """Run the graph now. Graphs with save_result answer with the file; others with JSON.

    Requests larger than ``CANOPY_SYNC_MAX_PIXELS`` values or slower than
    ``CANOPY_SYNC_TIMEOUT_S`` stop with an error that says to use a batch job.
    """
    process = (body or {}).get("process")
    process_graph_of(process)
    stac_settings = request.app.state.stac_settings
    scratch = stac_settings.home / "tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    out_dir = Path(tempfile.mkdtemp(prefix="sync-", dir=scratch))
    limits = SyncLimits(settings.sync_max_pixels, settings.sync_timeout_s)
    cleanup = BackgroundTask(shutil.rmtree, out_dir, ignore_errors=True)

    def run():
        result = execute(
            process,
            owner=user.user_id,
            dsn=stac_settings.dsn,
            output_dir=out_dir,
            compute=limits.compute,
            on_load=limits.on_load,
        )
        # to_json computes lazy values: do it here, in the thread, under the deadline
        with limits.deadline_callback():
            value = None if result.files else json.dumps(to_json(result.value))
        return result, value

    try:
        result, value = await asyncio.wait_for(
            asyncio.to_thread(run), timeout=settings.sync_timeout_s + _GRACE_S
        )
    except TimeoutError:
        raise RequestTimeout(seconds=round(settings.sync_timeout_s)) from None
    except BaseException:
        shutil.rmtree(out_dir, ignore_errors=True)
        raise
    if not result.files:
        shutil.rmtree(out_dir, ignore_errors=True)
        return Response(value, media_type="application/json", headers=COSTS)
    if len(result.files) == 1:
        file = result.files[0]
        return FileResponse(
            file["href"],
            media_type=file.get("type") or "application/octet-stream",
            filename=Path(file["href"]).name,
            background=cleanup,
            headers=COSTS,
        )
    # Several files (e.g. one GeoTIFF per date): one zip, since a response has one body.
    archive = out_dir / "result.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        for f in result.files:
            zf.write(f["href"], Path(f["href"]).name)
    return FileResponse(
        archive,
        media_type="application/zip",
        filename="result.zip",
        background=cleanup,
        headers=COSTS,
    )
