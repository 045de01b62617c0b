"""The temporal prior (science.md §1.5): previous posterior + Q, capped at climatology, or a reset."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from processes.retrieval.state import climatology, process_noise


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
    prior: PosteriorState | None, npix: int, temporal: bool = True, steps: float = 1.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Prior of a step: the previous posterior inflated by Q where valid, climatology elsewhere.

    Args:
        prior: Posterior of the previous step, or None.
        npix: Number of pixels.
        temporal: False ignores ``prior`` (every pixel starts from climatology).
        steps: Age of ``prior`` in 5-day steps (scales Q).

    Returns:
        ``(mean (P, n), covariance (P, n, n), from_previous (P,))`` in physical units; every
        σ is capped at its climatological σ (correlations kept).
    """
    pb, b = climatology(npix)
    use = np.zeros(npix, bool)
    if prior is not None and temporal:
        use = prior.valid & np.all(np.isfinite(prior.x), axis=1)
    if np.any(use):
        bp = prior.cov[use] + process_noise(steps)
        clim_sd = np.sqrt(np.diagonal(b[use], axis1=1, axis2=2))
        scale = np.minimum(1.0, clim_sd / np.sqrt(np.diagonal(bp, axis1=1, axis2=2)))
        pb[use] = prior.x[use]
        b[use] = bp * scale[:, :, None] * scale[:, None, :]
    return pb, b, use
