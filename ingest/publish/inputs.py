"""What is published: retrieval outputs grouped per tile/site, cut to a period, their inputs."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

import numpy as np
import xarray as xr

from processes.exceptions import NoDataAvailable, NotFound, ProcessParameterInvalid
from processes.repackage import RetrievalInfo, read_info, read_retrieval
from processes.repackage.contract import as_dataset, union
from stac import catalog

Source = str | os.PathLike | xr.Dataset
"""A retrieval output: a NetCDF file, a directory of them, or a Dataset in memory."""


@dataclass(frozen=True)
class Period:
    """Requested step dates, both ends inclusive."""

    start: date
    end: date


@dataclass(frozen=True)
class InputItem:
    """An input STAC item as the catalogue holds it."""

    ref: str
    """``<collection>/<item id>``."""
    datetime: datetime
    """Its datetime, or the start of its period (a land-cover map holds for a period)."""
    platform: str
    instrument: str
    end: datetime | None = None
    """End of its period; None for an observation at ``datetime``."""

    def used_in(self, start: datetime, end: datetime) -> bool:
        """Whether a product of the windows [start, end) used it: an observation inside them,
        or a period item (a land-cover map) overlapping them."""
        if self.end is None:
            return start <= self.datetime < end
        return self.datetime < end and self.end >= start


def _files(source: str | os.PathLike) -> list[Path]:
    path = Path(source)
    if path.is_dir():
        return sorted(p for p in path.rglob("*.nc") if p.is_file())
    if not path.is_file():
        raise NoDataAvailable(reason=f"retrieval output {path} does not exist")
    return [path]


def load_outputs(sources: Iterable[Source]) -> list[tuple[xr.Dataset, RetrievalInfo]]:
    """Read and check every retrieval output (directories are walked for ``*.nc``).

    Raises:
        NoDataAvailable: a named file does not exist, or nothing was given.
        ProcessParameterInvalid, BandsMissing: a file breaks the contract.
    """
    out = []
    for source in sources:
        if isinstance(source, xr.Dataset):
            out.append((as_dataset(source), read_info(source.attrs)))
            continue
        out.extend(read_retrieval(p) for p in _files(source))
    if not out:
        raise NoDataAvailable(reason="no retrieval output given")
    return out


def _key(info: RetrievalInfo) -> tuple:
    return (info.kind, info.tile, info.site_id)


def combine(
    outputs: Sequence[tuple[xr.Dataset, RetrievalInfo]],
) -> list[tuple[xr.Dataset, RetrievalInfo]]:
    """Merge outputs of the same tile (or site): spatial chunks and time pieces become one.

    Raises:
        ProcessParameterInvalid: pieces overlap or disagree on window/interval.
    """
    groups: dict[tuple, list[tuple[xr.Dataset, RetrievalInfo]]] = {}
    for ds, info in outputs:
        groups.setdefault(_key(info), []).append((ds, info))
    merged = []
    for key, parts in groups.items():
        infos = [i for _, i in parts]
        if len({(i.window_days, i.interval_days) for i in infos}) > 1:
            raise ProcessParameterInvalid(
                parameter="data", process="repackage_cci",
                reason=f"outputs of {key[0]} {key[2] or key[1]} disagree on window/interval",
            )  # fmt: skip
        if len(parts) == 1:
            merged.append(parts[0])
            continue
        try:
            ds = xr.combine_by_coords(
                [d.drop_attrs() for d, _ in parts], compat="no_conflicts", join="outer",
                combine_attrs="drop",
            )  # fmt: skip
        except ValueError as e:
            raise ProcessParameterInvalid(
                parameter="data", process="repackage_cci",
                reason=f"outputs of {key[0]} {key[2] or key[1]} overlap or conflict: {e}",
            ) from e  # fmt: skip
        info = replace(
            infos[0],
            input_items=union(i.input_items for i in infos),
            job_ids=union(i.job_ids for i in infos),
        )
        merged.append((ds.sortby("t").sortby("y", ascending=False).sortby("x"), info))
    return merged


def restrict(ds: xr.Dataset, info: RetrievalInfo, period: Period) -> xr.Dataset:
    """Keep the steps in ``period``; no ``interval`` days of it may pass without a step.

    Raises:
        NoDataAvailable: naming the uncovered date ranges.
    """
    steps = ds["t"].values.astype("datetime64[D]")
    start, end = np.datetime64(period.start, "D"), np.datetime64(period.end, "D")
    inside = (steps >= start) & (steps <= end)
    step = np.timedelta64(info.interval_days, "D")
    what = f"{info.kind} {info.site_id or info.tile}"
    if not inside.any():
        raise NoDataAvailable(reason=f"no retrieval step of {what} between {start} and {end}")
    kept = steps[inside]
    day = np.timedelta64(1, "D")
    gaps = []
    if kept[0] - start >= step:  # the first slot of the period holds no step
        gaps.append((start, kept[0] - day))
    gaps += [(a + day, b - day) for a, b in itertools.pairwise(kept) if b - a > step]
    if end - kept[-1] >= step:
        gaps.append((kept[-1] + day, end))
    if gaps:
        raise NoDataAvailable(
            reason=f"retrieval outputs of {what} have no step in "
            f"{', '.join(f'{a}..{b}' for a, b in gaps)} (requested {start}..{end}, "
            f"one step every {info.interval_days} days)"
        )
    return ds.isel(t=np.flatnonzero(inside))


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def resolve_inputs(dsn: str, refs: Sequence[str]) -> dict[str, InputItem]:
    """Look the input items up in the catalogue.

    Raises:
        NotFound: naming the items the catalogue does not hold.
    """
    found: dict[str, InputItem] = {}
    by_collection: dict[str, list[str]] = {}
    for ref in refs:
        collection, item_id = ref.split("/")
        by_collection.setdefault(collection, []).append(item_id)
    for collection, ids in by_collection.items():
        page = catalog.search(
            dsn, {"collections": [collection], "ids": ids, "limit": len(ids), "fields": {
                "include": ["id", "collection", "properties.datetime", "properties.platform",
                            "properties.instruments", "properties.start_datetime",
                            "properties.end_datetime"]}},
        )  # fmt: skip
        for f in page.get("features", []):
            p = f["properties"]
            end = p.get("end_datetime")  # an item of a period (a land-cover map)
            found[f"{collection}/{f['id']}"] = InputItem(
                ref=f"{collection}/{f['id']}",
                datetime=_when(p.get("start_datetime") or p["datetime"]),
                platform=p.get("platform", ""),
                instrument=",".join(p.get("instruments", [])),
                end=_when(end) if end else None,
            )
    missing = [r for r in refs if r not in found]
    if missing:
        raise NotFound(
            f"input items named by the retrieval outputs are not in the catalogue: "
            f"{', '.join(missing[:5])}{' …' if len(missing) > 5 else ''}",
            path=missing[0],
        )
    return found
