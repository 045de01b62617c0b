"""The process registry: ONE explicit table of the processes Canopy offers, joined with specs."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from functools import lru_cache
from importlib import import_module

from openeo_pg_parser_networkx import ProcessRegistry
from openeo_pg_parser_networkx.process_registry import Process
from openeo_processes_dask.process_implementations.core import process

from processes.graph.specs import custom_ids, override_ids, public, spec_for
from processes.preprocess.process import smac_correct, tile_project
from processes.repackage.process import repackage_cci
from processes.retrieval.process import optisail
from processes.standard import arrays as std_arrays
from processes.standard import comparison as std_comparison
from processes.standard import logic as std_logic
from processes.standard import math as std_math
from processes.standard import text as std_text


def _pdk(module: str):
    # import_module, not `from ... import`: processes-dask's packages re-export functions under
    # their modules' names (cubes.apply is the function apply once cubes/__init__ ran)
    return import_module(f"openeo_processes_dask.process_implementations.{module}")


pmath, arrays = _pdk("math"), _pdk("arrays")
dates, text, inspection = _pdk("dates"), _pdk("text"), _pdk("inspect")
general, aggregate, apply = _pdk("cubes.general"), _pdk("cubes.aggregate"), _pdk("cubes.apply")
filters, mask, mask_polygon = _pdk("cubes._filter"), _pdk("cubes.mask"), _pdk("cubes.mask_polygon")
merge, indices, reduce = _pdk("cubes.merge"), _pdk("cubes.indices"), _pdk("cubes.reduce")
resample = _pdk("cubes.resample")

SEAMS = frozenset({"load_collection", "load_stac", "save_result", "vp_lai_fapar"})
"""Processes the backend binds to its data (``build_registry(overrides=...)``); their
implementations are made by ``processes.cubes`` and ``processes.production`` factories."""

PROCESSES: dict[str, Callable] = {
    # math
    "absolute": std_math.absolute,
    "add": std_math.add,
    "arccos": std_math.arccos,
    "arcosh": std_math.arcosh,
    "arcsin": std_math.arcsin,
    "arctan": std_math.arctan,
    "arctan2": std_math.arctan2,
    "arsinh": std_math.arsinh,
    "artanh": std_math.artanh,
    "ceil": std_math.ceil,
    "clip": std_math.clip,
    "constant": pmath.constant,
    "cos": std_math.cos,
    "cosh": std_math.cosh,
    "divide": std_math.divide,
    "e": pmath.e,
    "exp": std_math.exp,
    "extrema": std_arrays.extrema,
    "floor": std_math.floor,
    "int": std_math.int_,
    "linear_scale_range": std_math.linear_scale_range,
    "ln": std_math.ln,
    "log": std_math.log,
    "max": std_math.max_,
    "mean": std_math.mean,
    "median": std_math.median,
    "min": std_math.min_,
    "mod": std_math.mod,
    "multiply": std_math.multiply,
    "normalized_difference": std_math.normalized_difference,
    "pi": pmath.pi,
    "power": std_math.power,
    "product": std_math.product,
    "quantiles": std_arrays.quantiles,
    "round": std_math.round_,
    "sd": std_math.sd,
    "sgn": std_math.sgn,
    "sin": std_math.sin,
    "sinh": std_math.sinh,
    "sqrt": std_math.sqrt,
    "subtract": std_math.subtract,
    "sum": std_math.sum_,
    "tan": std_math.tan,
    "tanh": std_math.tanh,
    "variance": std_math.variance,
    # comparison
    "between": std_comparison.between,
    "eq": std_comparison.eq,
    "gt": std_comparison.gt,
    "gte": std_comparison.gte,
    "is_nan": std_comparison.is_nan,
    "is_nodata": std_comparison.is_nodata,
    "is_valid": std_comparison.is_valid,
    "lt": std_comparison.lt,
    "lte": std_comparison.lte,
    "neq": std_comparison.neq,
    # logic
    "all": std_logic.all_,
    "and": std_logic.and_,
    "any": std_logic.any_,
    "if": std_logic.if_,
    "not": std_logic.not_,
    "or": std_logic.or_,
    "xor": std_logic.xor,
    # arrays
    "array_append": std_arrays.array_append,
    "array_apply": std_arrays.array_apply,
    "array_concat": std_arrays.array_concat,
    "array_contains": arrays.array_contains,
    "array_create": arrays.array_create,
    "array_element": std_arrays.array_element,
    "array_filter": std_arrays.array_filter,
    "array_find": std_arrays.array_find,
    "array_interpolate_linear": std_arrays.array_interpolate_linear,
    "array_labels": arrays.array_labels,
    "count": std_arrays.count,
    "first": std_arrays.first,
    "last": std_arrays.last,
    "order": std_arrays.order,
    "rearrange": arrays.rearrange,
    "sort": std_arrays.sort,
    # dates and text
    "date_between": dates.date_between,
    "date_shift": dates.date_shift,
    "text_begins": text.text_begins,
    "text_concat": std_text.text_concat,
    "text_contains": text.text_contains,
    "text_ends": text.text_ends,
    "inspect": inspection.inspect,
    # cubes
    "add_dimension": general.add_dimension,
    "aggregate_spatial": aggregate.aggregate_spatial,
    "aggregate_temporal": aggregate.aggregate_temporal,
    "aggregate_temporal_period": aggregate.aggregate_temporal_period,
    "apply": apply.apply,
    "apply_dimension": apply.apply_dimension,
    "apply_kernel": apply.apply_kernel,
    "create_data_cube": general.create_data_cube,
    "dimension_labels": general.dimension_labels,
    "drop_dimension": general.drop_dimension,
    "filter_bands": filters.filter_bands,
    "filter_bbox": filters.filter_bbox,
    "filter_labels": filters.filter_labels,
    "filter_spatial": filters.filter_spatial,
    "filter_temporal": filters.filter_temporal,
    "mask": mask.mask,
    "mask_polygon": mask_polygon.mask_polygon,
    "merge_cubes": merge.merge_cubes,
    "ndvi": indices.ndvi,
    "reduce_dimension": reduce.reduce_dimension,
    "rename_dimension": general.rename_dimension,
    "rename_labels": general.rename_labels,
    "resample_cube_spatial": resample.resample_cube_spatial,
    "resample_cube_temporal": resample.resample_cube_temporal,
    "resample_spatial": resample.resample_spatial,
    "trim_cube": general.trim_cube,
    # Canopy's own
    "optisail": optisail,
    "repackage_cci": repackage_cci,
    "smac_correct": smac_correct,
    "tile_project": tile_project,
}
"""Every process Canopy offers, by openEO id (the table, not the function name, carries the id)."""


class RegistryError(LookupError):
    """The process table and the specs disagree (a programming error, found at start-up)."""


def build_registry(overrides: Mapping[str, Callable] | None = None) -> ProcessRegistry:
    """A pg-parser registry of every process in :data:`PROCESSES` plus ``overrides``.

    Each implementation is wrapped once with processes-dask's parameter-reference resolver
    (``ProcessRegistry(wrap_funcs=[process])``), the processes-dask recipe. Seams the caller
    does not bind are registered with their spec and no implementation: listed and validated,
    but running them raises FeatureUnsupported.

    Args:
        overrides: implementations that replace or add to the table, by id; the backend binds
            its seams here, e.g. ``{"load_collection": ..., "save_result": ...}``.

    Returns:
        A fresh registry (callers may not share one they mutate).

    Raises:
        RegistryError: a process has no spec, or a spec of ours has no process.
    """
    table: dict[str, Callable | None] = dict.fromkeys(SEAMS)
    table.update(PROCESSES)
    table.update(overrides or {})
    missing = sorted(pid for pid in table if spec_for(pid) is None)
    if missing:
        raise RegistryError(f"processes without a spec: {missing}")
    unbound = sorted((set(custom_ids()) | set(override_ids())) - set(table))
    if unbound:
        raise RegistryError(f"specs in processes/specs/ without a process: {unbound}")
    registry = ProcessRegistry(wrap_funcs=[process])
    for pid, func in table.items():
        registry[pid] = Process(spec=public(spec_for(pid)), implementation=func)
    return registry


@lru_cache(maxsize=1)
def default_registry() -> ProcessRegistry:
    """The registry without bound seams, built once (listing, validation, tests)."""
    return build_registry()


def process_specs(registry: ProcessRegistry | None = None) -> list[dict]:
    """What ``GET /processes`` serves: the public spec of every process, sorted by id.

    Args:
        registry: a registry from :func:`build_registry`; the default one when omitted.
    """
    registry = registry if registry is not None else default_registry()
    return [copy.deepcopy(registry[pid].spec) for pid in sorted(key for _, key in registry)]
