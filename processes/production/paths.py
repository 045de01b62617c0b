"""The two execution paths: site (one process, dates in order) and tile (chunks on Dask)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import dask
import numpy as np

from processes.production.outcome import DateOutcome, RunReport
from processes.production.plan import Chunk, Plan
from processes.production.snapshot import SnapshotCatalogue
from processes.production.spill import SPILL_BYTES, output_array
from processes.production.step import (
    OUTPUTS,
    Carry,
    StepResult,
    StepSpec,
    chunk_climatology,
    run_step,
)

OnDate = Callable[[datetime, bool, "str | None"], None]
"""``callback(date, ok, error)``: called once per step date when all its chunks are done."""

FirstCarry = Callable[[Chunk], Carry]
"""The carry a chunk starts its chain from (a state saved by an earlier run)."""


@dataclass(frozen=True)
class MergedDate:
    """One date of the whole ROI, merged from its chunks."""

    values: np.ndarray
    """``(len(OUTPUTS), y, x)`` float32."""
    ok: bool
    """Every chunk produced the date."""
    error: str | None
    """First chunk error."""
    load_s: float
    """Loading seconds summed over chunks."""
    retrieval_s: float
    """Inversion seconds summed over chunks."""
    merge_s: float
    """Seconds this merge took."""


def merge_date(
    shape: tuple[int, int], places: Sequence[tuple[slice, slice]], results: Sequence[StepResult]
) -> MergedDate:
    """Place each chunk's outputs of one date in the ROI array."""
    t0 = time.perf_counter()
    out = np.full((len(OUTPUTS), *shape), np.nan, np.float32)
    for (rows, cols), res in zip(places, results, strict=True):
        out[:, rows, cols] = res.values
    errors = [r.error for r in results if not r.ok]
    return MergedDate(
        out, not errors, errors[0] if errors else None,
        sum(r.load_s for r in results), sum(r.retrieval_s for r in results),
        time.perf_counter() - t0,
    )  # fmt: skip


def _record(report: RunReport, date: datetime, merged: MergedDate, on_date: OnDate | None):
    report.outcomes.append(DateOutcome(date, merged.ok, merged.error))
    report.seconds["load"] += merged.load_s
    report.seconds["retrieval"] += merged.retrieval_s
    report.seconds["merge"] += merged.merge_s
    if on_date is not None:
        on_date(date, merged.ok, merged.error)


def run_site(
    snapshot: SnapshotCatalogue,
    spec: StepSpec,
    plan: Plan,
    on_date: OnDate | None = None,
    first: FirstCarry | None = None,
    keep: bool = False,
    spill_bytes: int = SPILL_BYTES,
    spill_dir: Path | None = None,
) -> tuple[np.ndarray, RunReport]:
    """Every date in order in this process, the whole ROI as one chunk (no cluster).

    Args:
        snapshot, spec, plan, on_date: As for :func:`run_tile`.
        first: The carry a chunk starts from (default: none, climatology).
        keep: Keep the last carry in ``report.final``.
        spill_bytes: Output size above which it is file-backed (:func:`output_array`).
        spill_dir: Directory of that file (default: the system's temporary directory).

    Returns:
        ``(values (t, len(OUTPUTS), y, x) float32, report)``.
    """
    report = RunReport(mode="site", chunks=1)
    chunk = plan.chunk(slice(None), slice(None))
    out = output_array((len(plan.steps), len(OUTPUTS), *plan.shape), spill_bytes, spill_dir)
    carry: Carry | None = first(chunk) if first else None
    clim = chunk_climatology(plan.landcover)
    for k, date in enumerate(plan.steps):
        res, carry = run_step(snapshot, spec, chunk, date, carry, clim)
        out[k] = res.values
        _record(report, date, merge_date(plan.shape, [(slice(None), slice(None))], [res]), on_date)
    if keep and carry is not None:
        report.final = [(chunk, carry)]
    return out, report


def _key(tag: str, k: int, chunk: Chunk) -> str:
    """Task key of date ``k`` of a chunk (readable in dashboards and task streams)."""
    return f"vp-step-{tag}-{k}-{chunk.rows.start}-{chunk.cols.start}"


def tile_graph(
    snapshot: SnapshotCatalogue,
    spec: StepSpec,
    plan: Plan,
    chunks: Sequence[Chunk],
    first: FirstCarry | None = None,
) -> tuple[list, list]:
    """Delayed merges, one per date: each chunk a chain of steps carrying its posterior.

    Returns:
        ``(merges, last carries)``: one merge per date, one delayed carry per chunk.
    """
    tag = uuid.uuid4().hex
    snap = dask.delayed(snapshot, name=f"vp-snapshot-{tag}")
    shared = dask.delayed(spec, name=f"vp-spec-{tag}")
    step = dask.delayed(run_step, nout=2, pure=False)
    per_chunk: list[list] = []
    lasts = []
    for chunk in chunks:
        carry, results = (first(chunk) if first else None), []
        clim = None
        if plan.landcover is not None:
            # one task per chunk builds its climatology from its slice of the map (the graph
            # holds each slice once, not the map); every date of the chunk depends on it
            codes = plan.landcover[chunk.rows, chunk.cols]
            key = f"vp-clim-{tag}-{chunk.rows.start}-{chunk.cols.start}"
            clim = dask.delayed(chunk_climatology, pure=False)(codes, dask_key_name=key)
        for k, date in enumerate(plan.steps):
            # breadth-first: every chunk's date k before any date k + 1, so dates (and the
            # job's progress) complete one by one instead of all at the very end
            with dask.annotate(priority=-k):
                res, carry = step(
                    snap, shared, chunk, date, carry, clim, dask_key_name=_key(tag, k, chunk)
                )
            results.append(res)
        per_chunk.append(results)
        lasts.append(carry)
    places = [(c.rows, c.cols) for c in chunks]
    merge = dask.delayed(merge_date, pure=False)
    merges = [
        merge(plan.shape, places, [results[k] for results in per_chunk])
        for k in range(len(plan.steps))
    ]
    return merges, lasts


def run_tile(
    snapshot: SnapshotCatalogue,
    spec: StepSpec,
    plan: Plan,
    chunk_size: int,
    client=None,
    scheduler: str | None = None,
    on_date: OnDate | None = None,
    first: FirstCarry | None = None,
    keep: bool = False,
    spill_bytes: int = SPILL_BYTES,
    spill_dir: Path | None = None,
) -> tuple[np.ndarray, RunReport]:
    """Chunks in parallel on Dask, each chunk's dates in order, the chunks of a date merged.

    Args:
        snapshot: Catalogue of the input items.
        spec: Step settings.
        plan: Grid and dates.
        chunk_size: Pixels per chunk side (a task holds one chunk's window, not the tile's).
        client: A ``distributed.Client``; dates are reported as they complete.
        scheduler: Local dask scheduler without a client (default ``threads``); dates are
            reported at the end.
        on_date: Per-date outcome callback.
        first: The carry each chunk starts from (default: none, climatology).
        keep: Keep every chunk's last carry in ``report.final``.
        spill_bytes: Output size above which it is file-backed (:func:`output_array`).
        spill_dir: Directory of that file (default: the system's temporary directory).

    Returns:
        ``(values (t, len(OUTPUTS), y, x) float32, report)``.
    """
    chunks = plan.chunks(chunk_size)
    report = RunReport(mode="tile", chunks=len(chunks))
    out = output_array((len(plan.steps), len(OUTPUTS), *plan.shape), spill_bytes, spill_dir)
    merges, lasts = tile_graph(snapshot, spec, plan, chunks, first)
    done: dict[int, MergedDate] = {}
    if client is not None:
        from distributed import as_completed

        futures = client.compute(merges)
        kept = client.compute(lasts) if keep else []
        index = {f.key: k for k, f in enumerate(futures)}
        for future in as_completed(futures, loop=client.loop):
            k = index[future.key]
            done[k] = future.result()
            out[k] = done[k].values
            _record(report, plan.steps[k], done[k], on_date)
            future.release()
        report.outcomes.sort(key=lambda o: o.date)
        if keep:
            report.final = list(zip(chunks, client.gather(kept), strict=True))
    else:
        computed = dask.compute(*merges, *(lasts if keep else ()), scheduler=scheduler or "threads")
        for k, merged in enumerate(computed[: len(merges)]):
            out[k] = merged.values
            _record(report, plan.steps[k], merged, on_date)
        if keep:
            report.final = list(zip(chunks, computed[len(merges) :], strict=True))
    return out, report
