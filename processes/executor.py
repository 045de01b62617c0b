"""Run openEO process graphs: parse with openeo-pg-parser-networkx, resolve processes in a
registry and the caller's user-defined processes, translate errors, keep cubes lazy."""

from __future__ import annotations

from typing import Any

from openeo_pg_parser_networkx import ProcessRegistry

from processes.graph.output import to_json
from processes.graph.resolver import Resolver, UdpLookup, declared_parameters, is_required
from processes.graph.validate import validate
from processes.graph.walk import graph_of

__all__ = ["UdpLookup", "execute", "to_json", "validate"]


def execute(
    process_graph: dict,
    registry: ProcessRegistry,
    *,
    udp_lookup: UdpLookup | None = None,
    parameters: dict[str, Any] | None = None,
) -> Any:
    """Run a process graph and return the value of its result node.

    Nothing is computed here: cubes stay lazy (dask) until a process computes them
    (``save_result``) or the caller does (:func:`to_json`).

    Args:
        process_graph: an openEO process object (``{"process_graph": ..., "parameters": [...]}``)
            or a bare node map. Declared parameters with a default fill in missing values.
        registry: predefined processes, from ``processes.registry.build_registry``.
        udp_lookup: ``(process_id, namespace) -> process object | None``: the caller's
            user-defined processes; callable from the graph by id.
        parameters: values for ``from_parameter`` references of the top-level graph.

    Returns:
        What the result node returned (True for ``save_result``).

    Raises:
        OpenEOError: the first validation error (ProcessGraphMissing, ProcessGraphInvalid,
            ProcessUnsupported, ProcessParameterRequired, ProcessParameterUnsupported) or the
            translated error of a failing process.
    """
    graph = graph_of(process_graph)
    errors = validate(graph, registry, udp_lookup)
    if errors:
        raise errors[0]
    scope = _defaults(process_graph)
    scope.update(parameters or {})
    return Resolver(registry, udp_lookup, scope).run(graph)


def _defaults(process: dict) -> dict[str, Any]:
    if "process_graph" not in process:
        return {}
    values = {}
    for p in declared_parameters(process):
        if "default" in p:
            values[p["name"]] = p["default"]
        elif not is_required(p):
            values[p["name"]] = None
    return values
