"""openEO batch jobs: CRUD, start and cancel, logs, estimates, results as STAC and their files."""

from __future__ import annotations

import asyncio
import shutil
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request, Response
from fastapi.responses import FileResponse

from backend.auth import CurrentUserDep, OptionalUserDep
from backend.deps import JobSettingsDep, JobStoreDep, LinkSignerDep
from backend.execution import plan, process_graph_of
from backend.jobs import catalogue
from backend.jobs.estimate import estimate
from backend.jobs.model import LOG_LEVELS, Status, job_document, job_summary, rfc3339
from backend.jobs.results import ResultDocuments, asset_name
from backend.routers.capabilities import API_PREFIX, api_url
from processes.exceptions import (
    AuthenticationRequired,
    FileNotFound,
    JobNotFinished,
    NoDataForUpdate,
    ParameterInvalid,
    PropertyNotEditable,
)

router = APIRouter(prefix=API_PREFIX, tags=["batch jobs"])

_READ_ONLY = {"id", "status", "created", "updated", "progress", "costs", "usage"}
_EDITABLE = ("title", "description", "process", "plan", "budget", "log_level")


def job_url(request: Request, job_id: str) -> str:
    """Absolute URL of a job."""
    return f"{api_url(request)}jobs/{job_id}"


def _fields(body: dict[str, Any]) -> dict[str, Any]:
    """The editable fields of a job body, checked."""
    for key in body:
        if key in _READ_ONLY:
            raise PropertyNotEditable(property=key)
    fields = {k: body[k] for k in _EDITABLE if k in body}
    if "process" in fields:
        process_graph_of(fields["process"])
    level = fields.get("log_level", "info")
    if level not in LOG_LEVELS:
        raise ParameterInvalid(parameter="log_level", reason=f"one of {', '.join(LOG_LEVELS)}")
    budget = fields.get("budget")
    if budget is not None and not isinstance(budget, int | float):
        raise ParameterInvalid(parameter="budget", reason="a number or null")
    for key in ("title", "description", "plan"):
        if fields.get(key) is not None and not isinstance(fields[key], str):
            raise ParameterInvalid(parameter=key, reason="a string or null")
    return fields


@router.post("/jobs", status_code=201, summary="Create a batch job")
async def create_job(
    request: Request,
    user: CurrentUserDep,
    store: JobStoreDep,
    body: Annotated[dict[str, Any] | None, Body()] = None,
) -> Response:
    """Store a job in status ``created``; ``POST /jobs/{id}/results`` starts it."""
    fields = _fields(body or {})
    if "process" not in fields:
        process_graph_of(None)
    process = fields.pop("process")
    row = await store.create(user.user_id, process, **fields)
    url = job_url(request, row["id"])
    return Response(status_code=201, headers={"Location": url, "OpenEO-Identifier": row["id"]})


@router.get("/jobs", summary="List your batch jobs")
async def list_jobs(
    request: Request,
    user: CurrentUserDep,
    store: JobStoreDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    after: str | None = None,
) -> dict:
    """Your jobs, newest first; a ``next`` link pages on."""
    rows = await store.list(user.user_id, limit + 1, after)
    links = []
    if len(rows) > limit:
        rows = rows[:limit]
        links.append(
            {
                "rel": "next",
                "href": f"{api_url(request)}jobs?limit={limit}&after={rows[-1]['id']}",
                "type": "application/json",
            }
        )
    return {"jobs": [job_summary(r) for r in rows], "links": links}


@router.get("/jobs/{job_id}", summary="Full metadata of a batch job")
async def get_job(job_id: str, user: CurrentUserDep, store: JobStoreDep) -> dict:
    """Status, real progress, the process and usage."""
    return job_document(await store.get(job_id, user.user_id))


@router.patch("/jobs/{job_id}", status_code=204, summary="Modify a batch job")
async def patch_job(
    job_id: str,
    user: CurrentUserDep,
    store: JobStoreDep,
    body: Annotated[dict[str, Any] | None, Body()] = None,
) -> Response:
    """Change title, description, process, plan, budget or log level (not while it runs)."""
    if body is None:
        raise NoDataForUpdate()
    await store.update(job_id, user.user_id, _fields(body))
    return Response(status_code=204)


@router.delete("/jobs/{job_id}", status_code=204, summary="Delete a batch job")
async def delete_job(
    request: Request,
    job_id: str,
    user: CurrentUserDep,
    store: JobStoreDep,
    settings: JobSettingsDep,
) -> Response:
    """Cancel it if it runs, then delete it, its logs and its results."""
    await store.cancel(job_id, user.user_id)
    await store.delete(job_id, user.user_id)
    stac_settings = request.app.state.stac_settings
    await asyncio.to_thread(catalogue.unregister, stac_settings.dsn, job_id)
    shutil.rmtree(settings.jobs_dir(stac_settings.home) / job_id, ignore_errors=True)
    return Response(status_code=204)


@router.post("/jobs/{job_id}/results", status_code=202, summary="Start a batch job")
async def start_job(job_id: str, user: CurrentUserDep, store: JobStoreDep) -> Response:
    """Queue the job for a worker of its pool (a queued or running job is left as it is)."""
    await store.queue(job_id, user.user_id)
    return Response(status_code=202)


@router.delete("/jobs/{job_id}/results", status_code=204, summary="Cancel a batch job")
async def cancel_job(job_id: str, user: CurrentUserDep, store: JobStoreDep) -> Response:
    """Stop a queued or running job; its Dask work is canceled."""
    await store.cancel(job_id, user.user_id)
    return Response(status_code=204)


@router.get("/jobs/{job_id}/results", summary="Results of a batch job (STAC Collection)")
async def job_results(
    request: Request,
    response: Response,
    job_id: str,
    user: CurrentUserDep,
    store: JobStoreDep,
    signer: LinkSignerDep,
    partial: bool = False,
) -> dict:
    """A STAC Collection with the result files as assets and one Item per file."""
    row = await store.get(job_id, user.user_id)
    status = Status(row["status"])
    if status not in (Status.SUCCESS, Status.INCOMPLETE) and not partial:
        raise JobNotFinished(job_id=job_id)
    doc = ResultDocuments(row, job_url(request, job_id), signer).collection()
    response.headers["OpenEO-Costs"] = "0"  # Canopy does not bill
    if partial:
        doc["openeo:status"] = status.openeo
    return doc


@router.get("/jobs/{job_id}/results/items/{item_id}", summary="One result item")
async def job_result_item(
    request: Request,
    job_id: str,
    item_id: str,
    user: CurrentUserDep,
    store: JobStoreDep,
    signer: LinkSignerDep,
) -> dict:
    """The STAC Item of one result file."""
    row = await store.get(job_id, user.user_id)
    item = ResultDocuments(row, job_url(request, job_id), signer).item(item_id)
    if item is None:
        raise FileNotFound(path=f"jobs/{job_id}/results/items/{item_id}")
    return item


# HEAD is served too (the openEO client sizes ranged downloads with it), documented as GET.
@router.head("/jobs/{job_id}/results/assets/{name}", include_in_schema=False)
@router.get(
    "/jobs/{job_id}/results/assets/{name}",
    summary="Download a result file (signed link or owner's token)",
)
async def job_result_asset(
    job_id: str,
    name: str,
    user: OptionalUserDep,
    store: JobStoreDep,
    signer: LinkSignerDep,
    expires: str | None = None,
    signature: str | None = None,
) -> FileResponse:
    """The file, with Range requests, Content-Length and Accept-Ranges."""
    if expires is not None and signature is not None:
        signer.check(job_id, name, expires, signature)
        row = await store.get(job_id, None)
    elif user is not None:
        row = await store.get(job_id, user.user_id)
    else:
        raise AuthenticationRequired()
    files = (row.get("result") or {}).get("files", [])
    file = next((f for f in files if asset_name(f) == name), None)
    if file is None:
        raise FileNotFound(path=f"jobs/{job_id}/results/assets/{name}")
    return FileResponse(
        file["href"], media_type=file.get("type") or "application/octet-stream", filename=name
    )


@router.get("/jobs/{job_id}/estimate", summary="Estimate of a batch job's duration and size")
async def job_estimate(
    request: Request, job_id: str, user: CurrentUserDep, store: JobStoreDep
) -> dict:
    """Runs the graph without computing to count what it loads and writes (docs/jobs.md)."""
    row = await store.get(job_id, user.user_id)
    dsn = request.app.state.stac_settings.dsn
    planned = await asyncio.to_thread(plan, row["process"], owner=user.user_id, dsn=dsn)
    return estimate(planned)


@router.get("/jobs/{job_id}/logs", summary="Logs of a batch job")
async def job_logs(
    request: Request,
    job_id: str,
    user: CurrentUserDep,
    store: JobStoreDep,
    offset: str | None = None,
    level: str = "debug",
    limit: Annotated[int, Query(ge=1, le=10000)] = 1000,
) -> dict:
    """Log entries from creation on; ``offset`` = the last id seen, ``level`` = minimum level."""
    if level not in LOG_LEVELS:
        raise ParameterInvalid(parameter="level", reason=f"one of {', '.join(LOG_LEVELS)}")
    rows = await store.logs(job_id, user.user_id, offset, level, limit)
    logs = [_log_entry(r) for r in rows]
    links = []
    if len(rows) == limit:
        links.append(
            {
                "rel": "next",
                "href": f"{job_url(request, job_id)}/logs?offset={rows[-1]['seq']}&level={level}&limit={limit}",
                "type": "application/json",
            }
        )
    return {"level": level, "logs": logs, "links": links}


def _log_entry(row: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": str(row["seq"]),
        "level": row["level"],
        "message": row["message"],
        "time": rfc3339(row["time"]),
    }
    if row["code"]:
        entry["code"] = row["code"]
    if row["data"] is not None:
        entry["data"] = row["data"]
    entry["path"] = row["path"] or []
    entry["links"] = []
    return entry
