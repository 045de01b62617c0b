"""Static checks of a process graph against the registry and the user's processes."""

from __future__ import annotations

from openeo_pg_parser_networkx import ProcessRegistry

from processes.exceptions import (
    OpenEOError,
    ProcessParameterRequired,
    ProcessParameterUnsupported,
    ProcessUnsupported,
)
from processes.graph.resolver import (
    UdpLookup,
    declared_parameters,
    find_udp,
    is_predefined,
    is_required,
)
from processes.graph.walk import graph_of, nodes


def validate(
    process_graph: dict, registry: ProcessRegistry, udp_lookup: UdpLookup | None = None
) -> list[OpenEOError]:
    """Every problem found in a process graph, without running it.

    Checks the structure (ProcessGraphMissing, ProcessGraphInvalid: stops there), then for
    every node of the graph and its child graphs: the process exists in its namespace
    (ProcessUnsupported), required arguments are given (ProcessParameterRequired) and no
    argument is unknown (ProcessParameterUnsupported). Parameter references are not checked:
    openEO requires validation to accept unresolvable parameters.

    Args:
        process_graph: a process object (``{"process_graph": ...}``) or a bare node map.
        registry: the predefined processes.
        udp_lookup: the caller's user-defined processes; None when there are none.

    Returns:
        The errors; empty when the graph is valid.
    """
    try:
        found = list(nodes(graph_of(process_graph)))
    except OpenEOError as error:
        return [error]
    errors: list[OpenEOError] = []
    for node in found:
        udp = find_udp(node.process_id, node.namespace, udp_lookup)
        if udp is not None:
            parameters = declared_parameters(udp)
        elif is_predefined(node.process_id, node.namespace, registry):
            parameters = registry[node.process_id].spec.get("parameters") or []
        else:
            namespace = node.namespace or "backend"
            errors.append(ProcessUnsupported(process=node.process_id, namespace=namespace))
            continue
        names = {p["name"] for p in parameters}
        for name in node.arguments:
            if name not in names:
                errors.append(ProcessParameterUnsupported(process=node.process_id, parameter=name))
        for p in parameters:
            if is_required(p) and p["name"] not in node.arguments:
                errors.append(
                    ProcessParameterRequired(process=node.process_id, parameter=p["name"])
                )
    return errors
