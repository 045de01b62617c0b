"""Uncertainty propagation: derivatives against finite differences, σ against Monte Carlo."""

from __future__ import annotations

import numpy as np
import pytest

from processes.preprocess.coefficients import load_coefficients
from processes.preprocess.smac import smac_atmosphere, toa_to_toc, toc_to_toa
from processes.preprocess.uncertainty import SmacErrorModel, smac_inverse_with_uncertainty

GEOM = {"sza": np.array([25.0, 40.0, 60.0]), "saa": np.array([150.0, 0.0, 120.0]),
        "vza": np.array([5.0, 10.0, 45.0]), "vaa": np.array([290.0, 120.0, 100.0])}  # fmt: skip
METEO = {"pressure": np.array([1013.0, 950.0, 820.0]), "aot550": np.array([0.05, 0.2, 0.5]),
         "uo3": np.array([0.28, 0.3, 0.4]), "uh2o": np.array([0.5, 2.0, 4.0])}  # fmt: skip


def _inverse(c, toa, **kw):
    args = {**GEOM, **METEO, **kw}
    toa_args = dict(args.items())
    return toa_to_toc(toa, smac_atmosphere(c, **toa_args))


@pytest.mark.parametrize(
    "name", ["coef_METOP_VIS_CONT.dat", "coef_MODIS2_DES.dat", "coef_VGT2_B0_CONT.dat"]
)
def test_jacobian_matches_richardson_finite_differences(name):
    c = load_coefficients(name)
    toa = toc_to_toa(np.array([0.05, 0.25, 0.4]), smac_atmosphere(c, **GEOM, **METEO))
    inv = smac_inverse_with_uncertainty(c, toa, **GEOM, **METEO)
    # Independent check: 4th-order Richardson central differences with other step sizes.
    steps = {"rho_toa": 1e-4, "pressure": 2.0, "aot550": 2e-3, "uo3": 2e-3, "uh2o": 2e-2}
    for p, h in steps.items():

        def f(delta, p=p):
            if p == "rho_toa":
                return _inverse(c, toa + delta)
            return _inverse(c, toa, **{p: METEO[p] + delta})

        d1 = (f(h) - f(-h)) / (2 * h)
        d2 = (f(h / 2) - f(-h / 2)) / h
        ref = (4 * d2 - d1) / 3
        np.testing.assert_allclose(inv.jacobian[p], ref, rtol=1e-4, atol=1e-7, err_msg=p)


def test_sigma_matches_monte_carlo():
    c = load_coefficients("coef_METOP_VIS_CONT.dat")
    toa = toc_to_toa(np.array([0.05, 0.25, 0.4]), smac_atmosphere(c, **GEOM, **METEO))
    # Small input errors keep the problem linear; no model error, so σ is pure propagation.
    errors = SmacErrorModel(toa_rel=0.01, aot_abs_min=0.01, aot_rel=0.05, h2o_rel=0.05,
                            o3_abs=0.005, pressure_abs=3.0, smac_rel=0.0)  # fmt: skip
    inv = smac_inverse_with_uncertainty(c, toa, **GEOM, **METEO, errors=errors)
    sig = errors.sigmas(toa, **METEO)
    rng = np.random.default_rng(7)
    n = 20000
    draws = {k: METEO[k] + sig[k] * rng.standard_normal((n, 3)) for k in METEO}
    toa_draw = toa + sig["rho_toa"] * rng.standard_normal((n, 3))
    sample = toa_to_toc(toa_draw, smac_atmosphere(c, **GEOM, **draws))
    np.testing.assert_allclose(sample.std(axis=0), inv.sigma, rtol=0.04)


def test_model_and_proxy_terms_add_in_quadrature():
    c = load_coefficients("coef_MODIS1_CONT.dat")
    toa = np.array([0.1])
    geom = {k: v[:1] for k, v in GEOM.items()}
    met = {k: v[:1] for k, v in METEO.items()}
    base = smac_inverse_with_uncertainty(c, toa, **geom, **met, errors=SmacErrorModel(smac_rel=0.0))
    full = smac_inverse_with_uncertainty(c, toa, **geom, **met, errors=SmacErrorModel(smac_rel=0.02),
                                         extra_rel=0.01)  # fmt: skip
    expected = np.sqrt(base.sigma**2 + (0.02**2 + 0.01**2) * base.toc**2)
    np.testing.assert_allclose(full.sigma, expected, rtol=1e-12)
    assert np.all(full.sigma > base.sigma)
