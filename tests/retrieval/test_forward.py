"""Forward model against prosail.run_prosail and the test vectors of science.md §2.4."""

import numpy as np
import prosail
import pytest

from processes.retrieval.bands import PROBAV, make_bands
from processes.retrieval.forward import (
    ALBEDO_RANGES,
    albedo,
    band_reflectance,
    fapar,
    irradiance_weights,
    soil_reflectance,
    spectral_albedo,
    spectral_reflectance,
)
from processes.retrieval.lidf import campbell
from processes.retrieval.prospect import prospect_d, prospect_d_jacobian

BASE = {
    "n": 1.5, "cab": 40.0, "car": 8.0, "ant": 0.0, "cbrown": 0.0, "cw": 0.01, "cm": 0.009,
    "ala": 57.3, "hotspot": 0.05, "soil_brightness": 1.0, "soil_dry": 0.5,
}  # fmt: skip


def _random_states(n, seed):
    rng = np.random.default_rng(seed)
    state = {
        "n": rng.uniform(1, 3, n), "cab": rng.uniform(0, 100, n), "car": rng.uniform(0, 25, n),
        "ant": rng.uniform(0, 5, n), "cbrown": rng.uniform(0, 1.5, n),
        "cw": rng.uniform(0.001, 0.05, n), "cm": rng.uniform(0.001, 0.02, n),
        "lai": rng.uniform(0.01, 8, n), "ala": rng.uniform(20, 80, n),
        "hotspot": rng.uniform(0, 0.5, n), "soil_brightness": rng.uniform(0.3, 2.5, n),
        "soil_dry": rng.uniform(0, 1, n),
    }  # fmt: skip
    geom = [rng.uniform(0, 70, n), rng.uniform(0, 60, n), rng.uniform(0, 180, n)]
    # edge cases: exact hotspot (dso = 0), nadir sun, no hotspot
    geom[0][:3], geom[1][:3], geom[2][:3] = 30.0, 30.0, 0.0
    geom[0][3] = 0.0
    state["hotspot"][4] = 0.0
    return state, geom


def _prosail(state, geom, i):
    return prosail.run_prosail(
        state["n"][i], state["cab"][i], state["car"][i], state["cbrown"][i], state["cw"][i],
        state["cm"][i], state["lai"][i], state["ala"][i], state["hotspot"][i], geom[0][i],
        geom[1][i], geom[2][i], ant=state["ant"][i], prospect_version="D", typelidf=2,
        rsoil=state["soil_brightness"][i], psoil=state["soil_dry"][i], factor="ALL",
    )  # fmt: skip


def test_agrees_with_prosail_on_random_sets():
    state, geom = _random_states(220, seed=4)
    wl = np.arange(400, 2501)
    ours = spectral_reflectance(state, *(g[:, None] for g in geom), wl)[:, 0]
    hdr = spectral_reflectance(state, *(g[:, None] for g in geom), wl, diffuse_fraction=1.0)[:, 0]
    worst = worst_hdr = 0.0
    for i in range(220):
        rsot, _, _, rdot = _prosail(state, geom, i)
        worst = max(worst, np.abs(ours[i] - rsot).max())
        worst_hdr = max(worst_hdr, np.abs(hdr[i] - rdot).max())
    assert worst <= 1e-6
    assert worst_hdr <= 1e-6


def test_albedos_agree_with_prosail_dhr_and_bhr():
    state, geom = _random_states(40, seed=9)
    wl = np.arange(400, 2501)
    dhr = spectral_albedo(state, geom[0], wl, kind="black")
    bhr = spectral_albedo(state, geom[0], wl, kind="white")
    worst = 0.0
    for i in range(40):
        _, rddt, rsdt, _ = _prosail(state, geom, i)
        worst = max(worst, np.abs(dhr[i] - rsdt).max(), np.abs(bhr[i] - rddt).max())
    assert worst <= 1e-6


def test_broadband_albedo_is_the_weighted_spectrum():
    s = dict(BASE, lai=np.array([0.5, 3.0]))
    for kind in ("black", "white"):
        for name, rng in ALBEDO_RANGES.items():
            wl, w = irradiance_weights(rng, 10.0, "energy", kind)
            spec = spectral_albedo(s, 30.0, wl, kind=kind)
            np.testing.assert_allclose(albedo(s, 30.0, kind=kind, spectral_range=rng), spec @ w)
            assert np.all((spec @ w > 0) & (spec @ w < 1)), name
    vis = albedo(s, 30.0, spectral_range=ALBEDO_RANGES["VIS"])
    nir = albedo(s, 30.0, spectral_range=ALBEDO_RANGES["NIR"])
    # a denser canopy is darker in the visible and brighter in the NIR (over this soil)
    assert vis[1] < vis[0] and nir[1] > nir[0] and np.all(nir > vis)
    # white-sky BHR does not depend on the sun
    np.testing.assert_allclose(albedo(s, 10.0, kind="white"), albedo(s, 60.0, kind="white"))


def test_several_views_per_pixel_equal_single_views():
    state, geom = _random_states(6, seed=7)
    sza = np.stack([geom[0], geom[0][::-1]], axis=1)
    vza = np.stack([geom[1], geom[1][::-1]], axis=1)
    raa = np.stack([geom[2], geom[2][::-1]], axis=1)
    both = spectral_reflectance(state, sza, vza, raa, [500, 800])
    for o in range(2):
        one = spectral_reflectance(
            state, sza[:, o : o + 1], vza[:, o : o + 1], raa[:, o : o + 1], [500, 800]
        )
        np.testing.assert_allclose(both[:, o], one[:, 0], rtol=0, atol=1e-14)


@pytest.mark.parametrize(
    ("lai", "sza", "vza", "raa", "expected", "fapar_bs", "fapar_ws"),
    [
        (0.5, 30, 0, 0, [0.0785, 0.1095, 0.2613, 0.2973], 0.2687, 0.3877),
        (2.0, 30, 10, 0, [0.0285, 0.0352, 0.3506, 0.2374], 0.6883, 0.8323),
        (4.0, 45, 30, 90, [0.0142, 0.0152, 0.4228, 0.2077], 0.9127, 0.9455),
        (6.0, 30, 40, 180, [0.0102, 0.0115, 0.4297, 0.1923], 0.9440, 0.9627),
    ],
)
def test_science_note_vectors(lai, sza, vza, raa, expected, fapar_bs, fapar_ws):
    s = dict(BASE, lai=lai)
    r = spectral_reflectance(s, [sza], [vza], [raa], [460, 658, 834, 1610])[0, 0]
    np.testing.assert_allclose(r, expected, atol=6e-5)
    assert fapar(s, sza, step=1)[0] == pytest.approx(fapar_bs, abs=6e-5)
    assert fapar(s, sza, step=1, kind="white")[0] == pytest.approx(fapar_ws, abs=6e-5)


def test_band_integration_flat_top():
    bands = make_bands(*PROBAV)
    got = np.stack(
        [band_reflectance(dict(BASE, lai=v), [30], [10], [0], bands)[0, 0] for v in (0.5, 4)]
    )
    expected = [[0.0794, 0.1132, 0.2657, 0.2993], [0.0179, 0.0244, 0.4265, 0.2122]]
    np.testing.assert_allclose(got, expected, atol=6e-5)
    # band value = SRF-weighted mean of the spectrum on the same samples
    spec = spectral_reflectance(dict(BASE, lai=2.0), [30], [10], [0], bands.wavelength)[0, 0]
    band = band_reflectance(dict(BASE, lai=2.0), [30], [10], [0], bands)[0, 0]
    np.testing.assert_allclose(band, bands.weights @ spec, rtol=1e-12)
    assert bands.wavelength.size < 130  # only where the response is non-zero


def test_diffuse_fraction_mixes_rsot_and_rdot():
    bands = make_bands(*PROBAV)
    s = dict(BASE, lai=2.0)
    r0 = band_reflectance(s, [40], [20], [30], bands)
    r1 = band_reflectance(s, [40], [20], [30], bands, diffuse_fraction=1.0)
    rf = band_reflectance(
        s, [40], [20], [30], bands, diffuse_fraction=np.array([0.2, 0.2, 0.1, 0.1])
    )
    np.testing.assert_allclose(
        rf, r0 * (1 - np.array([0.2, 0.2, 0.1, 0.1])) + r1 * [0.2, 0.2, 0.1, 0.1]
    )
    assert not np.allclose(r0, r1)


def test_lidf_binnings():
    for binning, nb in (("prosail18", 18), ("fortran13", 13)):
        f = campbell(np.array([30.0, 57.0, 80.0]), binning)
        assert f.shape == (3, nb)
        np.testing.assert_allclose(f.sum(axis=1), 1.0)
    # mean leaf angle of the binned distributions follows ALA
    mid = 0.5 * (np.arange(0, 90, 5) + np.arange(5, 95, 5))
    means = campbell(np.array([30.0, 57.0, 80.0])) @ mid
    assert np.all(np.diff(means) > 10)
    r18 = spectral_reflectance(dict(BASE, lai=3.0), [30], [10], [0], [834])
    r13 = spectral_reflectance(dict(BASE, lai=3.0), [30], [10], [0], [834], binning="fortran13")
    assert 1e-4 < abs(float((r18 - r13).item())) < 0.02


def test_prospect_jacobian_matches_finite_differences():
    rng = np.random.default_rng(0)
    conc = np.column_stack([rng.uniform(10, 80, 4), rng.uniform(2, 15, 4), np.zeros(4),
                            rng.uniform(0, 1, 4), rng.uniform(0.005, 0.03, 4), rng.uniform(0.002, 0.015, 4)])  # fmt: skip
    n = np.full(4, 1.5)
    wl = np.array([450, 550, 670, 860, 1600, 2200])
    r, _, dr, dt = prospect_d_jacobian(n, conc, wl)
    for i, h in enumerate([1e-4, 1e-4, 1e-4, 1e-6, 1e-8, 1e-8]):
        up, lo = conc.copy(), conc.copy()
        up[:, i] += h
        lo[:, i] -= h
        if i == 2:  # anthocyanins at zero: one-sided
            lo[:, i] += h
        ru, tu = prospect_d(n, *up.T, wl)
        rl, tl = prospect_d(n, *lo.T, wl)
        step = up[:, i:i + 1] - lo[:, i:i + 1]  # fmt: skip
        np.testing.assert_allclose(dr[:, i], (ru - rl) / step, rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(dt[:, i], (tu - tl) / step, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(r, prospect_d(n, *conc.T, wl)[0])


def test_soil_model():
    s = soil_reflectance(np.array([1.0, 2.0]), np.array([1.0, 0.0]), [500, 1600])
    r_dry = soil_reflectance(1.0, 1.0, [500, 1600])[0]
    r_wet = soil_reflectance(1.0, 0.0, [500, 1600])[0]
    np.testing.assert_allclose(s, [r_dry, 2 * r_wet])
    assert np.all(r_dry > r_wet)
