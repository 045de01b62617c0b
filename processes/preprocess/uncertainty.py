"""SMAC inverse with linearised uncertainty propagation (science.md §4.5)."""

from __future__ import annotations

import dataclasses

import numpy as np
from numpy.typing import ArrayLike, NDArray

from processes.preprocess.coefficients import SmacCoefficients
from processes.preprocess.smac import smac_atmosphere, toa_to_toc

#: Atmospheric inputs whose errors are propagated, in the order of ``smac_atmosphere``.
METEO_PARAMETERS = ("pressure", "aot550", "uo3", "uh2o")


@dataclasses.dataclass(frozen=True)
class SmacErrorModel:
    """1σ errors of the SMAC inputs (science.md §4.5 defaults)."""

    toa_rel: float = 0.03
    """Relative TOA calibration error."""
    aot_abs_min: float = 0.05
    """Floor of the AOT error."""
    aot_rel: float = 0.2
    """Relative AOT error (σ_τ = max(aot_abs_min, aot_rel·τ))."""
    h2o_rel: float = 0.2
    """Relative water-vapour error."""
    o3_abs: float = 0.02
    """Ozone error (cm-atm)."""
    pressure_abs: float = 5.0
    """Pressure error (hPa)."""
    smac_rel: float = 0.025
    """SMAC model error, relative to ρ_s (the SMAC readme quotes 2-3 %)."""

    def sigmas(self, rho_toa, pressure, aot550, uo3, uh2o) -> dict[str, NDArray[np.float64]]:
        """Return the 1σ error of every input, broadcast like the inputs."""
        return {
            "rho_toa": self.toa_rel * np.abs(np.asarray(rho_toa, float)),
            "pressure": np.full_like(np.asarray(pressure, float), self.pressure_abs),
            "aot550": np.maximum(self.aot_abs_min, self.aot_rel * np.asarray(aot550, float)),
            "uo3": np.full_like(np.asarray(uo3, float), self.o3_abs),
            "uh2o": self.h2o_rel * np.asarray(uh2o, float),
        }


@dataclasses.dataclass(frozen=True)
class SmacInversion:
    """TOC reflectance with its uncertainty and sensitivities."""

    toc: NDArray[np.float64]
    """Surface reflectance ρ_s."""
    sigma: NDArray[np.float64]
    """1σ uncertainty of ρ_s."""
    jacobian: dict[str, NDArray[np.float64]]
    """∂ρ_s/∂p for p in rho_toa and ``METEO_PARAMETERS``."""


def _step(name: str, value: NDArray[np.float64]) -> NDArray[np.float64]:
    # Relative steps with an absolute floor: small enough for the linear regime, large enough
    # that float64 round-off (~1e-16 / h) stays far below the derivative.
    floor = {"pressure": 0.5, "aot550": 1e-4, "uo3": 1e-4, "uh2o": 1e-3}[name]
    return np.maximum(1e-3 * np.abs(value), floor)


def smac_inverse_with_uncertainty(
    c: SmacCoefficients,
    rho_toa: ArrayLike,
    sza: ArrayLike,
    saa: ArrayLike,
    vza: ArrayLike,
    vaa: ArrayLike,
    pressure: ArrayLike,
    aot550: ArrayLike,
    uo3: ArrayLike,
    uh2o: ArrayLike,
    errors: SmacErrorModel | None = None,
    extra_rel: float = 0.0,
) -> SmacInversion:
    """Invert SMAC and propagate input errors to ρ_s by linearisation.

    ∂ρ_s/∂ρ_TOA is analytic; the meteorological sensitivities are central finite differences
    (one-sided where a column would go negative). σ² = Σ (∂ρ_s/∂p)² σ_p² + (ε·ρ_s)² with
    ε² = smac_rel² + extra_rel² (``extra_rel`` carries the proxy spectral-mismatch term).

    Args:
        c: coefficients of the band.
        rho_toa: TOA reflectance.
        sza: solar zenith angle (degrees).
        saa: solar azimuth angle (degrees).
        vza: view zenith angle (degrees).
        vaa: view azimuth angle (degrees).
        pressure: surface pressure (hPa).
        aot550: AOT at 550 nm.
        uo3: ozone (cm-atm).
        uh2o: water vapour (g/cm²).
        errors: input error model; the §4.5 defaults when None.
        extra_rel: additional relative error of ρ_s (proxy coefficients).

    Returns:
        ρ_s, σ(ρ_s) and the Jacobian.
    """
    errors = errors or SmacErrorModel()
    geometry = (sza, saa, vza, vaa)
    meteo = {
        k: np.asarray(v, float)
        for k, v in zip(METEO_PARAMETERS, (pressure, aot550, uo3, uh2o), strict=True)
    }
    atm = smac_atmosphere(c, *geometry, **meteo)
    toa = np.asarray(rho_toa, float)
    toc = toa_to_toc(toa, atm)
    y = toa - atm.tg * atm.atm_ref
    jac = {"rho_toa": atm.tg * atm.t_scat / (atm.tg * atm.t_scat + atm.s * y) ** 2}
    for name in METEO_PARAMETERS:
        value = meteo[name]
        h = _step(name, value)
        lo = np.maximum(value - h, 0.0)
        hi = value + h
        plus = toa_to_toc(toa, smac_atmosphere(c, *geometry, **{**meteo, name: hi}))
        minus = toa_to_toc(toa, smac_atmosphere(c, *geometry, **{**meteo, name: lo}))
        jac[name] = (plus - minus) / (hi - lo)
    sig = errors.sigmas(toa, **meteo)
    var = sum(jac[k] ** 2 * sig[k] ** 2 for k in jac)
    var = var + (errors.smac_rel**2 + extra_rel**2) * toc**2
    return SmacInversion(toc=toc, sigma=np.sqrt(var), jacobian=jac)
