"""Library API: retrieve one window for a block of pixels, carrying the posterior between dates.

Typical use by a tile/site workflow, one 5-day step after another::

    posterior = None
    for step in steps:
        obs = [SensorObservations(bands, refl, unc, sza, vza, raa, clear), ...]  # (P, O, B) etc.
        out, posterior = retrieve_window(obs, fapar_sza=noon_sza, prior=posterior)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from processes.retrieval.bands import SpectralBands
from processes.retrieval.forward import fapar
from processes.retrieval.inversion import (
    outlier_observations,
    posterior_covariance,
    solve,
    transformed_model,
)
from processes.retrieval.model import SensorGroup, evaluate
from processes.retrieval.sail import view_geometry
from processes.retrieval.state import (
    N_PARAMS,
    NAMES,
    bounds,
    climatology,
    dphys_dtrans,
    full_state,
    process_noise,
    to_physical,
)

#: Quality bits (science.md §1.7).
BIT_NO_OBS, BIT_NOT_CONVERGED, BIT_CHI2, BIT_SNOW, BIT_OUTLIER = 0, 1, 2, 3, 4
BIT_PRIOR_PREVIOUS, BIT_PRIOR_CLIMATOLOGY, BIT_SATURATED, BIT_WATER, BIT_FEW_OBS = 5, 6, 7, 8, 9

#: Output bands, always produced, in this order.
CORE_OUTPUTS = ("LAI", "LAI_unc", "fAPAR", "fAPAR_unc", "LAI_fAPAR_corr", "quality_flag", "n_obs")
#: Optional output bands.
OPTIONAL_OUTPUTS = ("Cab", "Cab_unc", "chi2")

_LAI, _CAB = NAMES.index("lai"), NAMES.index("cab")


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


@dataclass(frozen=True)
class RetrievalConfig:
    """Settings of the inversion (defaults: science.md §1.3–1.7)."""

    binning: str = "prosail18"
    """Leaf-angle binning of the retrieval model."""
    max_iter: int = 10
    """Levenberg–Marquardt iteration budget."""
    outlier_threshold: float = 3.0
    """Drop an observation when any band has |r|/σ above this, then re-solve once."""
    model_error: tuple[float, float] = (0.0, 0.03)
    """Model-error floor σ = a + b·ρ added in quadrature (calibrated: docs/retrieval.md)."""
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


@dataclass
class PosteriorState:
    """Posterior of a step in transformed space, the prior source of the next step."""

    x: np.ndarray
    """Transformed state, (P, n)."""
    cov: np.ndarray
    """Covariance, (P, n, n)."""
    valid: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    """True where a retrieval with observations exists, (P,)."""

    @classmethod
    def empty(cls, npix: int) -> PosteriorState:
        """A state without any valid pixel (all priors will be climatology)."""
        x, cov = climatology(npix)
        return cls(x, cov, np.zeros(npix, bool))


def _prior(prior: PosteriorState | None, npix: int, config: RetrievalConfig, steps: float):
    xb, b = climatology(npix)
    use = np.zeros(npix, bool)
    if prior is not None and config.temporal:
        use = prior.valid & np.all(np.isfinite(prior.x), axis=1)
    if np.any(use):
        xp = prior.x[use]
        bp = prior.cov[use] + process_noise(xp, steps)
        # cap every σ at the climatological σ (keeps correlations)
        clim_sd = np.sqrt(np.diagonal(b[use], axis1=1, axis2=2))
        scale = np.minimum(1.0, clim_sd / np.sqrt(np.diagonal(bp, axis1=1, axis2=2)))
        xb[use] = xp
        b[use] = bp * scale[:, :, None] * scale[:, None, :]
    return xb, b, use


def _stack(observations: Sequence[SensorObservations], model_error):
    """Flatten all sensors into y, w (P, m), the observation index of each value and geometry."""
    ys, ws, obs_of, usable_all, snow_seen = [], [], [], [], None
    offset = 0
    for ob in observations:
        refl = np.asarray(ob.reflectance, dtype=float)
        unc = np.asarray(ob.uncertainty, dtype=float)
        npix, n_o, n_b = refl.shape
        snow = np.zeros((npix, n_o), bool) if ob.snow is None else np.asarray(ob.snow, bool)
        angles_ok = np.isfinite(ob.sza) & np.isfinite(ob.vza) & np.isfinite(ob.raa) & (ob.sza < 85)
        finite = np.all(np.isfinite(refl) & np.isfinite(unc), axis=2)
        usable = np.asarray(ob.clear, bool) & ~snow & angles_ok & finite
        seen = np.any(snow, axis=1)
        snow_seen = seen if snow_seen is None else snow_seen | seen
        sig_p = np.maximum(
            np.asarray(ob.uncertainty_factor) * unc, np.asarray(ob.min_rel_uncertainty) * refl
        )
        sig2 = sig_p**2 + (model_error[0] + model_error[1] * refl) ** 2
        with np.errstate(invalid="ignore", divide="ignore"):
            w = np.where(usable[..., None], 1.0 / sig2, 0.0)
        ys.append(np.where(usable[..., None], refl, 0.0).reshape(npix, -1))
        ws.append(w.reshape(npix, -1))
        obs_of.append(np.repeat(np.arange(n_o) + offset, n_b))
        usable_all.append(usable)
        offset += n_o
    return (
        np.concatenate(ys, 1), np.concatenate(ws, 1), np.concatenate(obs_of),
        np.concatenate(usable_all, 1), snow_seen,
    )  # fmt: skip


def _groups(observations, idx, binning):
    groups = []
    for ob in observations:
        ok = np.isfinite(ob.sza[idx]) & np.isfinite(ob.vza[idx]) & np.isfinite(ob.raa[idx])
        ok &= ob.sza[idx] < 85
        # unusable slots get a harmless geometry; their weight is 0
        sza = np.where(ok, ob.sza[idx], 30.0)
        vza = np.where(ok, ob.vza[idx], 0.0)
        raa = np.where(ok, ob.raa[idx], 0.0)
        fd = ob.diffuse_fraction
        if fd is not None and np.ndim(fd) == 3 and np.shape(fd)[0] > 1:
            fd = np.asarray(fd)[idx]
        groups.append(SensorGroup(ob.bands, view_geometry(sza, vza, raa, binning), fd))
    return groups


def _fapar_and_gradient(t, sza, config):
    """fAPAR at ``t`` (P, n) and its gradient in transformed space by forward differences."""
    npix = t.shape[0]
    _, hi = bounds()
    h = 1e-6 * np.where(t + 1e-6 <= hi, 1.0, -1.0)
    ts = np.concatenate([t] + [t + np.eye(N_PARAMS)[j] * h[:, j : j + 1] for j in range(N_PARAMS)])
    f = fapar(
        full_state(to_physical(ts)), np.tile(sza, N_PARAMS + 1), binning=config.binning,
        step=config.fapar_step, weighting=config.fapar_weighting,
    ).reshape(N_PARAMS + 1, npix)  # fmt: skip
    return f[0], ((f[1:] - f[0]) / h.T).T


def _solve_batch(observations, idx, y, w, obs_of, xb, binv, config):
    model = transformed_model(evaluate, _groups(observations, idx, config.binning), config.binning)
    sol = solve(model, y, w, xb, binv, max_iter=config.max_iter)
    drop = outlier_observations(sol, y, w, obs_of, config.outlier_threshold)
    redo = np.flatnonzero(drop.any(axis=1))
    if redo.size:
        w = np.where(drop, 0.0, w)
        sub = transformed_model(
            evaluate, _groups(observations, idx[redo], config.binning), config.binning
        )
        s2 = solve(
            sub, y[redo], w[redo], xb[redo], binv[redo], x0=sol.x[redo], max_iter=config.max_iter
        )
        for name in ("x", "h", "k", "cost", "converged"):
            getattr(sol, name)[redo] = getattr(s2, name)
    return sol, w, drop.any(axis=1)


def retrieve_window(
    observations: Sequence[SensorObservations],
    fapar_sza: np.ndarray,
    prior: PosteriorState | None = None,
    config: RetrievalConfig | None = None,
    steps_since_prior: float = 1.0,
) -> tuple[dict[str, np.ndarray], PosteriorState]:
    """Invert all clear observations of a window for P pixels.

    Args:
        observations: One entry per sensor, all with the same P pixels.
        fapar_sza: Solar zenith (degrees) of the black-sky fAPAR (local solar noon), (P,).
        prior: Posterior of the previous step; None or invalid pixels use climatology.
        config: Inversion settings.
        steps_since_prior: Age of ``prior`` in 5-day steps (scales Q).

    Returns:
        ``(outputs, posterior)``: outputs maps every name of :data:`CORE_OUTPUTS` and
        :data:`OPTIONAL_OUTPUTS` to a (P,) array (NaN where nothing was retrieved;
        ``quality_flag`` uint16, ``n_obs`` int); the posterior is the prior of the next step.
    """
    config = config or RetrievalConfig()
    y, w, obs_of, usable, snow_seen = _stack(observations, config.model_error)
    npix = y.shape[0]
    fapar_sza = np.broadcast_to(np.asarray(fapar_sza, dtype=float), (npix,))
    xb, b, from_prev = _prior(prior, npix, config, steps_since_prior)
    flags = np.zeros(npix, np.uint16)
    flags |= np.where(from_prev, 1 << BIT_PRIOR_PREVIOUS, 1 << BIT_PRIOR_CLIMATOLOGY).astype(
        np.uint16
    )
    flags |= np.where(snow_seen, 1 << BIT_SNOW, 0).astype(np.uint16)
    n_obs = usable.sum(axis=1)
    out = {name: np.full(npix, np.nan) for name in CORE_OUTPUTS + OPTIONAL_OUTPUTS}
    post = PosteriorState(xb.copy(), b.copy(), np.zeros(npix, bool))
    todo = np.flatnonzero(n_obs > 0)
    lo, hi = bounds()
    for start in range(0, todo.size, config.batch):
        idx = todo[start : start + config.batch]
        binv = np.linalg.inv(b[idx])
        sol, wf, had_outlier = _solve_batch(
            observations, idx, y[idx], w[idx], obs_of, xb[idx], binv, config
        )
        pa = posterior_covariance(sol.k, wf, binv)
        kept = np.zeros((idx.size, usable.shape[1]), bool)
        np.logical_or.at(kept, (slice(None), obs_of), wf > 0)
        n_obs[idx] = kept.sum(axis=1)
        m = np.maximum((wf > 0).sum(axis=1), 1)
        chi2 = 2.0 * sol.cost / m
        f, g = _fapar_and_gradient(sol.x, fapar_sza[idx], config)
        dp = dphys_dtrans(sol.x)
        p = to_physical(sol.x)
        pg = np.einsum("pij,pj->pi", pa, g)
        f_sd = np.sqrt(np.maximum(np.einsum("pi,pi->p", g, pg), 0.0))
        lai_sd_t = np.sqrt(pa[:, _LAI, _LAI])
        lai_unc = np.abs(dp[:, _LAI]) * lai_sd_t
        with np.errstate(invalid="ignore", divide="ignore"):
            corr = np.sign(dp[:, _LAI]) * pg[:, _LAI] / (lai_sd_t * f_sd)
        at_bound = (sol.x[:, _LAI] <= lo[_LAI] * (1 + 1e-9)) | (
            sol.x[:, _LAI] >= hi[_LAI] * (1 - 1e-9)
        )
        bits = np.where(~sol.converged, 1 << BIT_NOT_CONVERGED, 0)
        bits |= np.where(chi2 > config.chi2_limit, 1 << BIT_CHI2, 0)
        bits |= np.where(had_outlier, 1 << BIT_OUTLIER, 0)
        bits |= np.where(at_bound | (lai_unc > 0.5 * p[:, _LAI]), 1 << BIT_SATURATED, 0)
        bits |= np.where(n_obs[idx] < config.min_obs, 1 << BIT_FEW_OBS, 0)
        flags[idx] |= bits.astype(np.uint16)
        out["LAI"][idx] = p[:, _LAI]
        out["LAI_unc"][idx] = np.maximum(lai_unc, config.lai_unc_floor)
        out["fAPAR"][idx] = f
        out["fAPAR_unc"][idx] = np.maximum(f_sd, config.fapar_unc_floor)
        out["LAI_fAPAR_corr"][idx] = np.clip(corr, -1.0, 1.0)
        out["Cab"][idx] = p[:, _CAB]
        out["Cab_unc"][idx] = np.abs(dp[:, _CAB]) * np.sqrt(pa[:, _CAB, _CAB])
        out["chi2"][idx] = chi2
        post.x[idx], post.cov[idx], post.valid[idx] = sol.x, pa, True
    # Outlier rejection can drop every observation of a pixel: then it has no retrieval
    # (NaN, bit 0) and passes its prior on unchanged, exactly like a pixel with none at all.
    none_left = n_obs == 0
    for name in CORE_OUTPUTS + OPTIONAL_OUTPUTS:
        out[name][none_left] = np.nan
    post.x[none_left], post.cov[none_left] = xb[none_left], b[none_left]
    post.valid[none_left] = False
    flags |= np.where(none_left, 1 << BIT_NO_OBS, 0).astype(np.uint16)
    out["quality_flag"] = flags
    out["n_obs"] = n_obs.astype(np.int64)
    return out, post
