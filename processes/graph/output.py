"""JSON for the value of a graph without save_result (synchronous results, JSON assets)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import dask
import numpy as np
import xarray as xr

from processes.exceptions import ProcessGraphComplexity
from processes.graph.errors import translated

MAX_JSON_VALUES = 10_000_000
"""Arrays larger than this are refused rather than turned into a huge JSON document."""


def to_json(value: Any) -> Any:
    """A JSON-compatible copy of ``value``.

    Scalars stay scalars (booleans stay booleans), NaN and infinities become ``null`` (JSON has
    neither), numpy and dask arrays and xarray objects become nested lists (computed here),
    dates become ISO 8601 strings, pydantic values of the graph parser their plain form.
    """
    if isinstance(value, xr.Dataset):
        return {name: to_json(var) for name, var in value.data_vars.items()}
    if isinstance(value, xr.DataArray):
        value = value.data
    if dask.is_dask_collection(value):
        with translated():
            (value,) = dask.compute(value)
    if isinstance(value, np.ndarray | np.datetime64) and value.dtype.kind == "M":
        return _plain(_iso(value).tolist())
    if isinstance(value, np.ndarray):
        if value.size > MAX_JSON_VALUES:
            raise ProcessGraphComplexity(
                reason=f"a result of {value.size:,} values is too large for JSON; use save_result"
            )
        return _plain(value.tolist())
    if isinstance(value, np.generic):
        return _plain(value.item())
    return _plain(value)


def _iso(times: np.ndarray | np.datetime64) -> np.ndarray:
    text = np.char.add(np.datetime_as_string(times, unit="s"), "Z")
    return np.where(np.isnat(times), None, text)


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, np.generic):
        return _plain(value.item())
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.isoformat() + "Z"  # numpy and pandas times are UTC
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, np.datetime64):
        return to_json(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if isinstance(value, (np.ndarray, xr.DataArray)) or dask.is_dask_collection(value):
        return to_json(value)
    root = getattr(value, "root", None)  # pg-parser's Date/DateTime/Time RootModels
    if root is not None:
        return _plain(root)
    dump = getattr(value, "model_dump", None)  # other pydantic values, e.g. BoundingBox
    if callable(dump):
        return _plain(dump())
    return str(value)
