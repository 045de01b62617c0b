"""Flux outputs of a retrieval (fAPAR, broadband albedos) with linearised σ, and covariance bands."""

from __future__ import annotations

import numpy as np

from processes.retrieval.forward import (
    ALBEDO_RANGES,
    absorptance,
    albedo_spectrum,
    as_state,
    irradiance_weights,
    par_weights,
    sun_terms,
)
from processes.retrieval.state import N_PARAMS, NAMES, bounds, full_state, to_physical

#: Broadband albedos of the VP_cci site products: BHR (white-sky, diffuse E_d weighting) and
#: DHR (black-sky at local solar noon, direct E_s weighting) over VIS, NIR and SW.
ALBEDO_OUTPUTS = tuple(f"{kind}_{r}" for kind in ("BHR", "DHR") for r in ALBEDO_RANGES)
#: Upper triangle of the posterior covariance (physical units), ``cov_<a>_<b>``.
COVARIANCE_OUTPUTS = tuple(f"cov_{a}_{b}" for i, a in enumerate(NAMES) for b in NAMES[i:])
#: Sampling (nm) of the albedo integrals.
ALBEDO_STEP = 10.0


def fluxes(p: np.ndarray, sza: np.ndarray, config, albedos: bool = False) -> dict[str, np.ndarray]:
    """fAPAR (black-sky at ``sza``) and, with ``albedos``, the six broadband albedos.

    One PROSPECT + 4SAIL sun-terms run on the union of the PAR and albedo samplings.

    Args:
        p: Physical parameters, (P, n).
        sza: Solar zenith (degrees) of the black-sky quantities, (P,).
        config: A :class:`processes.retrieval.window.RetrievalConfig`.
        albedos: Also compute :data:`ALBEDO_OUTPUTS`.

    Returns:
        Name → (P,) array.
    """
    par = par_weights(config.fapar_step, config.fapar_weighting, "black")
    parts = {"fAPAR": ("absorb", par)}
    if albedos:
        for name in ALBEDO_OUTPUTS:
            kind, r = name.split("_")
            light = "white" if kind == "BHR" else "black"
            parts[name] = (
                light,
                irradiance_weights(ALBEDO_RANGES[r], ALBEDO_STEP, "energy", light),
            )
    wl = np.unique(np.concatenate([wl_w[0] for _, wl_w in parts.values()]))
    c, soil = sun_terms(as_state(full_state(p)), sza, wl, config.binning)
    spectra = {"absorb": absorptance(c, soil, "black")}
    if albedos:
        spectra["black"] = albedo_spectrum(c, soil, "black")
        spectra["white"] = albedo_spectrum(c, soil, "white")
    return {
        name: spectra[what][:, np.searchsorted(wl, lam)] @ w
        for name, (what, (lam, w)) in parts.items()
    }


def fluxes_with_gradient(t: np.ndarray, sza: np.ndarray, config, albedos: bool = False):
    """:func:`fluxes` at ``t`` (transformed, (P, n)) and their t-gradients by forward differences.

    Returns:
        ``(values, gradients)``: name → (P,) and name → (P, n).
    """
    npix = t.shape[0]
    _, hi = bounds()
    h = 1e-6 * np.where(t + 1e-6 <= hi, 1.0, -1.0)
    ts = np.concatenate([t] + [t + np.eye(N_PARAMS)[j] * h[:, j : j + 1] for j in range(N_PARAMS)])
    f = fluxes(to_physical(ts), np.tile(sza, N_PARAMS + 1), config, albedos)
    values, grads = {}, {}
    for name, v in f.items():
        v = v.reshape(N_PARAMS + 1, npix)
        values[name] = v[0]
        grads[name] = ((v[1:] - v[0]) / h.T).T
    return values, grads


def covariance_bands(cov: np.ndarray) -> dict[str, np.ndarray]:
    """The upper triangle of a physical covariance (P, n, n) as :data:`COVARIANCE_OUTPUTS`."""
    iu = np.triu_indices(N_PARAMS)
    return {name: cov[:, i, j] for name, i, j in zip(COVARIANCE_OUTPUTS, iu[0], iu[1], strict=True)}
