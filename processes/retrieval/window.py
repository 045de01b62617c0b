"""Library API: retrieve one window for a block of pixels, carrying the posterior between dates.

Typical use by a tile/site workflow, one 5-day step after another::

    posterior = None
    for step in steps:
        obs = [SensorObservations(bands, refl, unc, sza, vza, raa, clear), ...]  # (P, O, B) etc.
        out, posterior = retrieve_window(obs, fapar_sza=noon_sza, prior=posterior)
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np

from processes.retrieval.inversion import (
    outlier_observations,
    posterior_covariance,
    solve,
    transformed_model,
)
from processes.retrieval.model import evaluate
from processes.retrieval.observations import (
    SensorObservations,
    compact,
    count_views,
    groups,
    stack,
)
from processes.retrieval.prior import Climatology, PosteriorState, temporal_prior
from processes.retrieval.products import (
    ALBEDO_OUTPUTS,
    COVARIANCE_OUTPUTS,
    covariance_bands,
    fluxes_with_gradient,
)
from processes.retrieval.soil import dense_views
from processes.retrieval.state import (
    NAMES,
    bounds,
    dphys_dtrans,
    process_noise,
    to_physical,
    to_transformed,
)

__all__ = [
    "CORE_OUTPUTS",
    "OPTIONAL_OUTPUTS",
    "PosteriorState",
    "RetrievalConfig",
    "SensorObservations",
    "retrieve_window",
]

#: Quality bits (science.md §1.7).
BIT_NO_OBS, BIT_NOT_CONVERGED, BIT_CHI2, BIT_SNOW, BIT_OUTLIER = 0, 1, 2, 3, 4
BIT_PRIOR_PREVIOUS, BIT_PRIOR_CLIMATOLOGY, BIT_SATURATED, BIT_WATER, BIT_FEW_OBS = 5, 6, 7, 8, 9

#: Output bands, always produced, in this order.
CORE_OUTPUTS = ("LAI", "LAI_unc", "fAPAR", "fAPAR_unc", "LAI_fAPAR_corr", "quality_flag", "n_obs")
#: Optional outputs that cost (almost) nothing; produced unless others are asked for.
CHEAP_OUTPUTS = ("Cab", "Cab_unc", "chi2", "iterations")
#: Every optional output: the cheap ones, broadband albedos with σ (site products) and the
#: upper triangle of the posterior covariance (physical units).
OPTIONAL_OUTPUTS = (
    CHEAP_OUTPUTS + tuple(n + s for n in ALBEDO_OUTPUTS for s in ("", "_unc")) + COVARIANCE_OUTPUTS
)

_LAI, _CAB, _PSI = NAMES.index("lai"), NAMES.index("cab"), NAMES.index("soil_dry")


SOIL_WETNESS = 0.3
"""Calibrated σψ of the per-overpass soil offsets (the default)."""
DRIFT_ALONE = 0.25
"""Calibrated in-window drift scale when the soil offsets are off."""
FIT_SCALING = (0.6, 4.0)
"""Default bounds of the χ²/m scaling of the reported uncertainties (σ × 0.77…2)."""


@dataclass(frozen=True)
class RetrievalConfig:
    """Settings of the inversion (defaults: science.md §1.3–1.7)."""

    binning: str = "prosail18"
    """Leaf-angle binning of the retrieval model."""
    max_iter: int = 10
    """Levenberg–Marquardt iteration budget."""
    outlier_threshold: float = 3.0
    """Drop an observation when any band has |r|/σ above this, then re-solve once."""
    model_error: tuple[float, float] = (0.005, 0.03)
    """Model-error floor σ = a + b·ρ added in quadrature (calibrated on ``canopy simulate``
    products; it also absorbs part of the state changing inside a window: docs/retrieval.md)."""
    temporal: bool = True
    """Use the previous posterior (inflated by Q) as prior when available."""
    chi2_limit: float = 4.0
    """χ²/m above this sets bit 2."""
    lai_unc_floor: float = 0.05
    """Lower limit of LAI_unc (the linearised σ collapses at bounds)."""
    fapar_unc_floor: float = 0.005
    """Lower limit of fAPAR_unc."""
    min_obs: int = 3
    """Fewer observations than this set bit 9."""
    fapar_step: float = 5.0
    """PAR sampling (nm)."""
    fapar_weighting: str = "energy"
    """``"energy"`` or ``"photon"`` weighting of PAR."""
    batch: int = 1024
    """Pixels per batched solve (bounds memory)."""
    restart_lai: float = 5.0
    """Pixels whose optimum lies above this LAI are solved again from ``restart_to``."""
    restart_to: float = 2.0
    """LAI of the second start."""
    drift: float = 0.0
    """Scale of the state drift between an overpass and the step date: each observation's
    variance grows by drift·(|days|/5)·Σ_j (K_j·q_j)², the random walk Q (per 5 days) seen
    through the Jacobian at the first optimum; 0 (default) treats the state as constant in
    the window. With ``soil_wetness`` > 0 the soil dry fraction's share is left out: the
    per-overpass offsets hold it, without the diagonal approximation. :data:`DRIFT_ALONE`
    (0.25) is its calibrated value with ``soil_wetness`` 0; with the offsets on, drift on top
    leaves σ too wide."""
    fit_scaling: tuple[float, float] | None = FIT_SCALING
    """Bounds of the goodness-of-fit factor χ²/m by which the reported uncertainties are
    scaled (σ · √clip(χ²/m, lo, hi); covariance bands by the factor itself): the Birge-ratio
    scaling of least squares (``curve_fit``'s default), so that σ follows how well each pixel's
    window is fitted; None reports the linearised σ as it is. The posterior carried to the next
    step is never scaled: the filter keeps the stated observation errors."""
    soil_wetness: float = SOIL_WETNESS
    """σψ of each overpass's own soil dry-fraction offset δψ_o ~ N(0, σψ²) around the window's
    ψ (rain wets the soil on some days of a window), marginalised into R as a rank-one block per
    overpass (:mod:`processes.retrieval.soil`); 0 holds ψ constant over the window. The default
    0.3 is calibrated (docs/retrieval.md): twin LAI RMSE 0.484 → 0.435 (global prior), AVHRR
    with rain 0.82 → 0.38."""


def _restart_low(observations, idx, y, w, views, pb, bpinv, config, sol) -> None:
    """Second start at a moderate LAI for pixels that ended on the LAI plateau; keep the better.

    Near saturation J has a second, flat basin at high LAI: a start there (a prior mean from
    a saturated step) stays there although a lower-cost optimum exists.
    """
    r = np.flatnonzero(to_physical(sol.x)[:, _LAI] > config.restart_lai)
    if r.size == 0:
        return
    x0 = sol.x[r].copy()
    x0[:, _LAI] = to_transformed(np.full((r.size, len(NAMES)), config.restart_to))[:, _LAI]
    sub = transformed_model(evaluate, groups(observations, idx[r], config.binning), config.binning)
    soil = (views[r], config.soil_wetness) if config.soil_wetness > 0 else None
    s2 = solve(sub, y[r], w[r], pb[r], bpinv[r], x0=x0, max_iter=config.max_iter, soil=soil)
    better = s2.cost < sol.cost[r]
    for name in ("x", "h", "k", "cost", "converged", "iterations"):
        getattr(sol, name)[r[better]] = getattr(s2, name)[better]
    sol.weights.put(r[better], s2.weights.take(np.flatnonzero(better)))


def drift_weights(
    sol, w: np.ndarray, days: np.ndarray, scale: float = 1.0, skip: tuple[int, ...] = ()
) -> np.ndarray:
    """R⁻¹ widened by the state's random walk between each overpass and the step date.

    The window model holds the state constant, but the canopy and soil change within ±5 days
    (growth, rain). Treating an observation |Δt| days away as one of the state at the step
    date adds the random walk Q·|Δt|/5 d (science.md §1.5) to its error, mapped through the
    physical-unit Jacobian K at the first optimum: σ² += scale·|Δt|/5·Σ_j K_j² q_j², leaving
    out the parameters ``skip`` (indices into the state).
    """
    kp = sol.k / dphys_dtrans(sol.x)[:, None, :]
    q2 = np.diagonal(process_noise(1.0)).copy()
    q2[list(skip)] = 0.0
    var = np.einsum("pmi,i->pm", kp * kp, q2)
    var *= scale * days / 5.0
    with np.errstate(divide="ignore"):
        return np.where(w > 0, 1.0 / (1.0 / np.where(w > 0, w, 1.0) + var), 0.0)


def _solve_batch(observations, idx, y, w, views, days, pb, bpinv, config):
    """Solve, widen R by the in-window drift and re-solve, drop 3σ outlier overpasses and
    re-solve those pixels once from the optimum.

    With per-overpass soil offsets every solve re-linearises their R blocks at each accepted
    step; ``sol.weights`` holds the R⁻¹ at the answer.
    """
    model = transformed_model(evaluate, groups(observations, idx, config.binning), config.binning)
    views = dense_views(views)
    soil = (views, config.soil_wetness) if config.soil_wetness > 0 else None
    sol = solve(model, y, w, pb, bpinv, max_iter=config.max_iter, soil=soil)
    if config.drift > 0 and np.any(days > 0):
        w = drift_weights(sol, w, days, config.drift, skip=(_PSI,) if soil else ())
        sol = solve(model, y, w, pb, bpinv, x0=sol.x, max_iter=config.max_iter, soil=soil)
    _restart_low(observations, idx, y, w, views, pb, bpinv, config, sol)
    drop = outlier_observations(sol, y, w, views, config.outlier_threshold)
    redo = np.flatnonzero(drop.any(axis=1))
    if redo.size:
        w = np.where(drop, 0.0, w)
        sub = transformed_model(
            evaluate, groups(observations, idx[redo], config.binning), config.binning
        )
        s2 = solve(
            sub, y[redo], w[redo], pb[redo], bpinv[redo], x0=sol.x[redo],
            max_iter=config.max_iter, soil=None if soil is None else (views[redo], soil[1]),
        )  # fmt: skip
        for name in ("x", "h", "k", "cost", "converged", "iterations"):
            getattr(sol, name)[redo] = getattr(s2, name)
        sol.weights.put(redo, s2.weights)
    return sol, w, drop.any(axis=1)


def _wanted(outputs: Collection[str] | None) -> tuple[str, ...]:
    names = CHEAP_OUTPUTS if outputs is None else tuple(outputs)
    unknown = [n for n in names if n not in CORE_OUTPUTS + OPTIONAL_OUTPUTS]
    if unknown:
        raise ValueError(f"unknown outputs {unknown}")
    return CORE_OUTPUTS + tuple(n for n in names if n not in CORE_OUTPUTS)


def retrieve_window(
    observations: Sequence[SensorObservations],
    fapar_sza: np.ndarray,
    prior: PosteriorState | None = None,
    config: RetrievalConfig | None = None,
    steps_since_prior: float = 1.0,
    outputs: Collection[str] | None = None,
    water: np.ndarray | None = None,
    climatology: Climatology | None = None,
) -> tuple[dict[str, np.ndarray], PosteriorState]:
    """Invert all clear observations of a window for P pixels.

    Args:
        observations: One entry per sensor (or band geometry), all with the same P pixels.
        fapar_sza: Solar zenith (degrees) of the black-sky fAPAR and DHR (local solar noon), (P,).
        prior: Posterior of the previous step; None or invalid pixels use climatology.
        config: Inversion settings.
        steps_since_prior: Age of ``prior`` in 5-day steps (scales Q).
        outputs: Optional outputs wanted (:data:`OPTIONAL_OUTPUTS`); None gives
            :data:`CHEAP_OUTPUTS`. The :data:`CORE_OUTPUTS` always come.
        water: True for water/non-land pixels, (P,): no retrieval, bits 0 and 8.
        climatology: Per-pixel climatological prior and random walk (physical units), e.g.
            :func:`processes.retrieval.landcover.class_climatology`; None: the global one of
            :mod:`processes.retrieval.state`.

    Returns:
        ``(outputs, posterior)``: outputs maps every core and requested name to a (P,) array
        (NaN where nothing was retrieved; ``quality_flag`` uint16, ``n_obs`` and ``iterations``
        int); the posterior is the prior of the next step.

    Raises:
        ValueError: for an unknown output name.
    """
    config = config or RetrievalConfig()
    names = _wanted(outputs)
    albedos = any(n in names for n in ALBEDO_OUTPUTS)
    npix = np.shape(observations[0].reflectance)[0]
    observations, snow_seen = compact(observations)
    y, w, views, days = stack(observations, config.model_error, npix)
    water = np.zeros(npix, bool) if water is None else np.asarray(water, bool)
    w[water] = 0.0
    fapar_sza = np.broadcast_to(np.asarray(fapar_sza, dtype=float), (npix,))
    pb, b, from_prev = temporal_prior(prior, npix, config.temporal, steps_since_prior, climatology)
    flags = np.where(from_prev, 1 << BIT_PRIOR_PREVIOUS, 1 << BIT_PRIOR_CLIMATOLOGY)
    flags = flags.astype(np.uint16) | np.where(snow_seen, 1 << BIT_SNOW, 0).astype(np.uint16)
    n_obs = count_views(views, w)
    out = {name: np.full(npix, np.nan) for name in names}
    post = PosteriorState(pb.copy(), b.copy(), np.zeros(npix, bool))
    todo = np.flatnonzero(n_obs > 0)
    lo, hi = bounds()
    for start in range(0, todo.size, config.batch):
        idx = todo[start : start + config.batch]
        bpinv = np.linalg.inv(b[idx])
        sol, wf, had_outlier = _solve_batch(
            observations, idx, y[idx], w[idx], views[idx], days[idx], pb[idx], bpinv, config
        )
        pa, pa_phys = posterior_covariance(sol.x, sol.k, sol.weights, bpinv)
        n_obs[idx] = count_views(views[idx], wf)
        chi2 = 2.0 * sol.cost / np.maximum((wf > 0).sum(axis=1), 1)
        p = to_physical(sol.x)
        values, grads = fluxes_with_gradient(sol.x, fapar_sza[idx], config, albedos)
        fit = (
            np.ones_like(chi2) if config.fit_scaling is None else np.clip(chi2, *config.fit_scaling)
        )
        sd = {}
        for name, g in grads.items():
            sd[name] = np.sqrt(np.maximum(np.einsum("pi,pij,pj->p", g, pa, g), 0.0) * fit)
        lai_sd = np.sqrt(pa_phys[:, _LAI, _LAI])  # linearised: the saturation test uses it
        lai_unc = lai_sd * np.sqrt(fit)
        # corr(LAI, fAPAR) from the transformed covariance: dLAI/dt < 0 flips the sign
        with np.errstate(invalid="ignore", divide="ignore"):
            corr = -np.einsum("pi,pi->p", pa[:, _LAI], grads["fAPAR"])
            corr /= np.sqrt(pa[:, _LAI, _LAI]) * sd["fAPAR"]
        at_bound = (sol.x[:, _LAI] <= lo[_LAI] * (1 + 1e-9)) | (
            sol.x[:, _LAI] >= hi[_LAI] * (1 - 1e-9)
        )
        bits = np.where(~sol.converged, 1 << BIT_NOT_CONVERGED, 0)
        bits |= np.where(chi2 > config.chi2_limit, 1 << BIT_CHI2, 0)
        bits |= np.where(had_outlier, 1 << BIT_OUTLIER, 0)
        bits |= np.where(at_bound | (lai_sd > 0.5 * p[:, _LAI]), 1 << BIT_SATURATED, 0)
        bits |= np.where(n_obs[idx] < config.min_obs, 1 << BIT_FEW_OBS, 0)
        flags[idx] |= bits.astype(np.uint16)
        res = {
            "LAI": p[:, _LAI],
            "LAI_unc": np.maximum(lai_unc, config.lai_unc_floor),
            "fAPAR": values["fAPAR"],
            "fAPAR_unc": np.maximum(sd["fAPAR"], config.fapar_unc_floor),
            "LAI_fAPAR_corr": np.clip(corr, -1.0, 1.0),
            "Cab": p[:, _CAB],
            "Cab_unc": np.sqrt(pa_phys[:, _CAB, _CAB] * fit),
            "chi2": chi2,
            "iterations": sol.iterations,
            **covariance_bands(pa_phys * fit[:, None, None]),
        }
        for name in ALBEDO_OUTPUTS if albedos else ():
            res[name], res[f"{name}_unc"] = values[name], sd[name]
        for name in names:
            if name in res:
                out[name][idx] = res[name]
        post.x[idx], post.cov[idx], post.valid[idx] = p, pa_phys, True
    # Outlier rejection can drop every observation of a pixel: then it has no retrieval
    # (NaN, bit 0) and passes its prior on unchanged, exactly like a pixel with none at all.
    none_left = n_obs == 0
    for name in names:
        out[name][none_left] = np.nan
    post.x[none_left], post.cov[none_left] = pb[none_left], b[none_left]
    post.valid[none_left] = False
    flags |= np.where(none_left, 1 << BIT_NO_OBS, 0).astype(np.uint16)
    flags[water] = (1 << BIT_NO_OBS) | (1 << BIT_WATER)
    out["quality_flag"] = flags
    out["n_obs"] = n_obs.astype(np.int64)
    if "iterations" in out:
        out["iterations"] = np.nan_to_num(out["iterations"], nan=0).astype(np.int64)
    return out, post
