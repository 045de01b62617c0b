"""A restarted task's results: the restart's dates merged into the earlier run's files.

A restart of an INCOMPLETE task produces only its failed dates, and a run publishes by
replacing ``results/`` (the earlier run moved to ``runs/<n>/``). So that the job's results
show every date once, the new files are merged with the same-named files of the latest
earlier run before they are published: the restart's dates replace those dates, the others
are kept.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from processes.cubes.describe import describe_asset


def latest_run(job_dir: Path) -> Path | None:
    """The most recent ``runs/<n>/`` of a job, or None."""
    runs = job_dir / "runs"
    numbered = [p for p in runs.iterdir() if p.name.isdigit()] if runs.is_dir() else []
    return max(numbered, key=lambda p: int(p.name)) if numbered else None


def merge_into(new: Path, old: Path) -> bool:
    """Rewrite the NetCDF ``new`` as ``old`` with the dates of ``new`` replacing its own.

    The cube's ``failed_dates`` attribute is recomputed: the old failures not produced again,
    plus the new ones. Files on different grids (a restart that changed the area) or with
    other variables are left as they are (returns False).
    """
    with xr.open_dataset(old) as a, xr.open_dataset(new) as b:
        a, b = a.load(), b.load()
    same_grid = all(
        a[d].shape == b[d].shape and np.allclose(a[d].values, b[d].values) for d in ("y", "x")
    )
    if not same_grid or set(a.data_vars) != set(b.data_vars):
        return False
    redone = np.isin(a["t"].values, b["t"].values)
    timed = [v for v in b.data_vars if "t" in b[v].dims]
    merged = xr.concat(
        [a.isel(t=np.flatnonzero(~redone))[timed], b[timed]],
        dim="t", data_vars="minimal", coords="minimal", compat="override", join="override",
    ).sortby("t")  # fmt: skip
    out = b.drop_vars(timed).drop_dims("t", errors="ignore").merge(merged)
    out.attrs = dict(b.attrs)
    days = {f"{t}"[:10] for t in b["t"].values}
    failed = {d for d in _words(a.attrs.get("failed_dates")) if d not in days}
    out.attrs["failed_dates"] = ",".join(sorted(failed | set(_words(b.attrs.get("failed_dates")))))
    encoding = {name: dict(b[name].encoding) for name in out.variables if name in b.variables}
    for name in timed:
        encoding[name] = dict(b[name].encoding)
    encoding = {k: {e: v for e, v in enc.items() if e in _KEPT} for k, enc in encoding.items()}
    part = new.with_name(f".{new.name}.merge.part")
    out.to_netcdf(part, engine="netcdf4", format="NETCDF4", encoding=encoding)
    part.replace(new)
    return True


_KEPT = {"zlib", "complevel", "_FillValue", "units", "calendar", "dtype"}
"""Encoding keys carried from the new file to the merged one."""


def _words(value: Any) -> list[str]:
    return [w for w in str(value or "").replace(",", " ").split() if w]


def merge_restart(job_dir: Path, out_dir: Path, files: list[dict[str, Any]]) -> list[str]:
    """Merge a restart's NetCDF results in ``out_dir`` with the latest earlier run's.

    Args:
        job_dir: ``<jobs dir>/<job id>``.
        out_dir: Where the restart wrote its files (not yet published).
        files: Their descriptions; merged files are described again in place.

    Returns:
        The names of the files merged (a file on another grid than the earlier one stays
        the restart's own).
    """
    earlier = latest_run(job_dir)
    if earlier is None:
        return []
    merged = []
    for k, file in enumerate(files):
        new = out_dir / Path(file["href"]).name
        old = earlier / new.name
        if new.suffix != ".nc" or not old.is_file() or not merge_into(new, old):
            continue
        files[k] = describe_asset(new)
        merged.append(new.name)
    return merged
