"""Structure of a raw (JSON) process graph: nodes, references, child graphs, result nodes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from processes.exceptions import ProcessGraphInvalid, ProcessGraphMissing

PROCESS_ID = re.compile(r"^\w+$")


@dataclass(frozen=True)
class Node:
    """One process node of a (child) process graph."""

    node_id: str
    """The node's key in its graph."""

    process_id: str
    """The process it calls."""

    namespace: str | None
    """The namespace it names (None: user-defined first, then predefined)."""

    arguments: dict
    """Its raw arguments."""

    path: tuple[str, ...]
    """Node ids and argument names from the top graph down to this node, for messages."""


def graph_of(process: Any) -> dict:
    """The node map of a process object (``{"process_graph": {...}}``) or of a bare node map.

    Raises:
        ProcessGraphMissing: nothing that looks like a process graph was given.
    """
    graph = process.get("process_graph", process) if isinstance(process, dict) else None
    if not isinstance(graph, dict) or not graph:
        raise ProcessGraphMissing()
    return graph


def nodes(graph: dict, path: tuple[str, ...] = ()) -> Iterator[Node]:
    """Every node of ``graph`` and of its child graphs, depth first, after checking structure.

    Raises:
        ProcessGraphInvalid: a node is not an object, lacks ``process_id`` or ``arguments``,
            the graph has not exactly one result node, a ``from_node`` names no node of the
            same graph, or ``from_node`` references form a cycle.
    """
    _check_graph(graph, path)
    for node_id, node in graph.items():
        here = (*path, node_id)
        yield Node(node_id, node["process_id"], node.get("namespace"), node["arguments"], here)
        for name, child in child_graphs(node["arguments"]):
            yield from nodes(child, (*here, name))


def child_graphs(arguments: dict) -> Iterator[tuple[str, dict]]:
    """``(argument name, node map)`` of every child process graph among ``arguments``."""
    for name, value in arguments.items():
        for found in _find(value, lambda v: isinstance(v, dict) and "process_graph" in v):
            yield name, found["process_graph"]


def references(value: Any, key: str) -> Iterator[str]:
    """Every ``{key: name}`` reference in an argument value (not inside child graphs)."""
    for found in _find(value, lambda v: isinstance(v, dict) and key in v and len(v) == 1):
        yield found[key]


def _find(value: Any, match) -> Iterator[Any]:
    if match(value):
        yield value
    elif isinstance(value, dict) and "process_graph" not in value:
        for item in value.values():
            yield from _find(item, match)
    elif isinstance(value, list):
        for item in value:
            yield from _find(item, match)


def _check_graph(graph: Any, path: tuple[str, ...]) -> None:
    where = "/".join(path) or "the process graph"
    if not isinstance(graph, dict) or not graph:
        raise ProcessGraphInvalid(reason=f"{where}: a process graph must be a non-empty object")
    results = []
    for node_id, node in graph.items():
        if not isinstance(node, dict):
            raise ProcessGraphInvalid(reason=f"node '{node_id}' is not an object")
        pid = node.get("process_id")
        if not isinstance(pid, str) or not PROCESS_ID.match(pid):
            raise ProcessGraphInvalid(reason=f"node '{node_id}' has no valid process_id")
        if not isinstance(node.get("arguments"), dict):
            raise ProcessGraphInvalid(reason=f"node '{node_id}' has no arguments object")
        namespace = node.get("namespace")
        if namespace is not None and not isinstance(namespace, str):
            raise ProcessGraphInvalid(reason=f"node '{node_id}' has an invalid namespace")
        if node.get("result", False) is True:
            results.append(node_id)
        for target in references(node["arguments"], "from_node"):
            if target not in graph:
                raise ProcessGraphInvalid(
                    reason=f"node '{node_id}' refers to node '{target}', which is not in {where}"
                )
    if len(results) != 1:
        raise ProcessGraphInvalid(
            reason=f"{where} must have exactly one result node, it has {len(results)}"
        )
    _check_acyclic(graph)


def _check_acyclic(graph: dict) -> None:
    deps = {n: set(references(node["arguments"], "from_node")) for n, node in graph.items()}
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(node_id: str) -> None:
        state[node_id] = 1
        for target in deps[node_id]:
            if state.get(target) == 1:
                raise ProcessGraphInvalid(reason=f"node '{target}' is part of a cycle")
            if target not in state:
                visit(target)
        state[node_id] = 2

    for node_id in graph:
        if node_id not in state:
            visit(node_id)
