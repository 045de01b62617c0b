"""Observations of a window: the per-sensor input, usable-view compaction and the stacked y, R⁻¹."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from processes.retrieval.bands import SpectralBands
from processes.retrieval.model import SensorGroup
from processes.retrieval.sail import view_geometry

#: Observations with the sun lower than this are not used.
MAX_SZA = 85.0


@dataclass(frozen=True)
class SensorObservations:
    """One sensor's observations of a window for P pixels (O observation slots)."""

    bands: SpectralBands
    """Band set (B bands)."""
    reflectance: np.ndarray
    """TOC reflectance, (P, O, B); NaN where missing."""
    uncertainty: np.ndarray
    """Product 1σ uncertainty layer (TOC_ERR), (P, O, B)."""
    sza: np.ndarray
    """Solar zenith (degrees), (P, O)."""
    vza: np.ndarray
    """View zenith (degrees), (P, O)."""
    raa: np.ndarray
    """Relative sun–view azimuth (degrees), (P, O)."""
    clear: np.ndarray
    """True for a usable (clear) observation, (P, O)."""
    snow: np.ndarray | None = None
    """True for snow, (P, O); such observations are dropped and flagged (bit 3)."""
    uncertainty_factor: np.ndarray | float = 1.0
    """Multiplier of the uncertainty layer, scalar or (B,)."""
    min_rel_uncertainty: np.ndarray | float = 0.0
    """Relative floor of the product σ, scalar or (B,)."""
    diffuse_fraction: np.ndarray | None = None
    """Diffuse fraction f_d modelled in H, broadcastable to (P, O, B), or None (rsot only)."""
    view_index: np.ndarray | None = None
    """Overpass id of each slot, (O,) or (P, O) ints, or None (each slot its own overpass).

    Entries that share ids are bands of the same overpass seen with another band geometry
    (e.g. PROBA-V's SWIR camera): the outlier test drops them together and ``n_obs`` counts
    them once. Ids are global within one :func:`retrieve_window` call."""
    days: np.ndarray | None = None
    """Time of each slot relative to the step date in days, (O,) or (P, O), or None (all 0).

    The state drifts between an overpass and the step date; the retrieval widens the
    observation error by the drift of the random walk Q over that time (``RetrievalConfig``)."""


def _usable(ob: SensorObservations) -> tuple[np.ndarray, np.ndarray]:
    """Usable slots (P, O) and slots flagged as snow (P, O)."""
    refl = np.asarray(ob.reflectance, dtype=float)
    unc = np.asarray(ob.uncertainty, dtype=float)
    npix, n_o, _ = refl.shape
    snow = np.zeros((npix, n_o), bool) if ob.snow is None else np.asarray(ob.snow, bool)
    angles_ok = np.isfinite(ob.sza) & np.isfinite(ob.vza) & np.isfinite(ob.raa)
    angles_ok &= np.nan_to_num(ob.sza, nan=90.0) < MAX_SZA
    finite = np.all(np.isfinite(refl) & np.isfinite(unc), axis=2)
    return np.asarray(ob.clear, bool) & ~snow & angles_ok & finite, snow


def compact(observations: Sequence[SensorObservations]):
    """Move each pixel's usable slots first and drop slots no pixel uses.

    Cloudy slots cost a full forward run each although their weight is 0; a 10-day window
    of daily products is mostly cloudy, so this roughly halves the work.

    Returns:
        ``(entries, snow_seen)``: compacted copies (every slot usable or marked not clear,
        ``view_index`` filled in as (P, O); entries without any slot left out) and whether any
        slot of a pixel was snow, (P,).
    """
    explicit = [
        np.max(ob.view_index, initial=-1) for ob in observations if ob.view_index is not None
    ]
    fresh = int(max(explicit, default=-1)) + 1
    out, snow_seen = [], np.zeros(np.shape(observations[0].reflectance)[0], bool)
    for ob in observations:
        usable, snow = _usable(ob)
        npix, n_o = usable.shape
        snow_seen |= snow.any(axis=1)
        if n_o == 0:  # a sensor without a slot in this window
            continue
        if ob.view_index is None:
            views = np.broadcast_to(fresh + np.arange(n_o), (npix, n_o))
            fresh += n_o
        else:
            views = np.broadcast_to(np.asarray(ob.view_index), (npix, n_o))
        order = np.argsort(~usable, axis=1, kind="stable")
        keep = max(int(usable.sum(axis=1).max(initial=0)), 1)
        sel = order[:, :keep]

        def take(a, sel=sel):
            a = np.asarray(a)
            return np.take_along_axis(a, sel[..., None] if a.ndim == 3 else sel, axis=1)

        days = None if ob.days is None else take(np.broadcast_to(ob.days, (npix, n_o)))
        fd = ob.diffuse_fraction
        if fd is not None and np.ndim(fd) == 3 and np.shape(fd)[1] == n_o:
            fd = take(np.broadcast_to(fd, ob.reflectance.shape))
        out.append(
            replace(
                ob,
                reflectance=take(ob.reflectance),
                uncertainty=take(ob.uncertainty),
                sza=take(ob.sza),
                vza=take(ob.vza),
                raa=take(ob.raa),
                clear=take(usable),
                snow=None,
                diffuse_fraction=fd,
                view_index=take(views),
                days=days,
            )
        )
    return out, snow_seen


def stack(observations: Sequence[SensorObservations], model_error: tuple[float, float], npix: int):
    """Flatten compacted entries into y, R⁻¹, overpass ids and |days from the step| (each (P, m)).

    σ² = max(uncertainty_factor·X_unc, min_rel_uncertainty·X)² + (a + b·X)² (science.md §1.4).
    """
    ys, ws, views = [np.zeros((npix, 0))], [np.zeros((npix, 0))], [np.zeros((npix, 0), int)]
    days = [np.zeros((npix, 0))]
    for ob in observations:
        refl = np.asarray(ob.reflectance, dtype=float)
        unc = np.asarray(ob.uncertainty, dtype=float)
        npix, _, n_b = refl.shape
        usable = np.asarray(ob.clear, bool)
        sig_p = np.maximum(
            np.asarray(ob.uncertainty_factor) * unc, np.asarray(ob.min_rel_uncertainty) * refl
        )
        sig2 = sig_p**2 + (model_error[0] + model_error[1] * refl) ** 2
        with np.errstate(invalid="ignore", divide="ignore"):
            w = np.where(usable[..., None], 1.0 / sig2, 0.0)
        ys.append(np.where(usable[..., None], refl, 0.0).reshape(npix, -1))
        ws.append(w.reshape(npix, -1))
        views.append(np.repeat(np.asarray(ob.view_index), n_b, axis=1))
        d = np.zeros(usable.shape) if ob.days is None else np.abs(np.asarray(ob.days, float))
        days.append(np.repeat(np.broadcast_to(d, usable.shape), n_b, axis=1))
    cat = (np.concatenate(a, 1) for a in (ys, ws, views, days))
    return tuple(cat)


def count_views(views: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Number of distinct overpasses with at least one weighted value, per pixel."""
    npix = views.shape[0]
    n_v = int(views.max(initial=-1)) + 1
    seen = np.zeros((npix, max(n_v, 1)), bool)
    rows = np.broadcast_to(np.arange(npix)[:, None], views.shape)
    np.logical_or.at(seen, (rows, views), w > 0)
    return seen.sum(axis=1)


def groups(observations: Sequence[SensorObservations], idx: np.ndarray, binning: str):
    """The operator's :class:`SensorGroup` list for the pixels ``idx``."""
    out = []
    for ob in observations:
        sza, vza, raa = (np.asarray(a)[idx] for a in (ob.sza, ob.vza, ob.raa))
        ok = np.isfinite(sza) & np.isfinite(vza) & np.isfinite(raa) & (np.nan_to_num(sza) < MAX_SZA)
        # unusable slots get a harmless geometry; their weight is 0
        sza = np.where(ok, sza, 30.0)
        vza = np.where(ok, vza, 0.0)
        raa = np.where(ok, raa, 0.0)
        fd = ob.diffuse_fraction
        if fd is not None and np.ndim(fd) == 3 and np.shape(fd)[0] > 1:
            fd = np.asarray(fd)[idx]
        out.append(SensorGroup(ob.bands, view_geometry(sza, vza, raa, binning), fd))
    return out
