"""SMAC: published-style test vectors, and forward→inverse round trip on every shipped set."""

from __future__ import annotations

import numpy as np
import pytest

from processes.preprocess.coefficients import load_coefficients, shipped_coefficient_names
from processes.preprocess.smac import pressure_from_height, smac_atmosphere, toa_to_toc, toc_to_toa

CONDITIONS = {"sza": 40.0, "saa": 0.0, "vza": 10.0, "vaa": 120.0, "pressure": 1013.25,
              "aot550": 0.2, "uo3": 0.3, "uh2o": 2.0}  # fmt: skip

# science.md §4.3: t_g, T↓T↑, S, ρ_atm, ρ_TOA at ρ_s = 0.05 and 0.3.
KNOWN = [
    ("coef_VGT2_B0_CONT.dat", 0.996, 0.680, 0.184, 0.0946, 0.1284, 0.3094),
    ("coef_VGT2_B2_CONT.dat", 0.935, 0.861, 0.084, 0.0299, 0.0683, 0.2754),
    ("coef_VGT2_B3_CONT.dat", 0.920, 0.906, 0.051, 0.0145, 0.0552, 0.2674),
    ("coef_VGT2_MIR_CONT.dat", 0.960, 0.959, 0.016, 0.0028, 0.0488, 0.2801),
    ("coef_METOP_VIS_CONT.dat", 0.928, 0.847, 0.093, 0.0342, 0.0713, 0.2744),
    ("coef_METOP_NIR_CONT.dat", 0.816, 0.906, 0.051, 0.0146, 0.0489, 0.2371),
    ("coef_METOP_MIR_CONT.dat", 0.966, 0.958, 0.016, 0.0029, 0.0491, 0.2816),
]


@pytest.mark.parametrize(("name", "tg", "tt", "s", "atm", "toa05", "toa30"), KNOWN)
def test_known_values(name, tg, tt, s, atm, toa05, toa30):
    a = smac_atmosphere(load_coefficients(name), **CONDITIONS)
    assert float(a.tg) == pytest.approx(tg, abs=5e-4)
    assert float(a.t_scat) == pytest.approx(tt, abs=5e-4)
    assert float(a.s) == pytest.approx(s, abs=5e-4)
    assert float(a.atm_ref) == pytest.approx(atm, abs=5e-5)
    np.testing.assert_allclose(toc_to_toa([0.05, 0.3], a), [toa05, toa30], atol=5e-5)
    np.testing.assert_allclose(toa_to_toc([toa05, toa30], a), [0.05, 0.3], atol=5e-4)


def _grid():
    # Angles, aerosol, gases, altitude and reflectance varied together: 6^3 cases per set.
    rng = np.random.default_rng(1)
    n = 216
    return {
        "sza": rng.uniform(0, 70, n), "saa": rng.uniform(0, 360, n),
        "vza": rng.uniform(0, 60, n), "vaa": rng.uniform(0, 360, n),
        "pressure": pressure_from_height(rng.uniform(0, 3000, n)),
        "aot550": rng.uniform(0, 0.8, n), "uo3": rng.uniform(0.2, 0.45, n),
        "uh2o": rng.uniform(0.2, 5.0, n),
    }, rng.uniform(0.0, 0.8, n)  # fmt: skip


@pytest.mark.parametrize("name", shipped_coefficient_names())
def test_round_trip_every_shipped_set(name):
    inputs, rho = _grid()
    a = smac_atmosphere(load_coefficients(name), **inputs)
    back = toa_to_toc(toc_to_toa(rho, a), a)
    assert np.max(np.abs(back - rho)) <= 1e-6


def test_round_trip_known_conditions_every_set():
    rho = np.array([0.0, 0.05, 0.2, 0.3, 0.6])
    for name in shipped_coefficient_names():
        a = smac_atmosphere(load_coefficients(name), **CONDITIONS)
        assert np.max(np.abs(toa_to_toc(toc_to_toa(rho, a), a) - rho)) <= 1e-6, name


def test_pressure_from_height():
    assert float(pressure_from_height(0.0)) == pytest.approx(1013.25)
    # Standard atmosphere: about 898.7 hPa at 1000 m, 795 hPa at 2000 m.
    assert float(pressure_from_height(1000.0)) == pytest.approx(898.7, abs=2.0)
    assert float(pressure_from_height(2000.0)) == pytest.approx(795.0, abs=3.0)


def test_atmosphere_darkens_or_brightens_as_physics_says():
    c = load_coefficients("coef_VGT2_B0_CONT.dat")
    clean = smac_atmosphere(c, **{**CONDITIONS, "aot550": 0.05})
    hazy = smac_atmosphere(c, **{**CONDITIONS, "aot550": 0.6})
    # More aerosol: brighter path radiance, less transmission.
    assert hazy.atm_ref > clean.atm_ref and hazy.t_scat < clean.t_scat
