"""Logical processes with openEO's three-valued truth tables on plain values."""

from __future__ import annotations

from typing import Any

import numpy as np
from openeo_processes_dask.process_implementations import logic as pdk

from processes.standard.values import holds_arrays, is_array, is_nodata


def _bool(value: Any) -> bool | None:
    return None if is_nodata(value) else bool(value)


def and_(x: Any, y: Any) -> Any:
    """openEO process ``and``."""
    if is_array(x) or is_array(y):
        return pdk._and(x, y)
    a, b = _bool(x), _bool(y)
    if a is False or b is False:
        return False
    return None if a is None or b is None else True


def or_(x: Any, y: Any) -> Any:
    """openEO process ``or``."""
    if is_array(x) or is_array(y):
        return pdk._or(x, y)
    a, b = _bool(x), _bool(y)
    if a is True or b is True:
        return True
    return None if a is None or b is None else False


def xor(x: Any, y: Any) -> Any:
    """openEO process ``xor``."""
    if is_array(x) or is_array(y):
        return pdk.xor(x, y)
    a, b = _bool(x), _bool(y)
    return None if a is None or b is None else a != b


def not_(x: Any) -> Any:
    """openEO process ``not``."""
    if is_array(x):
        return pdk._not(x)
    a = _bool(x)
    return None if a is None else not a


def if_(value: Any, accept: Any, reject: Any = None) -> Any:
    """openEO process ``if``: only ``true`` accepts; ``null`` rejects."""
    if is_array(value):
        return pdk._if(value, accept, np.nan if reject is None else reject)
    return accept if value is True else reject


def all_(data: Any, ignore_nodata: bool = True, axis=None, keepdims: bool = False) -> Any:
    """openEO process ``all``."""
    if holds_arrays(data):
        return pdk._all(data, ignore_nodata=ignore_nodata, axis=axis, keepdims=keepdims)
    values = [_bool(v) for v in data]
    if False in values:
        return False
    if None in values and not ignore_nodata:
        return None
    return True if any(v is not None for v in values) else None


def any_(data: Any, ignore_nodata: bool = True, axis=None, keepdims: bool = False) -> Any:
    """openEO process ``any``."""
    if holds_arrays(data):
        return pdk._any(data, ignore_nodata=ignore_nodata, axis=axis, keepdims=keepdims)
    values = [_bool(v) for v in data]
    if True in values:
        return True
    if None in values and not ignore_nodata:
        return None
    return False if any(v is not None for v in values) else None
