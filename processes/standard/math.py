"""Math processes: no-data (``null``) in, no-data out on plain values; arrays to processes-dask."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
from openeo_processes_dask.process_implementations import math as pdk

from processes.exceptions import ProcessParameterInvalid
from processes.standard.values import as_float_array, holds_arrays, is_array, nan_to_none, plain


def nullable(func: Callable) -> Callable:
    """``func`` answering ``null`` when any plain (non-array) argument is ``null``.

    numpy's floating-point warnings are silenced: NaN and infinities are valid results.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        values = list(args) + list(kwargs.values())
        if any(v is None for v in values):
            return None
        with np.errstate(all="ignore"):
            return plain(func(*args, **kwargs))

    return wrapper


absolute = nullable(pdk.absolute)
add = nullable(pdk.add)
arccos = nullable(pdk.arccos)
arcosh = nullable(pdk.arcosh)
arcsin = nullable(pdk.arcsin)
arctan = nullable(pdk.arctan)
arsinh = nullable(pdk.arsinh)
artanh = nullable(pdk.artanh)
ceil = nullable(pdk.ceil)
cos = nullable(pdk.cos)
cosh = nullable(pdk.cosh)
divide = nullable(pdk.divide)
exp = nullable(pdk.exp)
floor = nullable(pdk.floor)
int_ = nullable(pdk._int)
multiply = nullable(pdk.multiply)
sgn = nullable(pdk.sgn)
sin = nullable(pdk.sin)
sinh = nullable(pdk.sinh)
sqrt = nullable(pdk.sqrt)
subtract = nullable(pdk.subtract)
tan = nullable(pdk.tan)
tanh = nullable(pdk.tanh)
ln = nullable(pdk.ln)


@nullable
def arctan2(y: Any, x: Any) -> Any:
    """openEO process ``arctan2``."""
    return np.arctan2(y, x)


@nullable
def log(x: Any, base: Any) -> Any:
    """openEO process ``log``."""
    return pdk.log(x, base)


@nullable
def power(base: Any, p: Any) -> Any:
    """openEO process ``power``."""
    return pdk.power(base, p)


@nullable
def mod(x: Any, y: Any) -> Any:
    """openEO process ``mod``: the result takes the sign of the divisor, like numpy's."""
    if not is_array(y) and y == 0:  # the spec allows ±Infinity or DivisionByZero; JSON has no ∞
        raise ProcessParameterInvalid(process="mod", parameter="y", reason="division by zero")
    return pdk.mod(x, y)


@nullable
def round_(x: Any, p: int = 0) -> Any:
    """openEO process ``round``: half to even (IEEE 754)."""
    return pdk._round(x, p)


@nullable
def normalized_difference(x: Any, y: Any) -> Any:
    """openEO process ``normalized_difference``."""
    return pdk.normalized_difference(x, y)


def _reducer(func: Callable) -> Callable:
    """A processes-dask reducer accepting JSON lists with ``null`` (as NaN)."""

    @functools.wraps(func)
    def wrapper(data, ignore_nodata: bool = True, axis=None, keepdims: bool = False, **kwargs):
        if holds_arrays(data):
            return func(data, ignore_nodata=ignore_nodata, axis=axis, keepdims=keepdims, **kwargs)
        values = as_float_array(list(data))
        if values is None:
            raise ValueError("data must be an array of numbers")
        if values.size == 0 or (not ignore_nodata and np.isnan(values).any()):
            return None
        if ignore_nodata:
            values = values[~np.isnan(values)]
            if values.size == 0:
                return None
        with np.errstate(all="ignore"):
            return nan_to_none(func(values, ignore_nodata=ignore_nodata, **kwargs))

    return wrapper


max_ = _reducer(pdk._max)
mean = _reducer(pdk.mean)
median = _reducer(pdk.median)
min_ = _reducer(pdk._min)
product = _reducer(pdk.product)
sd = _reducer(pdk.sd)
sum_ = _reducer(pdk._sum)
variance = _reducer(pdk.variance)


def clip(x: Any, min: Any, max: Any) -> Any:
    """openEO process ``clip``: ``null`` stays ``null``."""
    if x is None:
        return None
    if min is not None and max is not None and min > max:
        raise ProcessParameterInvalid(
            process="clip", parameter="max", reason="the minimum is greater than the maximum"
        )
    with np.errstate(all="ignore"):
        return plain(pdk.clip(x, min, max))


def linear_scale_range(
    x: Any,
    inputMin: Any,
    inputMax: Any,
    outputMin: Any = 0.0,
    outputMax: Any = 1.0,
) -> Any:
    """openEO process ``linear_scale_range``: ``null`` stays ``null``."""
    if x is None:
        return None
    with np.errstate(all="ignore"):
        return plain(pdk.linear_scale_range(x, inputMin, inputMax, outputMin, outputMax))
