"""The temporal prior (science.md §1.5): previous posterior + Q, capped at climatology, or a reset."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from processes.retrieval.state import PARAMETERS, climatology


@dataclass(frozen=True)
class Climatology:
    """Per-pixel climatological prior and random walk, physical units."""

    mean: np.ndarray
    """Prior mean, (P, n)."""
    sd: np.ndarray
    """Prior σ, (P, n); the climatology is diagonal (kept as σ: a chunk holds it for all its
    dates, and (P, n, n) would be n times larger)."""
    q_sd: np.ndarray
    """Random-walk σ per 5-day step, (P, n)."""

    @property
    def cov(self) -> np.ndarray:
        """Prior covariance, (P, n, n)."""
        return self.sd[:, :, None] ** 2 * np.eye(self.sd.shape[1])

    @classmethod
    def default(cls, npix: int) -> Climatology:
        """The global climatology of :data:`processes.retrieval.state.PARAMETERS`."""
        rows = [[getattr(p, a) for p in PARAMETERS] for a in ("prior_mean", "prior_sd", "q_sd")]
        return cls(*(np.tile(r, (npix, 1)) for r in rows))


@dataclass
class PosteriorState:
    """Posterior of a step in physical units, the prior source of the next step."""

    x: np.ndarray
    """Posterior mean (physical units, :data:`processes.retrieval.state.NAMES` order), (P, n)."""
    cov: np.ndarray
    """Posterior covariance (physical units), (P, n, n)."""
    valid: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    """True where a retrieval with observations exists, (P,)."""

    @classmethod
    def empty(cls, npix: int) -> PosteriorState:
        """A state without any valid pixel (all priors will be climatology)."""
        x, cov = climatology(npix)
        return cls(x, cov, np.zeros(npix, bool))


def temporal_prior(
    prior: PosteriorState | None,
    npix: int,
    temporal: bool = True,
    steps: float = 1.0,
    clim: Climatology | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Prior of a step: the previous posterior inflated by Q where valid, climatology elsewhere.

    Args:
        prior: Posterior of the previous step, or None.
        npix: Number of pixels.
        temporal: False ignores ``prior`` (every pixel starts from climatology).
        steps: Age of ``prior`` in 5-day steps (scales Q).
        clim: Per-pixel climatology and random walk, e.g. from a land-cover map
            (:mod:`processes.retrieval.landcover`); None: the global one.

    Returns:
        ``(mean (P, n), covariance (P, n, n), from_previous (P,))`` in physical units; every
        σ is capped at its climatological σ (correlations kept).
    """
    clim = Climatology.default(npix) if clim is None else clim
    pb, b = clim.mean.copy(), clim.cov
    use = np.zeros(npix, bool)
    if prior is not None and temporal:
        use = prior.valid & np.all(np.isfinite(prior.x), axis=1)
    if np.any(use):
        q = clim.q_sd[use] ** 2 * steps
        bp = prior.cov[use] + q[:, :, None] * np.eye(q.shape[1])
        clim_sd = np.sqrt(np.diagonal(b[use], axis1=1, axis2=2))
        scale = np.minimum(1.0, clim_sd / np.sqrt(np.diagonal(bp, axis1=1, axis2=2)))
        pb[use] = prior.x[use]
        b[use] = bp * scale[:, :, None] * scale[:, None, :]
    return pb, b, use
