"""The openEO process ``vp_lai_fapar``: inputs in the catalogue → a LAI/fAPAR cube."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import xarray as xr

from processes.cubes.catalogue import Catalogue
from processes.exceptions import (
    CollectionNotFound,
    Internal,
    NoDataAvailable,
    ProcessParameterInvalid,
)
from processes.production import chain
from processes.production.landcover import read_landcover
from processes.production.outcome import RunReport
from processes.production.params import PROCESS, Request, request
from processes.production.paths import FirstCarry, OnDate, run_site, run_tile
from processes.production.plan import make_plan, no_data_reason
from processes.production.settings import ProductionSettings
from processes.production.snapshot import SnapshotCatalogue
from processes.production.step import OUTPUTS, StepSpec
from processes.retrieval.window import RetrievalConfig

__all__ = ["PROCESS", "make_vp_lai_fapar", "plan_production", "run_production"]


def _snapshot(catalogue: Catalogue, req: Request) -> SnapshotCatalogue:
    collections = {}
    for sid in req.sensors:
        doc = catalogue.collection(sid)
        if doc is None:
            raise CollectionNotFound(collection_id=sid)
        if not doc.get("vp"):
            raise ProcessParameterInvalid(
                parameter="sensors", process=PROCESS,
                reason=f"'{sid}' is not an L2B sensor collection (it has no 'vp' block)",
            )  # fmt: skip
        collections[sid] = doc
    half = req.half_window
    snap = SnapshotCatalogue.take(
        catalogue, collections, req.extent.wgs84(), req.start - half, req.end + half
    )
    if snap.count() == 0:
        raise NoDataAvailable(reason=no_data_reason(req))
    return snap


def _cube(values: np.ndarray, plan, report: RunReport) -> xr.DataArray:
    coords = {
        "t": np.array([np.datetime64(d.replace(tzinfo=None), "ns") for d in plan.steps]),
        "bands": list(OUTPUTS), "y": plan.ys, "x": plan.xs,
    }  # fmt: skip
    cube = xr.DataArray(values, dims=("t", "bands", "y", "x"), coords=coords, name="vp_lai_fapar")
    if plan.crs:
        cube = cube.rio.write_crs(plan.crs)
    cube.attrs = {
        "crs": plan.crs,
        "source": "vp_lai_fapar: OptiSAIL-like retrieval (PROSPECT-D + 4SAIL), Canopy",
        "fapar": "black-sky at local solar noon",
        "failed_dates": ",".join(f"{d:%Y-%m-%d}" for d in report.failed),
        "landcover": report.landcover,
    }
    return cube


def plan_production(
    catalogue: Catalogue,
    geometry: Any,
    start: Any,
    end: Any,
    interval: Any = "5D",
    window: Any = "10D",
    sensors: Sequence[str] | None = None,
    mode: str = "auto",
    chunk_size: int | None = None,
    **_: Any,
) -> tuple[int, int, int]:
    """What a call would produce, without retrieving: ``(dates, rows, columns)``.

    Raises the same argument and data errors as :func:`run_production`.
    """
    req = request(
        geometry, start, end, interval, window, sensors, mode,
        chunk_size if chunk_size is not None else ProductionSettings().chunk_size,
    )  # fmt: skip
    plan = make_plan(req, _snapshot(catalogue, req))
    return len(plan.steps), plan.shape[0], plan.shape[1]


def run_production(
    catalogue: Catalogue,
    geometry: Any,
    start: Any,
    end: Any,
    interval: Any = "5D",
    window: Any = "10D",
    sensors: Sequence[str] | None = None,
    mode: str = "auto",
    chunk_size: int | None = None,
    dates: Sequence[Any] | None = None,
    *,
    client=None,
    scheduler: str | None = None,
    on_date: OnDate | None = None,
    settings: ProductionSettings | None = None,
    hooks: chain.ChainHooks | None = None,
) -> tuple[xr.DataArray, RunReport]:
    """Run ``vp_lai_fapar`` and also return how it went (job runners and benchmarks).

    Args:
        catalogue: Where the sensor collections and their items are.
        geometry: ROI: a bounding box ``{west, south, east, north, crs}`` or GeoJSON.
        start: First step date.
        end: End of the period (excluded).
        interval: Step between dates (``"5D"``).
        window: Full width of each date's observation window (``"10D"`` = ±5 days).
        sensors: Sensor collection ids whose observations are pooled.
        mode: ``site`` (one process, dates in order), ``tile`` (chunks on Dask) or ``auto``
            (site up to ``settings.site_max_pixels`` ROI pixels).
        chunk_size: Chunk side in pixels on the tile path (default from settings).
        dates: Step dates to produce (default: all). Earlier step dates still run, so the
            prior reaching each listed date is the one of a full run; later ones are skipped.
            Restarts of INCOMPLETE tasks use it to produce only their failed dates.
        client: ``distributed.Client`` of the tile path (else a local scheduler).
        scheduler: Local dask scheduler of the tile path without a client.
        on_date: ``callback(date, ok, error)`` once per produced step date.
        settings: Operator settings (default: from the environment).
        hooks: Where a job keeps the chain's state between runs, and its progress callback.

    Returns:
        ``(cube, report)``: the cube ``(t, bands, y, x)`` float32 with :data:`OUTPUTS` bands
        (NaN on failed dates, listed in the ``failed_dates`` attribute; only ``dates`` when
        given; the ``landcover`` attribute names the collection whose map gave the priors, or
        ``none``) and the run report (outcomes of the produced dates only).

    Raises:
        CollectionNotFound: an unknown sensor collection.
        NoDataAvailable: no input item of any sensor in the ROI and period.
        ProcessParameterRequired, ProcessParameterInvalid: bad arguments (also a ``dates``
            entry that is not a step date).
        Internal: every date failed (the first error is the message).
    """
    settings = settings or ProductionSettings()
    t0 = time.perf_counter()
    req = request(
        geometry, start, end, interval, window, sensors, mode,
        chunk_size if chunk_size is not None else settings.chunk_size, dates,
    )  # fmt: skip
    snapshot = _snapshot(catalogue, req)
    plan = make_plan(req, snapshot)
    if not plan.steps:
        raise NoDataAvailable(reason=no_data_reason(req))
    wanted = _wanted(req, plan)
    if wanted is not None:
        # the chain stops after the last wanted date; earlier dates run for their posterior
        plan = dataclasses.replace(plan, steps=plan.steps[: max(wanted) + 1])
    hooks = hooks or chain.ChainHooks()
    landcover = read_landcover(catalogue, settings.landcover_collection, plan, req.start)
    hooks.on_note(landcover.note)
    plan = dataclasses.replace(plan, landcover=landcover.codes)
    first, skip = _resume(hooks, req, plan, wanted)
    if skip:
        plan = dataclasses.replace(plan, steps=plan.steps[skip:])
        wanted = [k - skip for k in wanted or ()]
    produced = plan.steps if wanted is None else [plan.steps[k] for k in wanted]
    on_date = _only(on_date, set(produced), hooks.on_progress)
    spec = StepSpec(
        req.sensors, req.half_window, RetrievalConfig(max_iter=settings.max_iterations),
        settings.srf_step,
    )  # fmt: skip
    path = req.mode
    if path == "auto":
        path = "site" if plan.shape[0] * plan.shape[1] <= settings.site_max_pixels else "tile"
    planned = time.perf_counter() - t0
    keep = hooks.save_to is not None
    spill = {"spill_bytes": settings.spill_bytes, "spill_dir": settings.spill_dir}
    if path == "site":
        values, report = run_site(snapshot, spec, plan, on_date, first, keep, **spill)
    else:
        values, report = run_tile(
            snapshot, spec, plan, req.chunk_size, client, scheduler, on_date, first, keep, **spill
        )
    report.seconds["plan"] = planned
    report.landcover = landcover.source
    if keep:
        _save_state(hooks, plan, report)
    if wanted is not None:
        values = values[wanted]
        report.outcomes = [o for o in report.outcomes if o.date in set(req.dates)]
        plan = dataclasses.replace(plan, steps=req.dates)
    if report.outcomes and all(not o.ok for o in report.outcomes):
        raise Internal(reason=f"{PROCESS}: no date succeeded; first error: "
                       f"{report.outcomes[0].error}")  # fmt: skip
    return _cube(values, plan, report), report


def _wanted(req: Request, plan) -> list[int] | None:
    """Indices of the requested step dates (None: all of them)."""
    if not req.dates:
        return None
    index = {d: k for k, d in enumerate(plan.steps)}
    missing = [f"{d:%Y-%m-%d}" for d in req.dates if d not in index]
    if missing:
        raise ProcessParameterInvalid(
            parameter="dates", process=PROCESS,
            reason=f"{', '.join(missing)} not among the step dates "
            f"(start {req.start:%Y-%m-%d}, every {req.interval} days, before {req.end:%Y-%m-%d})",
        )  # fmt: skip
    return [index[d] for d in req.dates]


def _only(
    on_date: OnDate | None, dates: set, on_progress: Callable[[int, int], None] | None = None
) -> OnDate | None:
    """The callback, called for the produced dates only, and progress after each of them."""
    if on_date is None and on_progress is None:
        return None
    done: set = set()

    def report(date, ok, error=None):
        if date not in dates:
            return
        if on_date is not None:
            on_date(date, ok, error)
        done.add(date)
        if on_progress is not None:
            on_progress(len(done), len(dates))

    return report


def _resume(
    hooks: chain.ChainHooks, req: Request, plan, wanted: list[int] | None
) -> tuple[FirstCarry | None, int]:
    """Where the chain starts: ``(first carry, steps skipped)`` from the hooks' prior state.

    The prior is used when its date is the step before one of the plan's steps and no wanted
    date lies before that step; the steps before it (a spin-up) are then skipped.
    """
    if hooks.prior is None:
        return None, 0
    try:
        state = chain.ChainState.load(hooks.prior)
    except (OSError, ValueError, KeyError) as e:
        hooks.on_note(f"no usable prior state ({type(e).__name__}); the chain spins up.")
        return None, 0
    k = chain.resume_index(state, plan.steps, req.interval)
    first_wanted = 0 if wanted is None else min(wanted)
    if not state.matches(plan) or k is None or k > first_wanted:
        hooks.on_note(
            f"the prior state of {state.date:%Y-%m-%d} does not precede this run's dates on "
            "its grid; the chain spins up."
        )
        return None, 0
    hooks.on_note(
        f"starting from the posterior of {state.date:%Y-%m-%d}"
        + (f" (spin-up of {k} step(s) skipped)." if k else ".")
    )
    return state.carry_for, k


def _save_state(hooks: chain.ChainHooks, plan, report: RunReport) -> None:
    """Write the final posterior for a later run (nothing when no chunk has one)."""
    state = chain.ChainState.from_carries(plan, plan.steps[-1], report.final)
    if state is None or hooks.save_to is None:
        hooks.on_note("no posterior to keep for a later run.")
        return
    state.save(hooks.save_to)
    hooks.on_note(f"posterior of {state.date:%Y-%m-%d} kept for the next run.")


def make_vp_lai_fapar(
    catalogue: Catalogue,
    *,
    client=None,
    scheduler: str | None = None,
    on_date: OnDate | None = None,
    settings: ProductionSettings | None = None,
    hooks: chain.ChainHooks | None = None,
) -> Callable[..., xr.DataArray]:
    """Bind ``vp_lai_fapar`` to a catalogue (and, for jobs, a Dask client, callbacks and hooks).

    Returns:
        The process function ``vp_lai_fapar(geometry, start, end, interval, window, sensors,
        mode, chunk_size, dates)`` (spec: processes/specs/vp_lai_fapar.json).
    """

    def vp_lai_fapar(
        geometry: Any = None,
        start: Any = None,
        end: Any = None,
        interval: Any = "5D",
        window: Any = "10D",
        sensors: Sequence[str] | None = None,
        mode: str = "auto",
        chunk_size: int | None = None,
        dates: Sequence[Any] | None = None,
        **_: Any,
    ) -> xr.DataArray:
        """openEO process ``vp_lai_fapar`` (see :func:`run_production`)."""
        cube, _report = run_production(
            catalogue, geometry, start, end, interval, window, sensors, mode, chunk_size, dates,
            client=client, scheduler=scheduler, on_date=on_date, settings=settings, hooks=hooks,
        )  # fmt: skip
        return cube

    return vp_lai_fapar
