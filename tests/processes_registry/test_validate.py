"""Static validation of process graphs."""

from __future__ import annotations

import pytest

from processes.exceptions import (
    ProcessGraphInvalid,
    ProcessGraphMissing,
    ProcessParameterRequired,
    ProcessParameterUnsupported,
    ProcessUnsupported,
)
from processes.executor import validate
from processes.registry import default_registry

EVI = {
    "parameters": [{"name": "red", "description": "r", "schema": {"type": "number"}}],
    "process_graph": {
        "p1": {"process_id": "multiply", "arguments": {"x": 6, "y": {"from_parameter": "red"}}},
        "sum": {
            "process_id": "sum",
            "arguments": {"data": [1, {"from_parameter": "nir"}, {"from_node": "p1"}]},
            "result": True,
        },
    },
}


def codes(process_graph, lookup=None) -> list[tuple[str, str]]:
    return [
        (type(e).__name__, e.message) for e in validate(process_graph, default_registry(), lookup)
    ]


def test_valid_graph_has_no_errors_even_with_unresolvable_parameters():
    assert codes(EVI) == []


def test_unknown_missing_and_unsupported():
    graph = {
        "a": {"process_id": "no_such", "arguments": {}},
        "b": {"process_id": "add", "arguments": {"x": 1, "z": 2}, "result": True},
    }
    found = codes({"process_graph": graph})
    assert found[0][0] == ProcessUnsupported.__name__ and "no_such" in found[0][1]
    assert (
        ProcessParameterUnsupported.__name__,
        "Process 'add' does not support parameter 'z'.",
    ) in found
    assert (ProcessParameterRequired.__name__, "Process 'add' parameter 'y' is required.") in found
    assert len(found) == 3


def test_child_graphs_are_validated():
    graph = {
        "r": {
            "process_id": "array_apply",
            "arguments": {
                "data": [1, 2],
                "process": {
                    "process_graph": {"x": {"process_id": "nope", "arguments": {}, "result": True}}
                },
            },
            "result": True,
        }
    }
    assert [c for c, _ in codes(graph)] == [ProcessUnsupported.__name__]


def test_user_defined_processes_and_namespaces():
    udp = {"id": "mine", "parameters": [{"name": "v", "description": "v", "schema": {}}]}

    def lookup(pid, namespace):
        return udp if pid == "mine" and namespace in (None, "user") else None

    call = {"process_id": "mine", "arguments": {"v": 1}, "result": True}
    assert codes({"m": call}, lookup) == []
    assert (
        codes({"m": {**call, "arguments": {}}}, lookup)[0][0] == ProcessParameterRequired.__name__
    )
    assert (
        codes({"m": {**call, "namespace": "backend"}}, lookup)[0][0] == ProcessUnsupported.__name__
    )
    assert codes({"m": {**call, "process_id": "absolute", "namespace": "user"}}, lookup)[0][0] == (
        ProcessUnsupported.__name__
    )


@pytest.mark.parametrize(
    ("graph", "error"),
    [
        ({}, ProcessGraphMissing),
        ({"process_graph": "x"}, ProcessGraphMissing),
        (
            {"a": {"process_id": "absolute", "arguments": {"x": 1}}},
            ProcessGraphInvalid,
        ),  # no result
        (
            {
                "a": {"process_id": "absolute", "arguments": {"x": 1}, "result": True},
                "b": {"process_id": "absolute", "arguments": {"x": 1}, "result": True},
            },
            ProcessGraphInvalid,
        ),
        (
            {
                "a": {
                    "process_id": "absolute",
                    "arguments": {"x": {"from_node": "zz"}},
                    "result": True,
                }
            },
            ProcessGraphInvalid,
        ),
        (
            {
                "a": {
                    "process_id": "absolute",
                    "arguments": {"x": {"from_node": "b"}},
                    "result": True,
                },
                "b": {"process_id": "absolute", "arguments": {"x": {"from_node": "a"}}},
            },
            ProcessGraphInvalid,
        ),
        ({"a": {"process_id": "abs-olute", "arguments": {}, "result": True}}, ProcessGraphInvalid),
        ({"a": {"process_id": "absolute", "result": True}}, ProcessGraphInvalid),
        ({"a": ["not", "a", "node"]}, ProcessGraphInvalid),
    ],
)
def test_malformed_graphs(graph, error):
    errors = validate(graph, default_registry())
    assert len(errors) == 1 and type(errors[0]) is error
