"""The executor: parameters, user-defined processes, laziness, errors, JSON output."""

from __future__ import annotations

import dask
import numpy as np
import pytest
import xarray as xr
from openeo_processes_dask.process_implementations import exceptions as pdk

from processes.exceptions import (
    BadRequest,
    DimensionNotAvailable,
    FeatureUnsupported,
    ProcessGraphInvalid,
    ProcessParameterInvalid,
    ProcessParameterRequired,
    ProcessUnsupported,
)
from processes.executor import execute, to_json
from processes.graph.errors import translate
from processes.registry import default_registry
from tests.processes_registry.conftest import ComputeCounter, make_cube


def node(process_id, result=False, **arguments) -> dict:
    return {"process_id": process_id, "arguments": arguments, "result": result}


def ref(name: str) -> dict:
    return {"from_node": name}


def param(name: str) -> dict:
    return {"from_parameter": name}


def callback(process_id, **arguments) -> dict:
    return {"process_graph": {"cb": node(process_id, result=True, **arguments)}}


def run(graph: dict, registry=None, **kwargs):
    return execute({"process_graph": graph}, registry or default_registry(), **kwargs)


def test_scalar_graph_with_references():
    graph = {
        "a": node("add", x=1, y=2),
        "m": node("multiply", result=True, x=ref("a"), y=4),
    }
    assert run(graph) == 12


def test_named_parameters_fill_from_parameter_and_defaults_apply():
    process = {
        "parameters": [
            {"name": "x", "description": "x", "schema": {"type": "number"}},
            {"name": "y", "description": "y", "schema": {"type": "number"}, "default": 10},
        ],
        "process_graph": {"s": node("subtract", result=True, x=param("x"), y=param("y"))},
    }
    assert execute(process, default_registry(), parameters={"x": 15}) == 5
    assert execute(process, default_registry(), parameters={"x": 15, "y": 1}) == 14
    with pytest.raises(ProcessParameterRequired, match="x"):
        execute(process, default_registry())


def test_child_graphs_over_lists_see_every_element():
    # pg-parser caches a child graph's result: per-element calls would repeat the first answer
    absolute = callback("absolute", x=param("x"))
    assert run({"a": node("array_apply", result=True, data=[1, -2, None], process=absolute)}) == [
        1,
        2,
        None,
    ]
    positive = callback("gt", x=param("x"), y=0)
    assert run({"f": node("array_filter", result=True, data=[1, -2, 3], condition=positive)}) == [
        1,
        3,
    ]
    assert run({"c": node("count", result=True, data=[1, -2, 3, None], condition=positive)}) == 2


def test_strings_reach_processes_as_strings_not_dates():
    graph = {
        "t": node("text_concat", result=True, data=["2020", "2020-01-01", "P1D"], separator=" ")
    }
    assert run(graph) == "2020 2020-01-01 P1D"
    shifted = run({"d": node("date_shift", result=True, date="2020-01-31", value=1, unit="month")})
    assert isinstance(shifted, str) and shifted.startswith("2020-02-29")


UDPS = {
    "scaled_sum": {
        "id": "scaled_sum",
        "parameters": [
            {"name": "data", "description": "numbers", "schema": {"type": "array"}},
            {"name": "factor", "description": "f", "schema": {"type": "number"}, "default": 2},
        ],
        "process_graph": {
            "s": node("sum", data=param("data")),
            "m": node("multiply", result=True, x=ref("s"), y=param("factor")),
        },
    },
    "twice": {
        "id": "twice",
        "parameters": [{"name": "x", "description": "x", "schema": {"type": "number"}}],
        "process_graph": {
            "u": {
                "process_id": "scaled_sum",
                "namespace": "user",
                "arguments": {"data": [param("x")], "factor": 2},
                "result": True,
            }
        },
    },
    "loop": {"id": "loop", "process_graph": {"l": node("loop", result=True)}},
    "my_mean": {
        "id": "my_mean",
        "parameters": [{"name": "data", "description": "d", "schema": {}}],
        "process_graph": {"m": node("mean", result=True, data=param("data"))},
    },
    "scale_cube": {
        "id": "scale_cube",
        "parameters": [
            {"name": "cube", "description": "c", "schema": {"type": "object"}},
            {"name": "factor", "description": "f", "schema": {"type": "number"}},
        ],
        "process_graph": {
            "a": node(
                "apply",
                result=True,
                data=param("cube"),
                # `factor` is the UDP's parameter, used inside apply's child graph
                process=callback("multiply", x=param("x"), y=param("factor")),
            )
        },
    },
}


def lookup(process_id, namespace):
    return UDPS.get(process_id) if namespace in (None, "user") else None


def test_user_defined_processes_are_callable_with_defaults_and_nesting():
    assert run({"u": node("scaled_sum", result=True, data=[1, 2, 3])}, udp_lookup=lookup) == 12
    graph = {"u": node("scaled_sum", result=True, data=[1, 2], factor=10)}
    assert run(graph, udp_lookup=lookup) == 30
    assert run({"t": node("twice", result=True, x=7)}, udp_lookup=lookup) == 14


def test_user_defined_process_errors():
    with pytest.raises(ProcessParameterRequired, match="data"):
        run({"u": node("scaled_sum", result=True)}, udp_lookup=lookup)
    with pytest.raises(ProcessUnsupported, match="scaled_sum"):
        run({"u": node("scaled_sum", result=True, data=[1])})  # no lookup: unknown
    backend_only = {"process_id": "scaled_sum", "namespace": "backend", "arguments": {"data": [1]}}
    with pytest.raises(ProcessUnsupported):
        run({"u": {**backend_only, "result": True}}, udp_lookup=lookup)
    with pytest.raises(ProcessGraphInvalid, match="call themselves"):
        run({"l": node("loop", result=True)}, udp_lookup=lookup)


def test_udp_parameter_inside_a_child_graph(registry):
    graph = {
        "load": node("load_collection", id="X", spatial_extent=None, temporal_extent=None),
        "u": node("scale_cube", result=True, cube=ref("load"), factor=3),
    }
    out = run(graph, registry, udp_lookup=lookup)
    np.testing.assert_allclose(out.values, make_cube().values * 3)


def test_udp_as_reducer_gets_the_axis(registry):
    graph = {
        "load": node("load_collection", id="X", spatial_extent=None, temporal_extent=None),
        "r": node(
            "reduce_dimension",
            result=True,
            data=ref("load"),
            dimension="t",
            reducer=callback("my_mean", data=param("data")),
        ),
    }
    out = run(graph, registry, udp_lookup=lookup)
    assert out.dims == ("bands", "y", "x")
    np.testing.assert_allclose(out.values, make_cube().mean("t").values)


def test_cube_graph_stays_lazy_until_save_result(registry, saved):
    counter = ComputeCounter()
    graph = {
        "load": node("load_collection", id="X", spatial_extent=None, temporal_extent=None),
        "ndvi": node("ndvi", data=ref("load"), nir="B08", red="B04"),
        "mean": node(
            "reduce_dimension",
            data=ref("ndvi"),
            dimension="t",
            reducer=callback("mean", data=param("data")),
        ),
    }
    with dask.config.set(scheduler=counter):
        lazy = run({**graph, "mean": {**graph["mean"], "result": True}}, registry)
        assert counter.count == 0 and dask.is_dask_collection(lazy)
        values = to_json(lazy)
        assert counter.count == 1
    cube = make_cube()
    nir, red = cube.sel(bands="B08"), cube.sel(bands="B04")
    expected = ((nir - red) / (nir + red)).mean("t").values
    np.testing.assert_allclose(np.array(values), expected)
    graph["save"] = node("save_result", result=True, data=ref("mean"), format="netCDF")
    assert run(graph, registry) is True
    assert saved[0][0] == "netCDF" and saved[0][1].shape == expected.shape


def test_library_errors_are_translated(registry):
    load = node("load_collection", id="X", spatial_extent=None, temporal_extent=None)
    reduce = node(
        "reduce_dimension",
        result=True,
        data=ref("load"),
        dimension="nope",
        reducer=callback("mean", data=param("data")),
    )
    with pytest.raises(DimensionNotAvailable):
        run({"load": load, "r": reduce}, registry)
    with pytest.raises(ProcessParameterInvalid, match="division by zero"):
        run({"m": node("mod", result=True, x=1, y=0)})
    with pytest.raises(BadRequest, match=r"Process 'linear_scale_range' failed: \w*TypeError"):
        run({"s": node("linear_scale_range", result=True, x="a", inputMin=0, inputMax=1)})
    with pytest.raises(FeatureUnsupported, match="load_collection"):
        run({"load": {**load, "result": True}})  # seam not bound in the default registry


def test_to_json():
    assert to_json(None) is None
    assert to_json(float("nan")) is None and to_json(np.float32("inf")) is None
    assert to_json(np.bool_(True)) is True and to_json(True) is True
    assert to_json(np.int64(3)) == 3 and isinstance(to_json(np.int64(3)), int)
    assert to_json([1.5, None, np.nan, "a"]) == [1.5, None, None, "a"]
    assert to_json(np.array([[1, 2], [3, 4]])) == [[1, 2], [3, 4]]
    cube = xr.DataArray(dask.array.from_array(np.array([[1.0, np.nan]])), dims=("y", "x"))
    assert to_json(cube) == [[1.0, None]]
    assert to_json(np.datetime64("2020-01-02T03:04:05")) == "2020-01-02T03:04:05Z"
    assert to_json({"a": np.array([True, False])}) == {"a": [True, False]}


def test_translate_maps_processes_dask_codes():
    assert isinstance(translate(pdk.DimensionMissing("no t")), DimensionNotAvailable)
    assert isinstance(translate(pdk.ProcessParameterMissing("x")), ProcessParameterRequired)
    lacking = translate(pdk.LabelExists("B01 exists"), "array_append")
    assert type(lacking) is BadRequest and "LabelExists" in lacking.message
    assert isinstance(translate(NotImplementedError("later"), "p"), FeatureUnsupported)
    oom = MemoryError()
    assert translate(oom) is oom  # not the user's fault: left for the caller's 500
