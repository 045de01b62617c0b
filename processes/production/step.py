"""One step of one chunk: load the window's observations, invert them, carry the posterior."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import xarray as xr

from processes.cubes.load_collection import make_load_collection
from processes.exceptions import NoDataAvailable
from processes.production.plan import Chunk
from processes.production.snapshot import SnapshotCatalogue
from processes.retrieval.cube import layout
from processes.retrieval.landcover import class_climatology
from processes.retrieval.prior import Climatology, temporal_prior
from processes.retrieval.process import noon_sza, water_mask, window_observations
from processes.retrieval.window import (
    BIT_NO_OBS,
    BIT_PRIOR_CLIMATOLOGY,
    BIT_PRIOR_PREVIOUS,
    CORE_OUTPUTS,
    PosteriorState,
    RetrievalConfig,
    SensorObservations,
    retrieve_window,
)

OUTPUTS = CORE_OUTPUTS
"""Output bands, in order."""


@dataclass(frozen=True)
class StepSpec:
    """What every step of a run shares."""

    sensors: tuple[str, ...]
    """Sensor collection ids."""
    half_window: timedelta
    """Observations in ``[date − half_window, date + half_window)`` are inverted."""
    config: RetrievalConfig
    """Inversion settings."""
    srf_step: float = 10.0
    """Sampling (nm) of the spectral responses."""


@dataclass(frozen=True)
class Carry:
    """What a chunk passes from one date to the next."""

    posterior: PosteriorState | None = None
    """Posterior of the last produced date (None: climatology)."""
    age: float = 1.0
    """Steps since ``posterior`` (a failed date in between makes it 2, and so on)."""


@dataclass(frozen=True)
class StepResult:
    """The outputs of one chunk and date."""

    date: datetime
    """Step date."""
    values: np.ndarray
    """``(len(OUTPUTS), rows, cols)`` float32; NaN when the step failed."""
    ok: bool = True
    """False when loading or inverting raised."""
    error: str | None = None
    """The error when not ok."""
    load_s: float = 0.0
    """Seconds spent loading."""
    retrieval_s: float = 0.0
    """Seconds spent inverting."""


def load_window(
    snapshot: SnapshotCatalogue, spec: StepSpec, chunk: Chunk, date: datetime
) -> list[xr.DataArray]:
    """Every sensor's observations of the chunk in the window, in memory, on the chunk grid."""
    lo, hi = date - spec.half_window, date + spec.half_window
    load = make_load_collection(snapshot)
    dy = abs(chunk.ys[1] - chunk.ys[0]) / 2 if chunk.ys.size > 1 else 1e-3
    out = []
    for sid in spec.sensors:
        try:
            cube = load(sid, spatial_extent=chunk.extent, temporal_extent=[lo, hi])
        except NoDataAvailable:
            continue
        t = cube.coords["t"].values
        keep = (t >= np.datetime64(lo.replace(tzinfo=None), "ns")) & (
            t < np.datetime64(hi.replace(tzinfo=None), "ns")
        )
        if not keep.any():
            continue
        cube = cube.isel(t=np.flatnonzero(keep))
        cube = cube.reindex(y=chunk.ys, x=chunk.xs, method="nearest", tolerance=dy)
        # inside a chunk task: no nested scheduler, the chunk is this task's memory
        out.append(cube.transpose("t", "bands", "y", "x").compute(scheduler="synchronous"))
    return out


def _fapar_sza(chunk: Chunk, date: datetime, obs: list[SensorObservations]) -> np.ndarray:
    if chunk.lat is not None:
        return noon_sza(chunk.lat.ravel(), np.datetime64(date.replace(tzinfo=None), "D"))
    # no latitude: the mean observed solar zenith of the window stands in (as optisail does)
    with np.errstate(invalid="ignore"), np.testing.suppress_warnings() as sup:
        sup.filter(RuntimeWarning)
        sza = np.nanmean(np.concatenate([o.sza for o in obs], axis=1), axis=1)
    return np.nan_to_num(sza, nan=45.0)


def chunk_climatology(codes: np.ndarray | None) -> Climatology | None:
    """The per-pixel climatology of a chunk's land-cover codes (None: the global prior).

    Built once per chunk and shared by its dates (the map is static).
    """
    return None if codes is None else class_climatology(np.asarray(codes).ravel())


def _empty(
    carry: Carry, npix: int, config: RetrievalConfig, clim: Climatology | None
) -> tuple[dict[str, np.ndarray], PosteriorState | None]:
    """Outputs of a window without any observation slot: what retrieve_window gives pixels
    without observations (NaN, bit 0, the prior bits; the prior passed on as not valid, so
    the next date starts from the pixel's climatology)."""
    prior = carry.posterior
    pb, b, from_prev = temporal_prior(prior, npix, config.temporal, carry.age, clim)
    flags = np.where(from_prev, 1 << BIT_PRIOR_PREVIOUS, 1 << BIT_PRIOR_CLIMATOLOGY)
    out = {name: np.full(npix, np.nan) for name in OUTPUTS}
    out["quality_flag"], out["n_obs"] = flags | (1 << BIT_NO_OBS), np.zeros(npix)
    if prior is None:
        return out, None
    return out, PosteriorState(pb, b, np.zeros(npix, bool))


def run_step(
    snapshot: SnapshotCatalogue,
    spec: StepSpec,
    chunk: Chunk,
    date: datetime,
    carry: Carry | None,
    clim: Climatology | None = None,
) -> tuple[StepResult, Carry]:
    """Produce one date of one chunk; never raises (a failure is reported in the result).

    Args:
        snapshot: Catalogue of the run's input items.
        spec: Shared settings.
        chunk: The pixels.
        date: Step date.
        carry: What the previous date of this chunk passed on (None for the first date).
        clim: The chunk's per-pixel climatology (:func:`chunk_climatology`); None: global.

    Returns:
        ``(result, carry)`` for the next date of the chunk. A failed date passes the previous
        posterior on, one step older.
    """
    carry = carry or Carry()
    rows, cols = chunk.shape
    t0 = time.perf_counter()
    load_s = 0.0
    try:
        cubes = load_window(snapshot, spec, chunk, date)
        load_s = time.perf_counter() - t0
        obs, first, blocks, layouts = [], 0, [], []
        centre = np.datetime64(date.replace(tzinfo=None), "ns")
        for cube in cubes:
            lay = layout(cube, spec.srf_step)
            block = np.asarray(cube.values, dtype=float)
            # each overpass's time from the step date: the in-window drift term (as optisail)
            days = (lay.times - centre) / np.timedelta64(1, "D")
            obs += window_observations(block, lay, first, days)
            blocks.append(block)
            layouts.append(lay)
            first += cube.sizes["t"]
        if obs:
            out, post = retrieve_window(
                obs, _fapar_sza(chunk, date, obs), carry.posterior, spec.config,
                steps_since_prior=carry.age, outputs=(), water=water_mask(blocks, layouts),
                climatology=clim,
            )  # fmt: skip
        else:
            out, post = _empty(carry, rows * cols, spec.config, clim)
    except Exception as e:  # a date fails, the chunk goes on: INCOMPLETE, not lost
        values = np.full((len(OUTPUTS), rows, cols), np.nan, np.float32)
        spent = time.perf_counter() - t0
        result = StepResult(date, values, False, f"{type(e).__name__}: {e}", load_s or spent)
        return result, Carry(carry.posterior, carry.age + 1)
    values = np.stack([np.asarray(out[n], dtype=np.float32).reshape(rows, cols) for n in OUTPUTS])
    spent = time.perf_counter() - t0
    return StepResult(date, values, True, None, load_s, spent - load_s), Carry(post, 1.0)
