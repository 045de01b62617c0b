"""The registry table and the specs agree; every spec example of our processes runs (habit 6)."""

from __future__ import annotations

import json
import math
import shutil

import pytest

from processes.executor import execute, to_json
from processes.graph import specs as spec_files
from processes.registry import (
    PROCESSES,
    SEAMS,
    RegistryError,
    build_registry,
    default_registry,
    process_specs,
)

REQUIRED = ("id", "summary", "description", "categories", "parameters", "returns", "links")


def examples() -> list:
    cases = []
    for spec in process_specs():
        for i, example in enumerate(spec.get("examples", [])):
            if "arguments" in example and "returns" in example:
                cases.append(pytest.param(spec["id"], example, id=f"{spec['id']}-{i}"))
    return cases


def close(got, expected) -> bool:
    """Equal, numbers within 1e-9 relative (spec examples round decimals), booleans exact."""
    if isinstance(expected, bool) or expected is None or isinstance(expected, str):
        return got is expected or (got == expected and type(got) is type(expected))
    if isinstance(expected, (int, float)):
        return (
            isinstance(got, (int, float))
            and not isinstance(got, bool)
            and (math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-12))
        )
    if isinstance(expected, list):
        return (
            isinstance(got, list)
            and len(got) == len(expected)
            and all(close(g, e) for g, e in zip(got, expected, strict=True))
        )
    if isinstance(expected, dict):
        return (
            isinstance(got, dict)
            and got.keys() == expected.keys()
            and all(close(got[k], expected[k]) for k in expected)
        )
    return got == expected


def test_every_process_has_a_spec_and_every_spec_a_process():
    registry = build_registry()
    ids = {key for _, key in registry}
    assert ids == set(PROCESSES) | SEAMS
    assert set(spec_files.custom_ids()) <= set(PROCESSES) | SEAMS
    assert set(spec_files.override_ids()) <= ids
    for pid in ids:
        assert registry[pid].spec["id"] == pid


def test_a_process_without_spec_is_refused():
    with pytest.raises(RegistryError, match="no_such_process"):
        build_registry({"no_such_process": lambda x: x})


def test_a_spec_without_process_is_refused(tmp_path, monkeypatch):
    specs = tmp_path / "specs"
    shutil.copytree(spec_files.SPECS_DIR, specs)
    spec = json.loads((specs / "tile_project.json").read_text())
    spec["id"] = "orphan"
    (specs / "orphan.json").write_text(json.dumps(spec))
    monkeypatch.setattr(spec_files, "SPECS_DIR", specs)
    with pytest.raises(RegistryError, match="orphan"):
        build_registry()


def test_overrides_bind_seams_and_unbound_seams_are_listed_without_implementation():
    def load_collection(id, spatial_extent, temporal_extent, bands=None, properties=None):
        return id

    registry = build_registry({"load_collection": load_collection})
    assert registry["load_collection"].implementation is not None
    assert registry["save_result"].implementation is None
    assert default_registry()["load_collection"].implementation is None


def test_specs_served_are_sorted_complete_and_public():
    served = process_specs()
    ids = [s["id"] for s in served]
    assert ids == sorted(ids) and len(ids) == len(set(ids))
    assert {"optisail", "smac_correct", "tile_project", "load_collection"} <= set(ids)
    for spec in served:
        assert all(key in spec for key in REQUIRED), spec["id"]
        assert set(spec) <= set(spec_files.PUBLIC_FIELDS), spec["id"]
        for p in spec["parameters"]:
            assert {"name", "description", "schema"} <= set(p), (spec["id"], p["name"])
        assert "schema" in spec["returns"], spec["id"]


def test_override_files_change_what_the_package_says():
    # the package's `cos` spec has no range on its return value; ours states [-1, 1]
    cos = next(s for s in process_specs() if s["id"] == "cos")
    assert cos["returns"]["schema"] == {"type": ["number", "null"], "minimum": -1, "maximum": 1}
    assert spec_files._package_specs()["cos"]["returns"]["schema"] == {"type": ["number", "null"]}


@pytest.mark.parametrize(("process_id", "example"), examples())
def test_spec_example(process_id, example):
    graph = {"n": {"process_id": process_id, "arguments": example["arguments"], "result": True}}
    got = to_json(execute({"process_graph": graph}, default_registry()))
    assert close(got, example["returns"]), f"{process_id}: {got!r} != {example['returns']!r}"
