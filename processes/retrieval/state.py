"""State vector of the inversion: parameters, transforms, priors, bounds, process noise (science.md §1.3, §1.5)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Parameter:
    """One retrieved parameter, optimised in a transformed space that makes H more linear."""

    name: str
    """Key in the forward-model state."""
    transform: str
    """``"exp"``: t = exp(−p/scale); ``"lin"``: t = p/scale."""
    scale: float
    """Scale of the transform."""
    prior_mean: float
    """Climatological prior mean (physical units)."""
    prior_sd: float
    """Climatological prior σ (physical units)."""
    lower: float
    """Lower bound (physical units)."""
    upper: float
    """Upper bound (physical units)."""
    q_sd: float
    """Random-walk σ per 5-day step (physical units)."""


#: Cycle-1 state (science.md §1.3): 8 retrieved parameters, in this order.
PARAMETERS = (
    Parameter("lai", "exp", 2.0, 1.5, 5.0, 0.01, 10.0, 0.75),
    Parameter("cab", "exp", 100.0, 40.0, 20.0, 0.0, 100.0, 10.0),
    Parameter("cbrown", "lin", 1.0, 0.1, 0.3, 0.0, 1.5, 0.1),
    Parameter("cw", "exp", 0.02, 0.012, 0.006, 0.001, 0.05, 0.003),
    Parameter("cm", "exp", 0.01, 0.006, 0.003, 0.001, 0.02, 0.0005),
    Parameter("ala", "lin", 90.0, 57.0, 10.0, 20.0, 80.0, 2.0),
    Parameter("soil_brightness", "lin", 1.0, 1.0, 0.3, 0.3, 2.5, 0.05),
    Parameter("soil_dry", "lin", 1.0, 0.5, 0.3, 0.0, 1.0, 0.25),
)
NAMES = tuple(p.name for p in PARAMETERS)
N_PARAMS = len(PARAMETERS)
#: Parameters held fixed (science.md §1.3); Car is tied to Cab/4.
FIXED = {"n": 1.5, "ant": 0.0, "hotspot": 0.1}
CAR_PER_CAB = 0.25

_EXP = np.array([p.transform == "exp" for p in PARAMETERS])
_SCALE = np.array([p.scale for p in PARAMETERS])


def to_transformed(p: np.ndarray) -> np.ndarray:
    """Physical (..., n) → transformed (..., n)."""
    return np.where(_EXP, np.exp(-p / _SCALE), p / _SCALE)


def to_physical(t: np.ndarray) -> np.ndarray:
    """Transformed (..., n) → physical (..., n)."""
    with np.errstate(divide="ignore"):
        return np.where(_EXP, -_SCALE * np.log(np.where(_EXP, t, 1.0)), t * _SCALE)


def dphys_dtrans(t: np.ndarray) -> np.ndarray:
    """Derivative dp/dt (..., n) of the inverse transform."""
    with np.errstate(divide="ignore"):
        return np.where(_EXP, -_SCALE / np.where(_EXP, t, 1.0), _SCALE)


def bounds() -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds in transformed space, each shape (n,)."""
    lo = to_transformed(np.array([p.lower for p in PARAMETERS]))
    hi = to_transformed(np.array([p.upper for p in PARAMETERS]))
    return np.minimum(lo, hi), np.maximum(lo, hi)


def climatology(npix: int) -> tuple[np.ndarray, np.ndarray]:
    """Climatological prior in physical units (science.md §1.3).

    Args:
        npix: Number of pixels.

    Returns:
        ``(mean (P, n), covariance (P, n, n))``, diagonal.
    """
    mean = np.array([p.prior_mean for p in PARAMETERS])
    sd = np.array([p.prior_sd for p in PARAMETERS])
    return np.tile(mean, (npix, 1)), np.tile(np.diag(sd**2), (npix, 1, 1))


def process_noise(steps: float = 1.0) -> np.ndarray:
    """Random-walk covariance Q (n, n) in physical units for ``steps`` 5-day steps (§1.5).

    Q lives in physical units on purpose: linearised in the transformed space at the previous
    optimum, it vanished where the transform is flat (LAI 8 → σ_Q ≈ 0.01 LAI), so a single
    saturated retrieval pinned every later prior to the LAI plateau (docs/retrieval.md).
    """
    q = np.array([p.q_sd for p in PARAMETERS])
    return np.diag(q**2 * steps)


def full_state(p: np.ndarray) -> dict[str, np.ndarray]:
    """Forward-model state from retrieved physical parameters (P, n) plus the fixed ones."""
    s = {name: p[:, i] for i, name in enumerate(NAMES)}
    s["car"] = CAR_PER_CAB * s["cab"]
    npix = p.shape[0]
    s.update({k: np.full(npix, v) for k, v in FIXED.items()})
    return s
