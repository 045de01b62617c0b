"""Which implementation a node's process id names: predefined processes and user-defined ones."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from openeo_pg_parser_networkx import ProcessRegistry
from openeo_pg_parser_networkx.pg_schema import ParameterReference
from openeo_pg_parser_networkx.process_registry import Process
from openeo_processes_dask.process_implementations.core import process as resolve_references

from processes.exceptions import (
    FeatureUnsupported,
    ProcessGraphInvalid,
    ProcessParameterRequired,
    ProcessParameterUnsupported,
    ProcessUnsupported,
)
from processes.graph.errors import translated
from processes.graph.parsing import PlainProcessGraphParser

UdpLookup = Callable[[str, "str | None"], "dict | None"]
"""``udp_lookup(process_id, namespace)``: a user-defined process (openEO process object)."""

PREDEFINED_NAMESPACES = frozenset({"backend", "predefined"})
"""Namespaces that name only the predefined processes of ``GET /processes``."""

# Arguments processes-dask passes to every node of a callback (reducers get the axis to reduce);
# a user-defined process forwards them to the nodes of its own graph.
_FORWARDED = ("axis", "keepdims")


def find_udp(process_id: str, namespace: str | None, udp_lookup: UdpLookup | None) -> dict | None:
    """The user-defined process a node names, or None (predefined-only namespaces never)."""
    if udp_lookup is None or namespace in PREDEFINED_NAMESPACES:
        return None
    return udp_lookup(process_id, namespace)


def is_predefined(process_id: str, namespace: str | None, registry: ProcessRegistry) -> bool:
    """Whether a node with this id and namespace can call a predefined process."""
    if namespace is not None and namespace not in PREDEFINED_NAMESPACES:
        return False
    try:
        registry[process_id]
    except KeyError:
        return False
    return True


def declared_parameters(udp: dict) -> list[dict]:
    """The ``parameters`` of a user-defined process (none when null)."""
    return [p for p in (udp.get("parameters") or []) if isinstance(p, dict) and "name" in p]


def is_required(parameter: dict) -> bool:
    """A parameter is required unless it is optional or has a default (openEO process rules)."""
    return not parameter.get("optional", False) and "default" not in parameter


def _resolve_nested(value: Any, names: dict[str, Any], process_id: str, top: bool = True) -> Any:
    if isinstance(value, ParameterReference) and not top:
        if value.from_parameter not in names:
            raise ProcessParameterRequired(process=process_id, parameter=value.from_parameter)
        return names[value.from_parameter]
    if isinstance(value, list):
        return [_resolve_nested(v, names, process_id, top=False) for v in value]
    if isinstance(value, dict):
        return {k: _resolve_nested(v, names, process_id, top=False) for k, v in value.items()}
    return value


@dataclass
class Resolver(Mapping):
    """The mapping pg-parser looks implementations up in, for ONE graph being executed.

    Every implementation is wrapped so that (a) ``from_parameter`` references to parameters of
    the graph (``scope``) resolve even inside child graphs, whose callers pass only their own
    parameters (``x``, ``data``, ``context``...), and (b) library exceptions are translated
    with the process id. User-defined processes resolve through ``udp_lookup``; a user-defined
    process shadows a predefined one of the same id (namespace ``null``, openEO rules).
    """

    registry: ProcessRegistry
    udp_lookup: UdpLookup | None = None
    scope: dict[str, Any] = field(default_factory=dict)
    calling: tuple[str, ...] = ()
    """User-defined processes being executed (outermost first), to refuse recursion."""

    def __getitem__(self, process_id: str) -> Process:
        udp = find_udp(process_id, None, self.udp_lookup)
        if udp is not None:
            impl = resolve_references(self._udp_function(process_id, udp))
            return Process(spec=udp, implementation=self._wrap(process_id, impl), namespace="user")
        try:
            found = self.registry[process_id]
        except KeyError:
            raise ProcessUnsupported(process=process_id, namespace="backend") from None
        if found.implementation is None:  # a seam the backend did not bind
            raise FeatureUnsupported(feature=f"process '{process_id}' is not available here")
        return Process(
            spec=found.spec,
            implementation=self._wrap(process_id, found.implementation),
            namespace=found.namespace,
        )

    def __iter__(self):
        return (key for _, key in self.registry)

    def __len__(self) -> int:
        return len(self.registry)

    def run(self, graph: dict, **forwarded: Any) -> Any:
        """Parse ``graph`` (a node map) and run it with this resolver's scope.

        Args:
            graph: the node map.
            forwarded: keywords every node receives (a reducer's ``axis``, ``keepdims``).
        """
        with translated():
            parsed = PlainProcessGraphParser(pg_data={"process_graph": graph})
        run = parsed.to_callable(process_registry=self, parameters=dict(self.scope))
        return run(named_parameters=dict(self.scope), **forwarded)

    def _wrap(self, process_id: str, impl: Callable) -> Callable:
        scope = self.scope

        def scoped(*args, named_parameters=None, **kwargs):
            names = dict(scope)
            names.update(named_parameters or {})
            # processes-dask resolves only top-level references; ``[1, {"from_parameter": ..}]``
            kwargs = {k: _resolve_nested(v, names, process_id) for k, v in kwargs.items()}
            with translated(process_id):
                return impl(*args, named_parameters=names, **kwargs)

        scoped.__name__ = getattr(impl, "__name__", process_id)
        return scoped

    def _udp_function(self, process_id: str, udp: dict) -> Callable:
        if process_id in self.calling:
            chain = " → ".join((*self.calling, process_id))
            raise ProcessGraphInvalid(reason=f"user-defined processes call themselves: {chain}")
        declared = declared_parameters(udp)
        names = [p["name"] for p in declared]
        graph = udp.get("process_graph")

        def run_udp(**kwargs):
            forwarded = {k: kwargs.pop(k) for k in _FORWARDED if k in kwargs}
            unknown = sorted(set(kwargs) - set(names))
            if unknown:
                raise ProcessParameterUnsupported(process=process_id, parameter=unknown[0])
            values = {}
            for p in declared:
                if p["name"] in kwargs:
                    values[p["name"]] = kwargs[p["name"]]
                elif "default" in p:
                    values[p["name"]] = p["default"]
                elif is_required(p):
                    raise ProcessParameterRequired(process=process_id, parameter=p["name"])
                else:
                    values[p["name"]] = None
            inner = Resolver(self.registry, self.udp_lookup, values, (*self.calling, process_id))
            if not isinstance(graph, dict) or not graph:
                raise ProcessGraphInvalid(
                    reason=f"user-defined process '{process_id}' has no graph"
                )
            with translated():
                parsed = PlainProcessGraphParser(pg_data={"process_graph": graph})
            run = parsed.to_callable(process_registry=inner, parameters=dict(values))
            return run(named_parameters=dict(values), **forwarded)

        # processes-dask's reference resolver drops keywords a function does not declare
        params = [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY) for n in names]
        params += [
            inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=None)
            for n in _FORWARDED
            if n not in names
        ]
        run_udp.__signature__ = inspect.Signature(params)
        run_udp.__name__ = process_id
        return run_udp
