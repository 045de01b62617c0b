"""/processes, /process_graphs (user-defined processes) and /validation through the app."""

from __future__ import annotations

import pytest

from processes.registry import process_specs

API = "/openeo/1.2"

EVI = {
    "summary": "Enhanced Vegetation Index",
    "parameters": [
        {"name": "red", "description": "Red.", "schema": {"type": "number"}},
        {"name": "nir", "description": "NIR.", "schema": {"type": "number"}},
        {"name": "blue", "description": "Blue.", "schema": {"type": "number"}, "default": 0},
    ],
    "returns": {"description": "EVI.", "schema": {"type": "number"}},
    "process_graph": {
        "sub": {
            "process_id": "subtract",
            "arguments": {"x": {"from_parameter": "nir"}, "y": {"from_parameter": "red"}},
        },
        "sum": {
            "process_id": "sum",
            "arguments": {"data": [1, {"from_parameter": "nir"}, {"from_parameter": "red"}]},
        },
        "div": {
            "process_id": "divide",
            "arguments": {"x": {"from_node": "sub"}, "y": {"from_node": "sum"}},
            "result": True,
        },
    },
}


def assert_error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code and body["message"], body


def test_processes_lists_the_registry(client):
    response = client.get(f"{API}/processes")
    assert response.status_code == 200
    body = response.json()
    assert body["links"] == []
    assert [p["id"] for p in body["processes"]] == [s["id"] for s in process_specs()]
    absolute = next(p for p in body["processes"] if p["id"] == "absolute")
    assert absolute["examples"][0] == {"arguments": {"x": 0}, "returns": 0}


def test_udp_lifecycle(client, auth_headers):
    alice = auth_headers("alice")
    assert client.get(f"{API}/process_graphs", headers=alice).json() == {
        "processes": [],
        "links": [],
    }
    stored = client.put(f"{API}/process_graphs/evi", json={**EVI, "id": "other"}, headers=alice)
    assert stored.status_code == 200, stored.text
    listed = client.get(f"{API}/process_graphs", headers=alice).json()["processes"]
    assert listed == [
        {
            "id": "evi",
            "summary": EVI["summary"],
            "parameters": EVI["parameters"],
            "returns": EVI["returns"],
        }
    ]
    full = client.get(f"{API}/process_graphs/evi", headers=alice).json()
    assert full["id"] == "evi" and full["process_graph"] == EVI["process_graph"]
    # PUT replaces the whole process
    replaced = {
        "process_graph": {"a": {"process_id": "absolute", "arguments": {"x": -1}, "result": True}}
    }
    assert client.put(f"{API}/process_graphs/evi", json=replaced, headers=alice).status_code == 200
    assert client.get(f"{API}/process_graphs/evi", headers=alice).json() == {
        "id": "evi",
        **replaced,
    }
    assert client.delete(f"{API}/process_graphs/evi", headers=alice).status_code == 204
    assert_error(
        client.get(f"{API}/process_graphs/evi", headers=alice), 404, "ProcessGraphNotFound"
    )
    assert_error(
        client.delete(f"{API}/process_graphs/evi", headers=alice), 404, "ProcessGraphNotFound"
    )


def test_udps_are_private(client, auth_headers):
    assert (
        client.put(f"{API}/process_graphs/evi", json=EVI, headers=auth_headers("alice")).status_code
        == 200
    )
    bob = auth_headers("bob")
    assert client.get(f"{API}/process_graphs", headers=bob).json()["processes"] == []
    assert_error(client.get(f"{API}/process_graphs/evi", headers=bob), 404, "ProcessGraphNotFound")
    assert_error(
        client.delete(f"{API}/process_graphs/evi", headers=bob), 404, "ProcessGraphNotFound"
    )
    assert client.get(f"{API}/process_graphs/evi", headers=auth_headers("alice")).status_code == 200


@pytest.mark.parametrize(
    ("process_id", "body", "status", "code"),
    [
        ("absolute", EVI, 400, "PredefinedProcessExists"),
        ("load_collection", EVI, 400, "PredefinedProcessExists"),
        ("not.a~word", EVI, 400, "ParameterInvalid"),
        ("evi", None, 400, "ProcessGraphMissing"),
        ("evi", {"summary": "no graph"}, 400, "ProcessGraphMissing"),
        (
            "evi",
            {"process_graph": {"a": {"process_id": "absolute", "arguments": {}}}},
            400,
            "ProcessGraphInvalid",
        ),
        ("evi", {**EVI, "parameters": "x"}, 400, "ProcessGraphInvalid"),
    ],
)
def test_put_refuses(client, auth_headers, process_id, body, status, code):
    response = client.put(f"{API}/process_graphs/{process_id}", json=body, headers=auth_headers())
    assert_error(response, status, code)


def test_udp_routes_need_authentication(client):
    assert_error(client.get(f"{API}/process_graphs"), 401, "AuthenticationRequired")
    assert_error(client.put(f"{API}/process_graphs/evi", json=EVI), 401, "AuthenticationRequired")


def test_validation(client, auth_headers):
    ok = client.post(f"{API}/validation", json=EVI)
    assert ok.status_code == 200 and ok.json() == {"errors": []}
    bad = {"process_graph": {"a": {"process_id": "evi", "arguments": {"red": 1}, "result": True}}}
    errors = client.post(f"{API}/validation", json=bad).json()["errors"]
    assert [e["code"] for e in errors] == ["ProcessUnsupported"]  # anonymous: no UDPs
    alice = auth_headers("alice")
    client.put(f"{API}/process_graphs/evi", json=EVI, headers=alice)
    errors = client.post(f"{API}/validation", json=bad, headers=alice).json()["errors"]
    assert [(e["code"], e["message"]) for e in errors] == [
        ("ProcessParameterRequired", "Process 'evi' parameter 'nir' is required.")
    ]
    empty = client.post(f"{API}/validation", json={})
    assert empty.status_code == 200 and empty.json()["errors"][0]["code"] == "ProcessGraphMissing"
    assert_error(client.post(f"{API}/validation"), 400, "ProcessGraphMissing")
