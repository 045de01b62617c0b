"""The output cube of a run: in memory when small, else a file-backed map the OS can page out."""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path

import numpy as np

SPILL_BYTES = 512 * 2**20
"""Default size above which a run's output is file-backed."""


def output_array(shape: tuple[int, ...], spill_bytes: int, spill_dir: Path | None = None):
    """A float32 array of NaN, file-backed (``np.memmap``) above ``spill_bytes``.

    A whole tile over a year is ~2.6 GB of float32 (1120² px × 73 dates × 7 bands): held in
    memory it would bound a tile worker's concurrency by RAM. Mapped from an unlinked temporary
    file, completed dates are written back to disk and paged out by the kernel, and nothing is
    left behind when the process ends or is killed.

    Args:
        shape: Array shape.
        spill_bytes: Size above which the array is file-backed.
        spill_dir: Directory of the temporary file (default: the system's temporary directory).
    """
    if 4 * math.prod(shape) <= spill_bytes:
        return np.full(shape, np.nan, np.float32)
    fd, name = tempfile.mkstemp(prefix="canopy-vp-", suffix=".f32", dir=spill_dir)
    try:
        os.ftruncate(fd, 4 * math.prod(shape))
        out = np.memmap(name, dtype=np.float32, mode="r+", shape=shape)
    finally:
        os.close(fd)
        os.unlink(name)  # the mapping keeps the data alive
    out[...] = np.nan
    return out
