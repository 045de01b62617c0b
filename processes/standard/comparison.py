"""Comparison processes: spec semantics on plain values, processes-dask's on arrays."""

from __future__ import annotations

import math
import unicodedata
from typing import Any

from openeo_processes_dask.process_implementations import comparison as pdk
from openeo_processes_dask.process_implementations.cubes.utils import isnull

from processes.standard import values
from processes.standard.values import is_array, is_boolean, is_number


def _compare(x: Any, y: Any, op) -> bool | None:
    # gt/gte/lt/lte: null for no-data, false unless both are numbers (openEO 2.0)
    if x is None or y is None:
        return None
    if not (is_number(x) and is_number(y)):
        return False
    return bool(op(x, y))


def gt(x: Any, y: Any) -> Any:
    """openEO process ``gt``."""
    if is_array(x) or is_array(y):
        return pdk.gt(x, y)
    return _compare(x, y, lambda a, b: a > b)


def gte(x: Any, y: Any) -> Any:
    """openEO process ``gte``."""
    if is_array(x) or is_array(y):
        return pdk.gte(x, y)
    return _compare(x, y, lambda a, b: a >= b)


def lt(x: Any, y: Any) -> Any:
    """openEO process ``lt``."""
    if is_array(x) or is_array(y):
        return pdk.lt(x, y)
    return _compare(x, y, lambda a, b: a < b)


def lte(x: Any, y: Any) -> Any:
    """openEO process ``lte``."""
    if is_array(x) or is_array(y):
        return pdk.lte(x, y)
    return _compare(x, y, lambda a, b: a <= b)


def _casefold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def eq(x: Any, y: Any, delta: float | None = None, case_sensitive: bool = True) -> Any:
    """openEO process ``eq``: strict types, ``delta`` for numbers, case folding for strings."""
    if is_array(x) or is_array(y):
        return pdk.eq(x, y, delta=delta, case_sensitive=case_sensitive)
    if x is None or y is None:
        return None
    if is_number(x) and is_number(y):
        if delta is not None:
            return bool(abs(x - y) <= delta)
        return bool(x == y)
    if isinstance(x, str) and isinstance(y, str):
        return x == y if case_sensitive else _casefold(x) == _casefold(y)
    if is_boolean(x) and is_boolean(y):
        return bool(x) == bool(y)
    if type(x) is type(y):  # arrays and objects compare by value
        return x == y
    return False


def neq(x: Any, y: Any, delta: float | None = None, case_sensitive: bool = True) -> Any:
    """openEO process ``neq``."""
    if is_array(x) or is_array(y):
        return pdk.neq(x, y, delta=delta, case_sensitive=case_sensitive)
    equal = eq(x, y, delta=delta, case_sensitive=case_sensitive)
    return None if equal is None else not equal


def between(x: Any, min: Any, max: Any, exclude_max: bool = False) -> Any:
    """openEO process ``between``: false for swapped bounds."""
    if is_array(x):
        return pdk.between(x, min, max, exclude_max=exclude_max)
    if x is None:
        return None
    if not (is_number(x) and is_number(min) and is_number(max)) or min > max:
        return False
    return bool(min <= x < max) if exclude_max else bool(min <= x <= max)


def is_nan(x: Any) -> Any:
    """openEO process ``is_nan``: true for everything that is not a number (and for NaN)."""
    if is_array(x):
        return pdk.is_nan(x)
    return not is_number(x) or math.isnan(x)


def is_nodata(x: Any) -> Any:
    """openEO process ``is_nodata``."""
    if is_array(x):
        return isnull(x)
    return x is None


def is_valid(x: Any) -> Any:
    """openEO process ``is_valid``: not no-data and, for numbers, finite."""
    if is_array(x):
        return pdk.is_valid(x)
    if x is None:
        return False
    return math.isfinite(x) if is_number(x) else True


def is_infinite(x: Any) -> Any:
    """openEO process ``is_infinite``."""
    if is_array(x):
        return pdk.is_infinite(x)
    return is_number(x) and not values.is_nodata(x) and math.isinf(x)
