"""User-defined processes (``/process_graphs``) and process graph validation (``/validation``)."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Body, Path, Response

from backend.auth import CurrentUserDep, OptionalUserDep
from backend.deps import CataloguePoolDep
from backend.routers.capabilities import API_PREFIX
from backend.routers.processes import ProcessRegistryDep
from processes.exceptions import (
    OpenEOError,
    ParameterInvalid,
    PredefinedProcessExists,
    ProcessGraphInvalid,
    ProcessGraphMissing,
    ProcessGraphNotFound,
)
from processes.graph.specs import PUBLIC_FIELDS

router = APIRouter(prefix=API_PREFIX, tags=["User-Defined Processes"])

# The spec's pattern is ^\w+$; ids with "-" (as the openEO conformance suite sends) are
# accepted too: graphs call them by id all the same, and refusing them helps no one.
PROCESS_ID = re.compile(r"^[\w\-]+$")

STORED_FIELDS = (*PUBLIC_FIELDS, "process_graph")
"""The openEO process fields a user-defined process keeps; anything else in a body is dropped."""

LISTED_FIELDS = (
    "id",
    "summary",
    "description",
    "categories",
    "parameters",
    "returns",
    "deprecated",
    "experimental",
)
"""What ``GET /process_graphs`` shows of each process (the spec asks to keep the list small)."""

IdPath = Annotated[str, Path(description="The id of the user-defined process.")]
ProcessBody = Annotated[dict[str, Any] | None, Body()]


# --- storage -------------------------------------------------------------------------------


async def load_udps(pool: asyncpg.Pool, owner: str) -> dict[str, dict]:
    """Every user-defined process of ``owner``, by id."""
    rows = await pool.fetch(
        "SELECT id, process FROM canopy.process_graphs WHERE owner = $1 ORDER BY id", owner
    )
    return {row["id"]: row["process"] for row in rows}


async def _load_udp(pool: asyncpg.Pool, owner: str, process_graph_id: str) -> dict | None:
    return await pool.fetchval(
        "SELECT process FROM canopy.process_graphs WHERE owner = $1 AND id = $2",
        owner,
        process_graph_id,
    )


def udp_lookup(udps: dict[str, dict]):
    """An executor ``udp_lookup`` over already loaded processes (namespace null or ``user``)."""

    def lookup(process_id: str, namespace: str | None) -> dict | None:
        return udps.get(process_id) if namespace in (None, "user") else None

    return lookup


# --- checks --------------------------------------------------------------------------------


def _checked_process(body: dict | None) -> dict:
    """The storable process object of a request body; openEO errors when it is not one."""
    from processes.graph.walk import graph_of, nodes

    if not isinstance(body, dict) or "process_graph" not in body:
        raise ProcessGraphMissing()
    list(nodes(graph_of(body)))  # structure only: unknown processes may be defined later
    parameters = body.get("parameters")
    if parameters is not None:
        if not isinstance(parameters, list) or not all(
            isinstance(p, dict) and isinstance(p.get("name"), str) for p in parameters
        ):
            raise ProcessGraphInvalid(reason="parameters must be a list of objects with a name")
    if body.get("returns") is not None and not isinstance(body["returns"], dict):
        raise ProcessGraphInvalid(reason="returns must be an object")
    return {key: body[key] for key in STORED_FIELDS if key in body}


def _error(error: OpenEOError) -> dict:
    return {"code": error.code, "message": error.message, "links": []}


def _predefined(registry: Any, process_id: str) -> bool:
    return any(key == process_id for _, key in registry)


# --- routes --------------------------------------------------------------------------------


@router.get("/process_graphs", summary="List all user-defined processes")
async def list_process_graphs(user: CurrentUserDep, pool: CataloguePoolDep) -> dict:
    """The caller's user-defined processes, without their graphs."""
    udps = await load_udps(pool, user.user_id)
    processes = [{k: p[k] for k in LISTED_FIELDS if k in p} for p in udps.values()]
    return {"processes": processes, "links": []}


@router.get(
    "/process_graphs/{process_graph_id}", summary="Full metadata for a user-defined process"
)
async def get_process_graph(
    process_graph_id: IdPath, user: CurrentUserDep, pool: CataloguePoolDep
) -> dict:
    """One of the caller's user-defined processes, graph included."""
    process = None
    if PROCESS_ID.match(process_graph_id):
        process = await _load_udp(pool, user.user_id, process_graph_id)
    if process is None:
        raise ProcessGraphNotFound(process_graph_id=process_graph_id)
    return process


@router.put("/process_graphs/{process_graph_id}", summary="Store a user-defined process")
async def put_process_graph(
    process_graph_id: IdPath,
    user: CurrentUserDep,
    pool: CataloguePoolDep,
    registry: ProcessRegistryDep,
    body: ProcessBody = None,
) -> Response:
    """Store (or fully replace) a user-defined process; the path's id wins over the body's."""
    if not PROCESS_ID.match(process_graph_id):
        raise ParameterInvalid(parameter="process_graph_id", reason="use letters, digits, _ and -")
    if _predefined(registry, process_graph_id):
        raise PredefinedProcessExists(process_graph_id=process_graph_id)
    process = _checked_process(body)
    process["id"] = process_graph_id
    await pool.execute(
        """INSERT INTO canopy.process_graphs (owner, id, process)
           VALUES ($1, $2, $3::text::jsonb)
           ON CONFLICT (owner, id) DO UPDATE SET process = EXCLUDED.process, updated = now()""",
        user.user_id,
        process_graph_id,
        json.dumps(process),
    )
    return Response(status_code=200)


@router.delete(
    "/process_graphs/{process_graph_id}",
    summary="Delete a user-defined process",
    status_code=204,
)
async def delete_process_graph(
    process_graph_id: IdPath, user: CurrentUserDep, pool: CataloguePoolDep
) -> Response:
    """Delete one of the caller's user-defined processes."""
    deleted = await pool.fetchval(
        "DELETE FROM canopy.process_graphs WHERE owner = $1 AND id = $2 RETURNING id",
        user.user_id,
        process_graph_id,
    )
    if deleted is None:
        raise ProcessGraphNotFound(process_graph_id=process_graph_id)
    return Response(status_code=204)


@router.post(
    "/validation", summary="Validate a user-defined process (graph)", tags=["Data Processing"]
)
async def validate_process_graph(
    user: OptionalUserDep,
    pool: CataloguePoolDep,
    registry: ProcessRegistryDep,
    body: ProcessBody = None,
) -> dict:
    """Check a process graph without running it; always 200 with the list of errors found.

    A request without a body is malformed (400); an object without a graph is a graph with an
    error (ProcessGraphMissing in the list).
    """
    from processes.executor import validate

    if body is None:
        raise ProcessGraphMissing()
    udps = await load_udps(pool, user.user_id) if user is not None else {}
    errors = validate(body, registry, udp_lookup(udps))
    return {"errors": [_error(e) for e in errors]}
