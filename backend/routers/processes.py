"""openEO process discovery: ``GET /processes`` and the registry routes validate against."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from backend.routers.capabilities import API_PREFIX

router = APIRouter(prefix=API_PREFIX, tags=["Process Discovery"])


def get_process_registry(request: Request) -> Any:
    """The app's process registry (``app.state.process_registry``), else the default one.

    A sync dependency: the first build imports processes-dask, so it runs in the threadpool.
    """
    registry = getattr(request.app.state, "process_registry", None)
    if registry is None:
        from processes.registry import default_registry

        registry = default_registry()
    return registry


ProcessRegistryDep = Annotated[Any, Depends(get_process_registry)]
"""The ``openeo_pg_parser_networkx.ProcessRegistry`` of predefined processes."""


@router.get("/processes", summary="Supported predefined processes")
def list_processes(registry: ProcessRegistryDep) -> dict:
    """Every predefined process with its full description, sorted by id.

    User-defined processes are listed at ``/process_graphs``, not here.
    """
    from processes.registry import process_specs

    return {"processes": process_specs(registry), "links": []}
