"""openEO ``properties`` filters (one callback per metadata property) as CQL2-JSON, and back.

The callbacks of ``load_collection``/``load_stac`` are small process graphs over one parameter
``value``: comparisons (``eq``, ``neq``, ``lt``, ``lte``, ``gt``, ``gte``, ``between``),
membership (``array_contains``) and logic (``and``, ``or``, ``not``). Those translate to CQL2
so the catalogue filters in SQL; :func:`matches` evaluates the same subset on an item's
properties for catalogues that are plain documents (``load_stac``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from processes.exceptions import ProcessParameterInvalid

_COMPARISONS = {"eq": "=", "neq": "<>", "lt": "<", "lte": "<=", "gt": ">", "gte": ">="}
_LOGIC = {"and": "and", "or": "or"}


def _ref(value: Any) -> tuple[str, str] | None:
    """``("parameter"|"node", name)`` of a reference (pg-parser object or plain dict)."""
    for kind, key in (("parameter", "from_parameter"), ("node", "from_node")):
        name = getattr(value, key, None)
        if name is None and isinstance(value, Mapping) and set(value) == {key}:
            name = value[key]
        if name is not None:
            return kind, str(name)
    return None


class _Translator:
    def __init__(self, prop: str, graph: Mapping[str, Any], process: str) -> None:
        self.prop, self.graph, self.process = prop, graph, process

    def fail(self, reason: str) -> ProcessParameterInvalid:
        return ProcessParameterInvalid(
            parameter="properties",
            process=self.process,
            reason=f"filter of property '{self.prop}': {reason}",
        )

    def operand(self, value: Any) -> Any:
        ref = _ref(value)
        if ref is None:
            if isinstance(value, Mapping):
                raise self.fail("nested objects are not supported as operands")
            return value
        kind, name = ref
        if kind == "parameter":
            if name != "value":
                raise self.fail(f"unknown parameter '{name}' (the callback gets 'value')")
            return {"property": self.prop}
        return self.node(name)

    def node(self, node_id: str) -> dict:
        node = self.graph.get(node_id)
        if not isinstance(node, Mapping):
            raise self.fail(f"unknown node '{node_id}'")
        try:
            return self._translate(node.get("process_id"), dict(node.get("arguments") or {}))
        except KeyError as e:
            raise self.fail(f"process '{node.get('process_id')}' lacks argument {e}") from e

    def _translate(self, pid: Any, args: dict[str, Any]) -> dict:
        if pid in _COMPARISONS:
            return {
                "op": _COMPARISONS[pid],
                "args": [self.operand(args["x"]), self.operand(args["y"])],
            }
        if pid == "between":
            return {
                "op": "between",
                "args": [self.operand(args["x"]), args["min"], args["max"]],
            }
        if pid == "array_contains":
            data = args.get("data")
            if not isinstance(data, list):
                raise self.fail("array_contains needs a literal array")
            return {"op": "in", "args": [self.operand(args["value"]), list(data)]}
        if pid in _LOGIC:
            return {"op": _LOGIC[pid], "args": [self.operand(args["x"]), self.operand(args["y"])]}
        if pid == "not":
            return {"op": "not", "args": [self.operand(args["x"])]}
        raise self.fail(f"process '{pid}' cannot be used in a metadata filter")


def to_cql2(properties: Mapping[str, Any] | None, process: str = "load_collection") -> dict | None:
    """Translate openEO ``properties`` into one CQL2-JSON expression (``and`` of all), or None.

    Raises:
        ProcessParameterInvalid: a callback uses a process outside the supported subset.
    """
    if not properties:
        return None
    if not isinstance(properties, Mapping):
        raise ProcessParameterInvalid(
            parameter="properties", process=process, reason="expected an object of callbacks"
        )
    clauses = []
    for prop, callback in properties.items():
        graph = callback.get("process_graph") if isinstance(callback, Mapping) else None
        if not isinstance(graph, Mapping) or not graph:
            raise ProcessParameterInvalid(
                parameter="properties",
                process=process,
                reason=f"property '{prop}' needs a process graph callback",
            )
        results = [k for k, n in graph.items() if isinstance(n, Mapping) and n.get("result")]
        result = results[0] if len(results) == 1 else next(iter(graph))
        clauses.append(_Translator(str(prop), graph, process).node(result))
    return clauses[0] if len(clauses) == 1 else {"op": "and", "args": clauses}


def _value(arg: Any, properties: Mapping[str, Any]) -> Any:
    if isinstance(arg, Mapping) and set(arg) == {"property"}:
        return properties.get(arg["property"])
    if isinstance(arg, Mapping) and "op" in arg:
        return matches(arg, properties)
    return arg


def matches(expr: Mapping[str, Any] | None, properties: Mapping[str, Any]) -> bool:
    """Evaluate a CQL2-JSON expression of the subset :func:`to_cql2` writes on item properties.

    A comparison with a missing property is false, as in SQL.
    """
    if expr is None:
        return True
    op, args = expr["op"], expr["args"]
    if op == "and":
        return all(_value(a, properties) for a in args)
    if op == "or":
        return any(_value(a, properties) for a in args)
    if op == "not":
        return not _value(args[0], properties)
    values = [_value(a, properties) for a in args]
    if values[0] is None:
        return False
    try:
        if op == "between":
            return values[1] <= values[0] <= values[2]
        if op == "in":
            return values[0] in values[1]
        left, right = values
        return {
            "=": left == right,
            "<>": left != right,
            "<": left < right,
            "<=": left <= right,
            ">": left > right,
            ">=": left >= right,
        }[op]
    except TypeError:  # e.g. a string property compared with a number: no match
        return False
