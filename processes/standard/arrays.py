"""Array processes on plain JSON lists (with ``null`` as no-data); arrays to processes-dask."""

from __future__ import annotations

from typing import Any

import numpy as np
from openeo_processes_dask.process_implementations import arrays as pdk
from openeo_processes_dask.process_implementations import math as pdk_math

from processes.exceptions import ProcessParameterInvalid, ProcessParameterRequired
from processes.standard.comparison import eq, is_valid
from processes.standard.values import as_float_array, holds_arrays, is_nodata, nan_to_none


def _values(data: Any, ignore_nodata: bool) -> list:
    return [v for v in data if not is_nodata(v)] if ignore_nodata else list(data)


def first(data: Any, ignore_nodata: bool = True, axis=None) -> Any:
    """openEO process ``first``."""
    if holds_arrays(data):
        return pdk.first(data, ignore_nodata=ignore_nodata, axis=axis)
    values = _values(data, ignore_nodata)
    return nan_to_none(values[0]) if values else None


def last(data: Any, ignore_nodata: bool = True, axis=None) -> Any:
    """openEO process ``last``."""
    if holds_arrays(data):
        return pdk.last(data, ignore_nodata=ignore_nodata, axis=axis)
    values = _values(data, ignore_nodata)
    return nan_to_none(values[-1]) if values else None


def order(data: Any, asc: bool = True, nodata: bool | None = None, axis=None) -> Any:
    """openEO process ``order``: a stable permutation; no-data dropped, first or last."""
    if holds_arrays(data):
        return pdk.order(data, asc=asc, nodata=nodata, axis=axis)
    valid = [i for i, v in enumerate(data) if not is_nodata(v)]
    missing = [i for i, v in enumerate(data) if is_nodata(v)]
    valid.sort(key=lambda i: data[i], reverse=not asc)  # stable also when reversed
    if nodata is None:
        return valid
    return valid + missing if nodata else missing + valid


def sort(data: Any, asc: bool = True, nodata: bool | None = None, axis=None) -> Any:
    """openEO process ``sort``."""
    if holds_arrays(data):
        return pdk.sort(data, asc=asc, nodata=nodata, axis=axis)
    return [data[i] for i in order(data, asc=asc, nodata=nodata)]


def array_find(data: Any, value: Any, reverse: bool = False, axis=None) -> Any:
    """openEO process ``array_find``: index of the first (last) strictly equal element."""
    if holds_arrays(data):
        return pdk.array_find(data, value, reverse=reverse, axis=axis)
    if value is None or isinstance(value, (list, dict)):
        return None
    indices = range(len(data) - 1, -1, -1) if reverse else range(len(data))
    for i in indices:
        if not isinstance(data[i], (list, dict)) and eq(data[i], value) is True:
            return i
    return None


def array_element(
    data: Any,
    index: int | None = None,
    label: Any = None,
    return_nodata: bool = False,
    axis=None,
    context=None,
    dim_labels=None,
) -> Any:
    """openEO process ``array_element`` on plain lists (labels need labeled arrays)."""
    if holds_arrays(data):
        return pdk.array_element(
            data, index=index, label=label, return_nodata=return_nodata, axis=axis,
            context=context, dim_labels=dim_labels,
        )  # fmt: skip
    if index is None and label is None:
        raise ProcessParameterRequired(process="array_element", parameter="index")
    if index is not None and label is not None:
        raise ProcessParameterInvalid(
            process="array_element", parameter="label", reason="give either index or label"
        )
    if label is not None:
        raise ProcessParameterInvalid(
            process="array_element", parameter="label", reason="the array is not labeled"
        )
    if 0 <= index < len(data):
        return data[index]
    if return_nodata:
        return None
    raise ProcessParameterInvalid(
        process="array_element", parameter="index", reason=f"no element at index {index}"
    )


def array_append(data: Any, value: Any, label: Any = None, dim_labels=None, axis=None) -> Any:
    """openEO process ``array_append``."""
    if holds_arrays(data):
        return pdk.array_append(data, value, label=label, dim_labels=dim_labels, axis=axis)
    if label is not None:
        raise ProcessParameterInvalid(
            process="array_append", parameter="label", reason="the array is not labeled"
        )
    return [*data, value]


def array_concat(array1: Any, array2: Any, axis=None) -> Any:
    """openEO process ``array_concat``: element types are kept."""
    if holds_arrays(array1) or holds_arrays(array2):
        return pdk.array_concat(array1, array2, axis=axis)
    return [*array1, *array2]


def array_interpolate_linear(data: Any, axis=None, dim_labels=None) -> Any:
    """openEO process ``array_interpolate_linear``: gaps between valid numbers only."""
    if holds_arrays(data):
        return pdk.array_interpolate_linear(data, axis=axis, dim_labels=dim_labels)
    values = as_float_array(list(data))
    if values is None:
        raise ProcessParameterInvalid(
            process="array_interpolate_linear", parameter="data", reason="numbers expected"
        )
    valid = np.flatnonzero(np.isfinite(values))
    out = list(data)
    if valid.size >= 2:
        inside = np.arange(valid[0], valid[-1] + 1)
        filled = np.interp(inside, valid, values[valid])
        for i, v in zip(inside, filled, strict=True):
            if is_nodata(out[i]):
                out[i] = float(v)
    return out


def extrema(data: Any, ignore_nodata: bool = True, axis=None, keepdims: bool = False) -> Any:
    """openEO process ``extrema``: ``[min, max]``."""
    if holds_arrays(data):
        return pdk_math.extrema(data, ignore_nodata=ignore_nodata, axis=axis, keepdims=keepdims)
    values = as_float_array(list(data))
    if values is None:
        raise ProcessParameterInvalid(
            process="extrema", parameter="data", reason="numbers expected"
        )
    if ignore_nodata:
        values = values[~np.isnan(values)]
    if values.size == 0 or np.isnan(values).any():
        return [None, None]
    return [nan_to_none(values.min()), nan_to_none(values.max())]


def quantiles(
    data: Any,
    probabilities: Any = None,
    q: int | None = None,
    ignore_nodata: bool = True,
    axis=None,
    keepdims: bool = False,
) -> Any:
    """openEO process ``quantiles`` (type 7 of Hyndman and Fan, numpy's default)."""
    if holds_arrays(data):
        return pdk_math.quantiles(
            data, probabilities=probabilities, q=q, ignore_nodata=ignore_nodata,
            axis=axis, keepdims=keepdims,
        )  # fmt: skip
    if probabilities is None and q is None:
        raise ProcessParameterRequired(process="quantiles", parameter="probabilities")
    if probabilities is not None and q is not None:
        raise ProcessParameterInvalid(
            process="quantiles", parameter="q", reason="give either probabilities or q"
        )
    count = probabilities if isinstance(probabilities, int) else q
    probs = [k / count for k in range(1, count)] if count is not None else list(probabilities)
    values = as_float_array(list(data))
    if values is None:
        raise ProcessParameterInvalid(
            process="quantiles", parameter="data", reason="numbers expected"
        )
    if ignore_nodata:
        values = values[~np.isnan(values)]
    if values.size == 0 or np.isnan(values).any():
        return [None] * len(probs)
    with np.errstate(all="ignore"):
        return [nan_to_none(v) for v in np.quantile(values, probs)]


def count(data: Any, condition: Any = None, context: Any = None, axis=None, keepdims=False) -> Any:
    """openEO process ``count``: valid elements, all (``true``) or those meeting ``condition``."""
    if holds_arrays(data):
        return pdk.count(data, condition=condition, context=context, axis=axis, keepdims=keepdims)
    if condition is None:
        return sum(1 for v in data if is_valid(v))
    if condition is True:
        return len(data)
    values = as_float_array(list(data))
    if callable(condition) and values is not None:
        # one call with the whole array: pg-parser caches a child graph's result, so calling
        # it once per element would repeat the first answer
        hits = np.asarray(condition(named_parameters={"x": values, "context": context}))
        return int(np.count_nonzero(hits == 1))
    raise ProcessParameterInvalid(
        process="count", parameter="condition", reason="a process, true or null expected"
    )


def _callback_arguments(data: Any, context: Any) -> tuple[np.ndarray, dict]:
    values = np.asarray(data) if holds_arrays(data) else as_float_array(list(data))
    if values is None:  # strings, booleans, mixed: leave them as they are
        values = np.array(list(data), dtype=object)
    names = {"x": values, "context": context}
    if values.ndim == 1:
        names["index"] = np.arange(values.shape[0])
    return values, names


def array_apply(data: Any, process: Any, context: Any = None) -> Any:
    """openEO process ``array_apply``: the child graph runs once on the whole array.

    processes-dask calls it per element through ``np.vectorize``, but pg-parser caches a child
    graph's result, so every element got the first element's answer.
    """
    if not callable(process):
        raise ProcessParameterInvalid(
            process="array_apply", parameter="process", reason="a process is expected"
        )
    values, names = _callback_arguments(data, context)
    out = process(named_parameters=names)
    out = np.broadcast_to(out, values.shape) if np.ndim(out) == 0 else out
    if holds_arrays(data):
        return out
    return [nan_to_none(v) for v in np.asarray(out).tolist()]


def array_filter(data: Any, condition: Any, context: Any = None, axis=None) -> Any:
    """openEO process ``array_filter`` on one-dimensional arrays: one call of the child graph."""
    if holds_arrays(data) and np.ndim(data) > 1:
        return pdk.array_filter(data, condition, context=context, axis=axis)
    if not callable(condition):
        raise ProcessParameterInvalid(
            process="array_filter", parameter="condition", reason="a process is expected"
        )
    values, names = _callback_arguments(data, context)
    keep = np.broadcast_to(np.asarray(condition(named_parameters=names)), values.shape) == 1
    if holds_arrays(data):
        return values[keep]
    return [v for v, k in zip(data, keep, strict=True) if k]
