"""The openEO process ``save_result``: compute the cube once, write files atomically, describe them."""

from __future__ import annotations

import json
import math
import os
import uuid
from collections.abc import Callable, MutableSequence, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import dask
import numpy as np
import pandas as pd
import xarray as xr

from processes.cubes.describe import describe_asset
from processes.cubes.formats import GTIFF, JSON, NETCDF, output_format, output_options
from processes.cubes.gtiff import plan_gtiff
from processes.cubes.netcdf import plan_netcdf
from processes.exceptions import ProcessParameterInvalid, StorageFailure

Compute = Callable[..., Sequence[Any]]
"""``dask.compute``-like: takes collections, returns their computed values in a tuple."""
Write = Callable[[Path], None]


def _plain(value: Any) -> Any:
    """A JSON-compatible copy: NaN/inf → null, numpy → Python, dates → ISO 8601."""
    if isinstance(value, xr.DataArray) and value.ndim == 0:
        return _plain(value.values.item() if value.dtype.kind != "M" else value.values)
    if isinstance(value, xr.DataArray):
        return {
            "dims": [str(d) for d in value.dims],
            "coords": {str(d): _plain(value[d].values) for d in value.dims if d in value.coords},
            "data": _plain(value.values),
        }
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "M":  # tolist() would give integers
            return [_plain(v) for v in value]
        return _plain(value.tolist())
    if isinstance(value, np.datetime64 | pd.Timestamp):
        return None if pd.isna(value) else pd.Timestamp(value).isoformat() + "Z"
    if isinstance(value, np.generic):
        return _plain(value.item())
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    root = getattr(value, "root", None)  # pg-parser's time objects
    if root is not None:
        return _plain(root)
    return value


def plan_json(data: Any, options: dict[str, Any]) -> list[tuple[str, Write]]:
    """One ``openEO.json`` holding the value."""
    text = json.dumps(_plain(data), allow_nan=False)

    def write(path: Path) -> None:
        path.write_text(text)

    return [("openEO.json", write)]


PLANNERS = {GTIFF: plan_gtiff, NETCDF: plan_netcdf, JSON: plan_json}


def _free_name(directory: Path, name: str, taken: set[str]) -> str:
    """``name``, or ``stem_2.ext``... when a file (of an earlier save_result) has it."""
    stem, dot, ext = name.rpartition(".")
    candidate, k = name, 1
    while candidate in taken or (directory / candidate).exists():
        k += 1
        candidate = f"{stem}_{k}{dot}{ext}"
    taken.add(candidate)
    return candidate


def write_atomically(directory: Path, plans: Sequence[tuple[str, Write]]) -> list[Path]:
    """Write every planned file under a temporary name, then rename them all.

    A failure removes the temporary files: either all files appear, complete, or none.

    Raises:
        StorageFailure: the file system refused (disk full, permissions...).
    """
    directory.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    staged: list[tuple[Path, Path]] = []
    try:
        for name, write in plans:
            final = directory / _free_name(directory, name, taken)
            temp = directory / f".{final.name}.{uuid.uuid4().hex}.part"
            staged.append((temp, final))
            write(temp)
        for temp, final in staged:
            os.replace(temp, final)
    except BaseException as e:
        for temp, _ in staged:
            temp.unlink(missing_ok=True)
        if isinstance(e, OSError):
            raise StorageFailure(reason=f"{type(e).__name__}: {e}") from e
        raise
    return [final for _, final in staged]


def make_save_result(
    output_dir: str | Path,
    sink: MutableSequence[dict],
    compute: Compute | None = None,
) -> Callable[..., bool]:
    """Bind ``save_result`` to an output directory.

    Args:
        output_dir: where result files are written (created if missing).
        sink: receives :func:`~processes.cubes.describe.describe_asset` of every file written.
        compute: how the cube is computed, ``dask.compute`` by default; a job runner passes one
            that reports progress (e.g. through the distributed client) and can cancel.

    Returns:
        The process function ``save_result(data, format, options)``.
    """
    directory = Path(output_dir)
    run = compute or dask.compute

    def save_result(data: Any, format: str, options: dict | None = None, **_: Any) -> bool:
        """openEO process ``save_result``: where laziness ends.

        Raises:
            FormatUnsupported: ``format`` is not an output format.
            ProcessParameterInvalid: bad options, or data the format cannot hold.
            StorageFailure: writing failed; nothing was left behind.
        """
        fmt = output_format(format)
        opts = output_options(fmt, options)
        if fmt != JSON and not isinstance(data, xr.DataArray):
            raise ProcessParameterInvalid(
                parameter="data",
                process="save_result",
                reason=f"{fmt} needs a raster data cube, got {type(data).__name__}; use JSON",
            )
        if dask.is_dask_collection(data) or isinstance(data, list | tuple | dict):
            (data,) = run(data)
        plans = PLANNERS[fmt](data, opts)
        paths = write_atomically(directory, plans)
        for path in paths:
            sink.append(describe_asset(path))
        return True

    return save_result
