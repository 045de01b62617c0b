"""Text processes on plain values."""

from __future__ import annotations

import json
from typing import Any

from processes.standard.values import is_boolean


def _text(value: Any) -> str:
    if value is None or is_boolean(value):
        return json.dumps(bool(value) if value is not None else None)
    if isinstance(value, float) and value.is_integer():
        return repr(value)
    return str(value)


def text_concat(data: list, separator: Any = "") -> str:
    """openEO process ``text_concat``: values as their JSON text (``null``, ``true``...)."""
    return _text(separator).join(_text(v) for v in data)
