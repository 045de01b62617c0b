"""A pytest plugin that runs the conformance suite's process tests through Canopy's registry
and executor, in-process (no server): the suite's ``--runner=dask`` slot gets our runner.

``CANOPY_SUITE_RUNNER=json`` (default) behaves like the suite's HTTP runner against
``POST /result``: each example becomes a one-node JSON graph run by ``processes.executor``, the
value goes through ``to_json`` and a JSON round trip, and examples with data cubes, labeled
arrays, NaN or infinity are skipped/failed exactly as the HTTP runner does.
``CANOPY_SUITE_RUNNER=cube`` behaves like the suite's dask runner: data cubes are passed as
xarray objects, so the cube processes are exercised too.
"""

from __future__ import annotations

import json
import os

import dask
from openeo_pg_parser_networkx.pg_schema import BoundingBox
from openeo_test_suite.lib.process_runner import dask as suite_dask
from openeo_test_suite.lib.process_runner.base import ProcessTestRunner
from openeo_test_suite.lib.process_runner.util import (
    datacube_to_xarray,
    numpy_to_native,
    xarray_to_datacube,
)

from processes.executor import execute, to_json
from processes.graph.parsing import PlainProcessGraphParser
from processes.graph.resolver import Resolver
from processes.registry import build_registry, process_specs


class CanopyJsonRunner(ProcessTestRunner):
    """What the suite's HTTP runner sees, minus HTTP: graph in, JSON out."""

    def __init__(self) -> None:
        self.registry = build_registry()

    def list_processes(self):
        return process_specs(self.registry)

    def execute(self, id, arguments):
        graph = {"node": {"process_id": id, "arguments": arguments, "result": True}}
        value = execute({"process_graph": graph}, self.registry)
        return json.loads(json.dumps(to_json(value), allow_nan=False))

    def is_json_only(self) -> bool:
        return True


class CanopyCubeRunner(ProcessTestRunner):
    """The suite's dask runner with Canopy's registry, callbacks and error translation."""

    def __init__(self) -> None:
        self.registry = build_registry()
        self.resolver = Resolver(self.registry)

    def list_processes(self):
        return process_specs(self.registry)

    def execute(self, id, arguments):
        return self.resolver[id].implementation(**arguments)

    def encode_process_graph(self, process, parent_process_id=None, parent_parameter=None):
        parsed = PlainProcessGraphParser(pg_data=process)
        return parsed.to_callable(process_registry=self.resolver)

    def encode_datacube(self, data):
        return datacube_to_xarray(data)

    def encode_data(self, data):
        if isinstance(data, dict) and {"west", "south", "east", "north"} <= set(data):
            return BoundingBox(**data)
        return data

    def decode_data(self, data, expected):
        if dask.is_dask_collection(data) and not hasattr(data, "dims"):
            data = data.compute()
        return _nodata_as_nan(xarray_to_datacube(numpy_to_native(data, expected)), expected)

    def get_nodata_value(self):
        return float("nan")


def _nodata_as_nan(value, expected):
    # this runner's no-data value is NaN (as the suite's dask runner's): null where the
    # example expects no-data is that value
    if value is None and expected == {"type": "nodata"}:
        return float("nan")
    if isinstance(value, list) and isinstance(expected, list) and len(value) == len(expected):
        return [_nodata_as_nan(v, e) for v, e in zip(value, expected, strict=True)]
    return value


def pytest_configure(config):
    """Put our runner where the suite's ``--runner=dask`` looks for its runner class."""
    mode = os.environ.get("CANOPY_SUITE_RUNNER", "json")
    suite_dask.Dask = CanopyJsonRunner if mode == "json" else CanopyCubeRunner


_REPORT: list[dict] = []


def pytest_runtest_logreport(report):
    """Record each test's outcome and first error line (``CANOPY_SUITE_REPORT=path.json``)."""
    if not os.environ.get("CANOPY_SUITE_REPORT"):
        return
    if report.when == "call" or report.outcome != "passed":
        message = ""
        crash = getattr(report.longrepr, "reprcrash", None)
        if crash is not None:
            message = crash.message
        elif isinstance(report.longrepr, tuple):
            message = str(report.longrepr[2])
        _REPORT.append({"test": report.nodeid, "outcome": report.outcome, "message": message})


def pytest_unconfigure(config):
    """Write the recorded outcomes."""
    path = os.environ.get("CANOPY_SUITE_REPORT")
    if path:
        with open(path, "w") as f:
            json.dump(_REPORT, f, indent=1)
