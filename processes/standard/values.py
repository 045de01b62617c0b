"""Classifying argument values: arrays and cubes vs. plain JSON values, no-data, numbers."""

from __future__ import annotations

import math
from numbers import Number
from typing import Any

import dask
import numpy as np
import xarray as xr


def is_array(value: Any) -> bool:
    """numpy, dask and xarray values: processes-dask's domain."""
    return isinstance(value, (np.ndarray, xr.DataArray)) or dask.is_dask_collection(value)


def holds_arrays(data: Any) -> bool:
    """An array, or a list with arrays in it (``merge_cubes`` hands ``sum`` ``[cube1, cube2]``)."""
    if is_array(data):
        return True
    return isinstance(data, (list, tuple)) and any(is_array(v) for v in data)


def is_nodata(value: Any) -> bool:
    """``null``, or NaN standing in for it (the conformance suite's no-data value)."""
    if value is None:
        return True
    return isinstance(value, (float, np.floating)) and math.isnan(value)


def is_number(value: Any) -> bool:
    """An openEO ``number``: integers and floats, not booleans."""
    return isinstance(value, Number) and not isinstance(value, (bool, np.bool_))


def is_boolean(value: Any) -> bool:
    """An openEO ``boolean``."""
    return isinstance(value, (bool, np.bool_))


def as_float_array(values: list) -> np.ndarray | None:
    """A float array of a list of numbers with ``null`` as NaN, or None for other lists."""
    if not all(v is None or is_number(v) for v in values):
        return None
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def plain(value: Any) -> Any:
    """numpy scalars as Python scalars; everything else unchanged."""
    return value.item() if isinstance(value, np.generic) else value


def nan_to_none(value: Any) -> Any:
    """NaN (a numpy reduction's no-data) as ``null``."""
    value = plain(value)
    return None if isinstance(value, float) and math.isnan(value) else value
