"""Batched Levenberg–Marquardt optimal estimation over pixels (science.md §1.2).

The state is optimised in the transformed space of :mod:`processes.retrieval.state` (t), where
H is nearly linear; the prior is Gaussian in physical units p(t), where science.md §1.3/§1.5
define its means, σ and the random walk Q. Its residual p(t) − p_b enters Gauss–Newton with
the Jacobian D = dp/dt. Arrays carry a leading pixel axis P, m observations and n parameters;
invalid observations have weight 0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from processes.retrieval.soil import Weights, soil_weights
from processes.retrieval.state import NAMES, bounds, dphys_dtrans, to_physical, to_transformed

#: Model(t, jacobian, idx) → (H (p, m), K_t (p, m, n) or None) for the pixels ``idx`` (p of them)
#: of the block, t transformed (p, n).
Model = Callable[[np.ndarray, bool, np.ndarray], tuple[np.ndarray, np.ndarray | None]]

_PSI = NAMES.index("soil_dry")


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
    weights: Weights | None = None
    """R⁻¹ the solution minimised (with the per-overpass soil blocks when asked for)."""


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


def _prior_terms(x: np.ndarray, pb: np.ndarray, bpinv: np.ndarray):
    """Prior cost, its t-gradient and Gauss–Newton t-Hessian at ``x`` (physical Gaussian prior)."""
    dp = dphys_dtrans(x)
    d = to_physical(x) - pb
    bd = np.einsum("pij,pj->pi", bpinv, d)
    hess = dp[:, :, None] * bpinv * dp[:, None, :]
    return 0.5 * np.einsum("pi,pi->p", d, bd), dp * bd, hess


def _cost(y, h, w: Weights, x, pb, bpinv):
    return 0.5 * w.quad(y - h) + _prior_terms(x, pb, bpinv)[0]


def as_weights(w: np.ndarray | Weights) -> Weights:
    """Diagonal inverse variances (P, m) as :class:`Weights`; Weights pass through."""
    return w if isinstance(w, Weights) else Weights(np.asarray(w, dtype=float))


def soil_column(x: np.ndarray, k: np.ndarray) -> np.ndarray:
    """∂H/∂ψ in physical units from the transformed Jacobian, (P, m)."""
    return k[:, :, _PSI] / dphys_dtrans(x)[:, None, _PSI]


def solve(
    model: Model,
    y: np.ndarray,
    w: np.ndarray | Weights,
    pb: np.ndarray,
    bpinv: np.ndarray,
    x0: np.ndarray | None = None,
    max_iter: int = 10,
    tol: float = 0.02,
    soil: tuple[np.ndarray, float] | None = None,
) -> Solution:
    """Minimise J = ½(y−H(t))ᵀW(y−H(t)) + ½(p(t)−p_b)ᵀB⁻¹(p(t)−p_b) per pixel, all pixels at once.

    Pixels leave the active set once converged, so later iterations only cost for the rest.

    Args:
        model: Transformed-space observation operator (see :data:`Model`).
        y: Observations (P, m); any value where ``w`` is 0.
        w: Inverse variances R⁻¹ (diagonal), (P, m), 0 marking unusable observations; or
            full :class:`Weights`, used as they are.
        pb: Prior mean in physical units, (P, n).
        bpinv: Inverse prior covariance in physical units, (P, n, n).
        x0: Transformed starting point (default: the prior mean).
        max_iter: Iteration budget (model + Jacobian evaluations).
        tol: Convergence when an accepted step moves every parameter by < ``tol`` prior σ.
        soil: ``(views, σψ)``: give each overpass (dense ids (P, m)) a soil-wetness offset
            δψ_o ~ N(0, σψ²), marginalised into R⁻¹ with the Jacobian at the current point,
            refreshed after every accepted step (:mod:`processes.retrieval.soil`); diagonal
            ``w`` only.

    Returns:
        The solution with H and K at the optimum.
    """
    lo, hi = bounds()
    x = np.clip(to_transformed(pb) if x0 is None else x0, lo, hi).copy()
    npix, n = x.shape
    h, k = model(x, True, np.arange(npix))
    if soil is not None and not isinstance(w, Weights):
        w = soil_weights(np.array(w, dtype=float), soil_column(x, k), soil[0], soil[1])
    w = as_weights(w)
    cost = _cost(y, h, w, x, pb, bpinv)
    lam = np.full(npix, 1e-2)
    converged = np.zeros(npix, bool)
    iterations = np.zeros(npix, int)
    prior_sd = np.sqrt(np.diagonal(np.linalg.inv(bpinv), axis1=1, axis2=2))
    active = np.arange(npix)
    eye = np.eye(n)
    for _ in range(max_iter):
        if active.size == 0:
            break
        ka, xa, pa, ba = k[active], x[active], pb[active], bpinv[active]
        wa = w if active.size == npix else w.take(active)
        _, g_prior, h_prior = _prior_terms(xa, pa, ba)
        kw = wa.apply(ka)
        grad = np.einsum("pmi,pm->pi", kw, y[active] - h[active]) - g_prior
        hess = h_prior + np.einsum("pmi,pmj->pij", kw, ka)
        damp = lam[active, None, None] * np.diagonal(h_prior, axis1=1, axis2=2)[:, None, :] * eye
        step = np.linalg.solve(hess + damp, grad[..., None])[..., 0]
        x_new = np.clip(xa + step, lo, hi)
        h_new, k_new = model(x_new, True, active)
        c_new = _cost(y[active], h_new, wa, x_new, pa, ba)
        ok = np.isfinite(c_new) & (c_new <= cost[active])
        acc = active[ok]
        x[acc], h[acc], k[acc], cost[acc] = x_new[ok], h_new[ok], k_new[ok], c_new[ok]
        if soil is not None and acc.size:
            # re-linearise the soil blocks at the accepted point, so that the answer's R⁻¹ is
            # the one at the optimum; later steps compare costs under the same R⁻¹
            w.put(acc, soil_weights(w.w[acc], soil_column(x[acc], k[acc]), soil[0][acc], soil[1]))
            cost[acc] = _cost(y[acc], h[acc], w.take(acc), x[acc], pb[acc], bpinv[acc])
        lam[acc] = np.maximum(lam[acc] * 0.1, 1e-6)
        lam[active[~ok]] *= 10.0
        iterations[active] += 1
        moved = np.max(np.abs(to_physical(x_new) - to_physical(xa)) / prior_sd[active], axis=1)
        done = (ok & (moved < tol)) | (lam[active] > 1e6)
        converged[active[ok & (moved < tol)]] = True
        active = active[~done]
    return Solution(x, h, k, cost, converged, iterations, w)


def posterior_covariance(
    x: np.ndarray, k: np.ndarray, w: np.ndarray | Weights, bpinv: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Gauss–Newton posterior covariance at the optimum ``x``.

    With the per-overpass soil blocks in ``w`` this is the marginal posterior of the persistent
    state (δψ_o integrated out), the one the next step's prior needs.

    Returns:
        ``(P_t, P_p)``: in transformed space (DᵀB⁻¹D + KᵀR⁻¹K)⁻¹ and in physical units D P_t D,
        each (P, n, n).
    """
    dp = dphys_dtrans(x)
    kw = as_weights(w).apply(k)
    pt = np.linalg.inv(dp[:, :, None] * bpinv * dp[:, None, :] + np.einsum("pmi,pmj->pij", kw, k))
    return pt, dp[:, :, None] * pt * dp[:, None, :]


def outlier_observations(sol: Solution, y, w, views: np.ndarray, threshold: float = 3.0):
    """Observations (all bands of one overpass) with any |r|/σ above ``threshold``.

    Args:
        sol: A converged solution.
        y: Observations (P, m).
        w: Diagonal inverse variances (P, m).
        views: Overpass id of each of the m values, (P, m) non-negative ints.
        threshold: Normalised-residual limit.

    Returns:
        Boolean (P, m) mask of the values to drop (whole overpasses).
    """
    r = y - sol.h
    if sol.weights is not None:  # what the overpass's own soil offset explains is no outlier
        r = r - sol.weights.explained(r)
    z = np.abs(r) * np.sqrt(w)
    bad = np.where(w > 0, z, 0.0) > threshold
    npix = y.shape[0]
    n_v = max(int(views.max(initial=-1)) + 1, 1)
    rows = np.broadcast_to(np.arange(npix)[:, None], views.shape)
    per_view = np.zeros((npix, n_v), bool)
    np.logical_or.at(per_view, (rows, views), bad)
    return per_view[rows, views] & (w > 0)
