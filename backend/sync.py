"""Limits of synchronous processing: a size budget on loaded cubes and a compute deadline."""

from __future__ import annotations

import math
import threading
import time
from typing import Any

import dask
from dask.callbacks import Callback

from processes.exceptions import ProcessGraphComplexity, RequestTimeout


class SyncLimits:
    """Enforces ``max_values`` on what a graph loads and ``timeout_s`` on its computation.

    Loaded cubes are counted as they are created (``on_load``), so an oversized request stops
    before any pixel is read. The deadline is checked before every Dask task starts, which stops
    a late computation within one task instead of letting it run on unobserved.
    """

    def __init__(self, max_values: int, timeout_s: float) -> None:
        self.max_values = max_values
        self.timeout_s = timeout_s
        self.deadline = time.monotonic() + timeout_s
        self.loaded = 0
        self._lock = threading.Lock()

    def on_load(self, cube: Any) -> None:
        """Count a loaded cube; ProcessGraphComplexity once the budget is exceeded."""
        size = int(getattr(cube, "size", 0) or math.prod(getattr(cube, "shape", ()) or (0,)))
        with self._lock:
            self.loaded += size
            loaded = self.loaded
        if loaded > self.max_values:
            raise ProcessGraphComplexity(
                reason=f"{loaded:,} values (pixels × dates × bands) requested, the limit for "
                f"synchronous requests is {self.max_values:,}"
            )

    def check_deadline(self) -> None:
        """RequestTimeout once the deadline has passed."""
        if time.monotonic() > self.deadline:
            raise RequestTimeout(seconds=round(self.timeout_s))

    def compute(self, *collections: Any, **_: Any) -> Any:
        """``dask.compute`` on the local threads, stopped at the deadline."""
        self.check_deadline()
        with self.deadline_callback():
            return dask.compute(*collections)

    def deadline_callback(self) -> Callback:
        """A Dask callback context that stops any local computation at the deadline."""
        return _Deadline(self)


class _Deadline(Callback):
    def __init__(self, limits: SyncLimits) -> None:
        super().__init__()
        self.limits = limits

    def _pretask(self, key, dsk, state) -> None:
        self.limits.check_deadline()
