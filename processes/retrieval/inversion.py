"""Batched Levenberg–Marquardt optimal estimation over pixels (science.md §1.2).

Everything is in the transformed space of :mod:`processes.retrieval.state`; arrays carry a
leading pixel axis P, m observations and n parameters. Invalid observations have weight 0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from processes.retrieval.state import bounds, dphys_dtrans, to_physical

#: Model(t, jacobian, idx) → (H (p, m), K_t (p, m, n) or None) for the pixels ``idx`` (p of them)
#: of the block, t transformed (p, n).
Model = Callable[[np.ndarray, bool, np.ndarray], tuple[np.ndarray, np.ndarray | None]]


@dataclass
class Solution:
    """Result of :func:`solve` for a block of pixels."""

    x: np.ndarray
    """Transformed state at the optimum, (P, n)."""
    h: np.ndarray
    """Modelled observations at ``x``, (P, m)."""
    k: np.ndarray
    """Jacobian at ``x``, (P, m, n)."""
    cost: np.ndarray
    """J(x), (P,)."""
    converged: np.ndarray
    """Convergence reached within the iteration budget, (P,)."""
    iterations: np.ndarray
    """Iterations used, (P,)."""


def transformed_model(evaluate: Callable, groups: list, binning: str) -> Model:
    """Wrap ``evaluate(p, groups, binning, jacobian)`` (physical space) into a :data:`Model`."""

    def model(t: np.ndarray, jacobian: bool, idx: np.ndarray):
        sub = (
            groups if idx.size == groups[0].geometry.dso.shape[0] else [g.take(idx) for g in groups]
        )
        h, k = evaluate(to_physical(t), sub, binning, jacobian=jacobian)
        if k is not None:
            k = k * dphys_dtrans(t)[:, None, :]
        return h, k

    return model


def _cost(y, h, w, x, xb, binv):
    r = y - h
    d = x - xb
    return 0.5 * np.sum(w * r * r, axis=1) + 0.5 * np.einsum("pi,pij,pj->p", d, binv, d)


def solve(
    model: Model,
    y: np.ndarray,
    w: np.ndarray,
    xb: np.ndarray,
    binv: np.ndarray,
    x0: np.ndarray | None = None,
    max_iter: int = 10,
    tol: float = 0.02,
) -> Solution:
    """Minimise J(x) = ½(y−H)ᵀW(y−H) + ½(x−x_b)ᵀB⁻¹(x−x_b) per pixel, all pixels at once.

    Pixels leave the active set once converged, so later iterations only cost for the rest.

    Args:
        model: Transformed-space observation operator (see :data:`Model`).
        y: Observations (P, m); any value where ``w`` is 0.
        w: Inverse variances R⁻¹ (diagonal), (P, m); 0 marks unusable observations.
        xb: Prior mean, (P, n).
        binv: Prior inverse covariance, (P, n, n).
        x0: Starting point (default ``xb``).
        max_iter: Iteration budget (model + Jacobian evaluations).
        tol: Convergence when an accepted step moves every parameter by < ``tol`` prior σ.

    Returns:
        The solution with H and K at the optimum.
    """
    lo, hi = bounds()
    x = np.clip(xb if x0 is None else x0, lo, hi).copy()
    npix, n = x.shape
    h, k = model(x, True, np.arange(npix))
    cost = _cost(y, h, w, x, xb, binv)
    lam = np.full(npix, 1e-2)
    converged = np.zeros(npix, bool)
    iterations = np.zeros(npix, int)
    prior_sd = np.sqrt(np.diagonal(np.linalg.inv(binv), axis1=1, axis2=2))
    active = np.arange(npix)
    eye = np.eye(n)
    for _ in range(max_iter):
        if active.size == 0:
            break
        ka, wa, xa, ba = k[active], w[active], x[active], binv[active]
        kw = ka * wa[:, :, None]
        grad = np.einsum("pmi,pm->pi", kw, y[active] - h[active]) - np.einsum(
            "pij,pj->pi", ba, xa - xb[active]
        )
        hess = ba + np.einsum("pmi,pmj->pij", kw, ka)
        damp = lam[active, None, None] * np.diagonal(ba, axis1=1, axis2=2)[:, None, :] * eye
        step = np.linalg.solve(hess + damp, grad[..., None])[..., 0]
        x_new = np.clip(xa + step, lo, hi)
        h_new, k_new = model(x_new, True, active)
        c_new = _cost(y[active], h_new, wa, x_new, xb[active], ba)
        ok = np.isfinite(c_new) & (c_new <= cost[active])
        acc = active[ok]
        x[acc], h[acc], k[acc], cost[acc] = x_new[ok], h_new[ok], k_new[ok], c_new[ok]
        lam[acc] = np.maximum(lam[acc] * 0.1, 1e-6)
        lam[active[~ok]] *= 10.0
        iterations[active] += 1
        moved = np.max(np.abs(x_new - xa) / prior_sd[active], axis=1)
        done = (ok & (moved < tol)) | (lam[active] > 1e6)
        converged[active[ok & (moved < tol)]] = True
        active = active[~done]
    return Solution(x, h, k, cost, converged, iterations)


def posterior_covariance(k: np.ndarray, w: np.ndarray, binv: np.ndarray) -> np.ndarray:
    """Gauss–Newton posterior covariance P_a = (B⁻¹ + KᵀR⁻¹K)⁻¹, shape (P, n, n)."""
    kw = k * w[:, :, None]
    return np.linalg.inv(binv + np.einsum("pmi,pmj->pij", kw, k))


def outlier_observations(sol: Solution, y, w, obs_of: np.ndarray, threshold: float = 3.0):
    """Observations (all bands of one view) with any |r|/σ above ``threshold``.

    Args:
        sol: A converged solution.
        y: Observations (P, m).
        w: Inverse variances (P, m).
        obs_of: Observation index of each of the m values, shape (m,).
        threshold: Normalised-residual limit.

    Returns:
        Boolean (P, m) mask of the values to drop (whole observations).
    """
    z = np.abs(y - sol.h) * np.sqrt(w)
    bad = np.where(w > 0, z, 0.0) > threshold
    n_obs = int(obs_of.max()) + 1 if obs_of.size else 0
    per_obs = np.zeros((bad.shape[0], n_obs), bool)
    np.logical_or.at(per_obs, (slice(None), obs_of), bad)
    return per_obs[:, obs_of] & (w > 0)
