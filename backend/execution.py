"""Runs a process graph for a user: the registry with its seams bound (catalogue, result writer,
UDPs), used by batch jobs, by synchronous ``POST /result`` and by estimates."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from processes.exceptions import ProcessGraphMissing

Compute = Callable[..., Any]


@dataclass
class Execution:
    """Outcome of running one process graph."""

    value: Any = None
    """What the graph's result node returned (True for save_result)."""

    files: list[dict] = field(default_factory=list)
    """Descriptions of the files save_result wrote (``processes.cubes.describe_asset``)."""


def process_graph_of(process: dict | None) -> dict:
    """The ``process_graph`` of an openEO process object; ProcessGraphMissing when absent."""
    if not isinstance(process, dict) or not isinstance(process.get("process_graph"), dict):
        raise ProcessGraphMissing()
    if not process["process_graph"]:
        raise ProcessGraphMissing()
    return process["process_graph"]


def execute(
    process: dict,
    *,
    owner: str,
    dsn: str,
    output_dir: Path,
    compute: Compute | None = None,
    parameters: dict | None = None,
    on_load: Callable[[Any], None] | None = None,
    client: Any = None,
    on_date: Callable[..., None] | None = None,
    hooks: Any = None,
) -> Execution:
    """Run a graph with Canopy's registry, writing results under ``output_dir``.

    Args:
        process: the openEO process object (``{"process_graph": ...}``).
        owner: user id; their user-defined processes are callable from the graph.
        dsn: catalogue database (collections, items, UDPs).
        output_dir: where save_result writes.
        compute: how save_result computes (progress and cancel of batch jobs); default dask.
        parameters: values of the graph's named parameters.
        on_load: called with every cube load_collection/load_stac returns (size limits).
        client: Dask client of the tile path of vp_lai_fapar (batch jobs).
        on_date: ``callback(date, ok, error)`` once per vp_lai_fapar step date.
        hooks: vp_lai_fapar's :class:`processes.production.chain.ChainHooks` (saved state, progress).
    """
    from backend.udp_lookup import udp_lookup_for
    from processes.cubes import make_load_collection, make_load_stac, make_save_result
    from processes.executor import execute as run_graph
    from processes.production import make_vp_lai_fapar
    from processes.registry import build_registry
    from stac.cube_catalogue import PgstacCubeCatalogue

    graph = process_graph_of(process)
    output_dir.mkdir(parents=True, exist_ok=True)
    sink: list[dict] = []
    save_kwargs = {"compute": compute} if compute is not None else {}
    catalogue = PgstacCubeCatalogue(dsn)
    registry = build_registry(
        overrides={
            "load_collection": _observed(make_load_collection(catalogue), on_load),
            "load_stac": _observed(make_load_stac(_fetch_json), on_load),
            "save_result": make_save_result(output_dir, sink, **save_kwargs),
            "vp_lai_fapar": make_vp_lai_fapar(
                catalogue, client=client, on_date=on_date, hooks=hooks
            ),
        }
    )
    value = run_graph(
        {"process_graph": graph},
        registry,
        udp_lookup=udp_lookup_for(dsn, owner),
        parameters=parameters,
    )
    return Execution(value=value, files=sink)


@dataclass
class Plan:
    """What a graph would load and write, found by running it without computing."""

    loaded_values: int = 0
    """Values (pixels × dates × bands) of every cube the graph loads."""

    output_values: int = 0
    """Values of every cube given to save_result."""

    output_bytes: int = 0
    """Bytes of those cubes in memory (an upper bound of the files' size before compression)."""

    retrieval_pixel_dates: int = 0
    """Pixel-dates vp_lai_fapar would invert (its cost dominates everything else)."""


def plan(process: dict, *, owner: str, dsn: str) -> Plan:
    """Run the graph lazily with a save_result that only measures: nothing is computed."""
    from backend.udp_lookup import udp_lookup_for
    from processes.cubes import make_load_collection, make_load_stac
    from processes.executor import execute as run_graph
    from processes.production import plan_production
    from processes.production.step import OUTPUTS as PRODUCTION_OUTPUTS
    from processes.registry import build_registry
    from stac.cube_catalogue import PgstacCubeCatalogue

    graph = process_graph_of(process)
    result = Plan()

    def count(cube: Any) -> None:
        result.loaded_values += int(getattr(cube, "size", 0))

    def measure(data: Any, format: str, options: dict | None = None, **_: Any) -> bool:
        result.output_values += int(getattr(data, "size", 0))
        result.output_bytes += int(getattr(data, "nbytes", 0))
        return True

    catalogue = PgstacCubeCatalogue(dsn)

    def vp_lai_fapar(**kwargs: Any) -> Any:
        # measured, not run: a lazy cube of the output's shape stands in for the retrieval
        import dask.array as da
        import xarray as xr

        dates, rows, cols = plan_production(catalogue, **kwargs)
        result.retrieval_pixel_dates += dates * rows * cols
        shape = (dates, len(PRODUCTION_OUTPUTS), rows, cols)
        return xr.DataArray(da.zeros(shape, dtype="float32"), dims=("t", "bands", "y", "x"))

    registry = build_registry(
        overrides={
            "load_collection": _observed(make_load_collection(catalogue), count),
            "load_stac": _observed(make_load_stac(_fetch_json), count),
            "save_result": measure,
            "vp_lai_fapar": vp_lai_fapar,
        }
    )
    run_graph({"process_graph": graph}, registry, udp_lookup=udp_lookup_for(dsn, owner))
    return result


def _observed(load: Callable, on_load: Callable[[Any], None] | None) -> Callable:
    """``load`` reporting each cube it returns to ``on_load``."""
    if on_load is None:
        return load

    @functools.wraps(load)
    def observed(*args: Any, **kwargs: Any) -> Any:
        cube = load(*args, **kwargs)
        on_load(cube)
        return cube

    return observed


def _fetch_json(url: str) -> dict:
    import httpx

    response = httpx.get(url, timeout=30, follow_redirects=True)
    response.raise_for_status()
    return response.json()
