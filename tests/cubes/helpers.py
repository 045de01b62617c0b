"""Helpers of the cube tests: an ad-hoc process registry, compute counting, result documents."""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from dask.callbacks import Callback

_ITEM_KEYS = ("bbox", "geometry", "datetime", "start_datetime", "end_datetime")


@functools.cache
def _standard() -> dict[str, tuple[dict, Callable]]:
    import openeo_processes_dask.process_implementations as impl
    import openeo_processes_dask.specs as specs

    out = {}
    for name, func in inspect.getmembers(impl, inspect.isfunction):
        spec = getattr(specs, name, None) or getattr(specs, "_" + name.rstrip("_"), None)
        if isinstance(spec, dict):
            out[spec["id"]] = (spec, func)
    return out


def registry(**ours: Callable):
    """A pg-parser registry: processes-dask's standard processes plus ours (by process id).

    Built here because processes/registry.py is written elsewhere; the recipe is the one of
    notes/openeo.md §2.2.
    """
    from openeo_pg_parser_networkx import ProcessRegistry
    from openeo_pg_parser_networkx.process_registry import Process
    from openeo_processes_dask.process_implementations.core import process

    reg = ProcessRegistry(wrap_funcs=[process])
    for pid, (spec, func) in _standard().items():
        reg["predefined", pid] = Process(spec, func, "predefined")
    for pid, func in ours.items():
        reg["predefined", pid] = Process({"id": pid}, func, "predefined")
    return reg


def run_graph(flat_graph: dict, reg) -> Any:
    """Parse and run an openEO process graph (``{"node": {...}}``) with a registry."""
    from openeo_pg_parser_networkx import OpenEOProcessGraph

    graph = OpenEOProcessGraph(pg_data={"process_graph": flat_graph})
    return graph.to_callable(process_registry=reg)()


class ComputeCounter(Callback):
    """Counts dask computations on the local schedulers (each ``compute`` starts once)."""

    def __init__(self) -> None:
        super().__init__()
        self.computes = 0
        self.tasks = 0

    def _start(self, dsk) -> None:
        self.computes += 1

    def _posttask(self, key, result, dsk, state, id) -> None:
        self.tasks += 1


def result_documents(
    files: list[dict], base: str = "http://canopy.test/jobs/j1"
) -> dict[str, dict]:
    """An openEO job-results Collection and one Item per file, keyed by URL, built from the
    descriptions save_result sends to its sink (as the results router publishes them)."""
    docs: dict[str, dict] = {}
    links = []
    for f in files:
        name = Path(f["href"]).name
        asset = {k: v for k, v in f.items() if k not in _ITEM_KEYS}
        props = {k: f[k] for k in ("datetime", "start_datetime", "end_datetime") if k in f}
        url = f"{base}/results/items/{name}"
        docs[url] = {
            "type": "Feature",
            "stac_version": "1.1.0",
            "id": name,
            "bbox": f.get("bbox"),
            "geometry": f.get("geometry"),
            "properties": props,
            "assets": {name: asset},
            "links": [],
        }
        links.append({"rel": "item", "href": url})
    docs[f"{base}/results"] = {
        "type": "Collection",
        "stac_version": "1.1.0",
        "id": "j1",
        "description": "results",
        "links": links,
        "assets": {Path(f["href"]).name: {"href": f["href"]} for f in files},
    }
    return docs


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve a folder over HTTP on loopback (the only web these tests reach); yields its URL."""

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
