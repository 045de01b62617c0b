"""Per-overpass soil wetness as a window nuisance: R⁻¹ with a rank-one block per overpass.

The window model holds the soil dry fraction ψ constant, but rain darkens the soil on some
overpasses and it dries again within days. Each overpass o gets its own offset δψ_o ~ N(0, σψ²)
around the window's ψ. Marginalised (Rodgers 2000, §3.2.1), it adds σψ² k_o k_oᵀ to the
observation covariance of overpass o's bands, k_o being the ``soil_dry`` column of the Jacobian
on those rows. By Sherman–Morrison each overpass block of R⁻¹ becomes
D_o − c_o u_o u_oᵀ with D = diag(w), u_o = D k_o and c_o = σψ²/(1 + σψ² k_oᵀ D k_o); the blocks
are disjoint, so R⁻¹ = D − U diag(c) Uᵀ with U (P, m, V), U[:, i, v] = u_i where row i belongs
to overpass v. This is the Schur complement of the augmented (n + V)-unknown Gauss–Newton
system, so the posterior of the persistent state is the same as with δψ_o in the state.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Weights:
    """Inverse observation covariance R⁻¹ = diag(w) − U diag(c) Uᵀ of a block of P pixels."""

    w: np.ndarray
    """Diagonal part, (P, m); 0 marks unusable observations."""
    u: np.ndarray | None = None
    """Per-overpass columns D·k_ψ, (P, m, V), or None (R diagonal)."""
    c: np.ndarray | None = None
    """Per-overpass coefficients, (P, V)."""
    k: np.ndarray | None = None
    """The ``soil_dry`` Jacobian column the blocks were built from, (P, m)."""

    def apply(self, a: np.ndarray) -> np.ndarray:
        """R⁻¹·a for a of shape (P, m) or (P, m, n)."""
        vec = a.ndim == 2
        a3 = a[..., None] if vec else a
        out = self.w[..., None] * a3
        if self.u is not None:
            ua = np.einsum("pmv,pmj->pvj", self.u, a3) * self.c[..., None]
            out = out - np.einsum("pmv,pvj->pmj", self.u, ua)
        return out[..., 0] if vec else out

    def quad(self, r: np.ndarray) -> np.ndarray:
        """rᵀR⁻¹r per pixel, (P,)."""
        return np.einsum("pm,pm->p", r, self.apply(r))

    def offsets(self, r: np.ndarray) -> np.ndarray:
        """Posterior mean of δψ_o given residuals r (linear), (P, V); zeros without blocks."""
        if self.u is None:
            return np.zeros((r.shape[0], 0))
        return self.c * np.einsum("pmv,pm->pv", self.u, r)

    def explained(self, r: np.ndarray) -> np.ndarray:
        """The part k_o·δψ̂_o of the residuals r that the soil offsets account for, (P, m)."""
        if self.u is None:
            return np.zeros_like(r)
        per_row = np.einsum("pmv,pv->pm", self.u != 0, self.offsets(r))
        return self.k * per_row

    def take(self, idx: np.ndarray) -> Weights:
        """The weights of the pixels ``idx``."""
        if self.u is None:
            return Weights(self.w[idx])
        return Weights(self.w[idx], self.u[idx], self.c[idx], self.k[idx])

    def put(self, idx: np.ndarray, other: Weights) -> None:
        """Overwrite the pixels ``idx`` with ``other`` (same m, at most as many overpasses)."""
        self.w[idx] = other.w
        if self.u is not None:
            pad = self.u.shape[2] - other.u.shape[2]  # overpasses none of ``idx`` has
            self.u[idx] = np.pad(other.u, ((0, 0), (0, 0), (0, pad)))
            self.c[idx] = np.pad(other.c, ((0, 0), (0, pad)))
            self.k[idx] = other.k


def dense_views(views: np.ndarray) -> np.ndarray:
    """Overpass ids renumbered 0…V−1 (ids are global per window call, possibly sparse)."""
    _, inv = np.unique(views, return_inverse=True)
    return inv.reshape(views.shape)


def soil_weights(w: np.ndarray, k_psi: np.ndarray, views: np.ndarray, sd: float) -> Weights:
    """R⁻¹ with each overpass's soil offset δψ_o ~ N(0, sd²) marginalised.

    Args:
        w: Diagonal inverse variances (P, m); 0 marks unusable observations.
        k_psi: ∂H/∂ψ in physical units at the linearisation point, (P, m).
        views: Overpass ids renumbered by :func:`dense_views`, (P, m).
        sd: σψ of the per-overpass offsets; 0 gives the diagonal weights.

    Returns:
        The weights; unusable rows do not enter any block.
    """
    if sd <= 0:
        return Weights(w)
    n_v = int(views.max(initial=-1)) + 1
    onehot = views[..., None] == np.arange(n_v)
    u = np.where(onehot, (w * k_psi)[..., None], 0.0)
    kdk = np.einsum("pmv,pm->pv", u, k_psi)
    c = sd**2 / (1.0 + sd**2 * kdk)
    return Weights(w, u, c, k_psi)
