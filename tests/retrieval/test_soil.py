"""Per-overpass soil wetness: marginalised offsets δψ_o equal the augmented state, and help."""

from dataclasses import replace

import numpy as np
from retrieval_scenes import noise_sd, truth_state, window_observations

from processes.retrieval.bands import make_bands
from processes.retrieval.forward import band_reflectance
from processes.retrieval.inversion import posterior_covariance
from processes.retrieval.observations import compact, stack
from processes.retrieval.soil import Weights, dense_views, soil_weights
from processes.retrieval.state import N_PARAMS, NAMES, PARAMETERS, to_transformed
from processes.retrieval.window import (
    DRIFT_ALONE,
    RetrievalConfig,
    SensorObservations,
    retrieve_window,
)

_PSI = NAMES.index("soil_dry")
_ON = RetrievalConfig(soil_wetness=0.3, drift=0.0)  # the default
_OFF = RetrievalConfig(soil_wetness=0.0, drift=DRIFT_ALONE)  # ψ constant in the window


def _problem(rng, npix=5, n_views=4, n_bands=3):
    m = n_views * n_bands
    views = np.tile(np.repeat(np.arange(n_views), n_bands), (npix, 1))
    views[1] = np.repeat([3, 0, 2, 1], n_bands)  # any order of overpasses along m
    w = rng.uniform(1e3, 1e5, (npix, m))
    w[0, :n_bands] = 0.0  # an unusable overpass
    w[2, 1] = 0.0  # one unusable band of an overpass
    k = rng.normal(size=(npix, m, N_PARAMS))
    return w, k, views


def test_marginalised_weights_are_the_inverse_of_the_widened_covariance():
    rng = np.random.default_rng(1)
    w, k, views = _problem(rng)
    sd = 0.3
    wt = soil_weights(w, k[..., _PSI], views, sd)
    for p in range(w.shape[0]):
        ok = w[p] > 0
        cov = np.diag(1.0 / w[p, ok])
        for v in np.unique(views[p]):
            ko = np.where(views[p][ok] == v, k[p, ok, _PSI], 0.0)
            cov = cov + sd**2 * np.outer(ko, ko)  # a full band block per overpass
        full = np.zeros((w.shape[1], w.shape[1]))
        full[np.ix_(ok, ok)] = np.linalg.inv(cov)
        eye = np.eye(w.shape[1])[None]
        np.testing.assert_allclose(wt.apply(eye.repeat(w.shape[0], 0))[p], full, rtol=1e-9,
                                   atol=1e-9 * np.abs(full).max())  # fmt: skip
    assert np.all(soil_weights(w, k[..., _PSI], views, 0.0).apply(np.ones_like(w)) == w)


def test_marginal_posterior_equals_the_augmented_state():
    # n + V unknowns with δψ_o's Jacobian the ψ column masked to overpass o: its Gauss–Newton
    # posterior of the persistent state and its δψ estimate equal the marginalised form
    rng = np.random.default_rng(2)
    w, k, views = _problem(rng)
    sd, npix, n_v = 0.4, w.shape[0], 4
    p = np.column_stack([np.full(npix, q.prior_mean) for q in PARAMETERS])
    x = to_transformed(p)
    bpinv = np.tile(np.diag(1.0 / np.array([q.prior_sd for q in PARAMETERS]) ** 2), (npix, 1, 1))
    wt = soil_weights(w, k[..., _PSI], views, sd)
    pt, _ = posterior_covariance(x, k, wt, bpinv)
    r = rng.normal(size=w.shape) / np.sqrt(np.where(w > 0, w, 1.0))
    delta = wt.offsets(r)
    for q in range(npix):
        onehot = (views[q][:, None] == np.arange(n_v)) * k[q, :, _PSI][:, None]
        ka = np.concatenate([k[q], onehot], axis=1)  # physical = transformed for ψ (lin, 1)
        dp = np.concatenate([np.abs(1.0 / (_dt(x[q]))), np.ones(n_v)])
        prior = np.zeros((N_PARAMS + n_v,) * 2)
        prior[:N_PARAMS, :N_PARAMS] = dp[:N_PARAMS, None] * bpinv[q] * dp[None, :N_PARAMS]
        prior[N_PARAMS:, N_PARAMS:] = np.eye(n_v) / sd**2
        hess = prior + ka.T @ (w[q][:, None] * ka)
        cov = np.linalg.inv(hess)
        np.testing.assert_allclose(pt[q], cov[:N_PARAMS, :N_PARAMS], rtol=1e-8, atol=1e-14)
        # δψ alone (state fixed): its posterior mean given the residuals
        kd = onehot
        d = np.linalg.solve(np.eye(n_v) / sd**2 + kd.T @ (w[q][:, None] * kd), kd.T @ (w[q] * r[q]))
        present = np.isin(np.arange(n_v), views[q][w[q] > 0])
        np.testing.assert_allclose(delta[q, present], d[present], rtol=1e-9, atol=1e-12)


def _dt(t):
    from processes.retrieval.state import dphys_dtrans

    return 1.0 / dphys_dtrans(t)


def test_dense_views_and_subsets():
    views = np.array([[7, 7, 3, 3], [3, 3, 9, 9]])
    np.testing.assert_array_equal(dense_views(views), [[1, 1, 0, 0], [0, 0, 2, 2]])
    rng = np.random.default_rng(4)
    w, k, v = _problem(rng)
    full = soil_weights(w, k[..., _PSI], v, 0.3)
    sub = soil_weights(w[[1, 3]], k[[1, 3], :, _PSI] * 2.0, v[[1, 3]], 0.3)
    full.put(np.array([1, 3]), sub)
    got = full.take(np.array([1, 3]))
    r = rng.normal(size=(2, w.shape[1]))
    np.testing.assert_allclose(got.quad(r), sub.quad(r))
    assert isinstance(Weights(w).take(np.array([0])), Weights)


def _rain_window(npix, rng, rainy_share=0.4):
    """PROBA-V + VGT, 4 overpasses each; on rainy overpasses the soil is wet (ψ 0.1–0.3)."""
    truth = truth_state(npix, rng, lai=(0.2, 3.0))
    truth["soil_dry"] = rng.uniform(0.8, 1.0, npix)
    obs = window_observations(truth, rng, n_per_sensor=4)
    out = []
    for ob in obs:
        n_o = ob.sza.shape[1]
        rainy = rng.random((npix, n_o)) < rainy_share
        wet = {**truth, "soil_dry": rng.uniform(0.1, 0.3, npix)}
        r_wet = band_reflectance(wet, ob.sza, ob.vza, ob.raa, ob.bands)
        r_dry = band_reflectance(truth, ob.sza, ob.vza, ob.raa, ob.bands)
        clean = np.where(rainy[..., None], r_wet, r_dry)
        sd = noise_sd(clean)
        refl = clean + rng.normal(size=clean.shape) * sd
        out.append(replace(ob, reflectance=refl, uncertainty=sd))
    return truth, out


def test_rain_on_some_overpasses_no_longer_biases_lai():
    rng = np.random.default_rng(7)
    truth, obs = _rain_window(150, rng)
    frozen, _ = retrieve_window(obs, np.full(150, 30.0), config=_OFF)
    free, _ = retrieve_window(obs, np.full(150, 30.0), config=_ON)
    assert np.all(np.isfinite(free["LAI"]))
    both = np.isfinite(frozen["LAI"])  # frozen ψ may reject every overpass of a pixel
    e0, e1 = (frozen["LAI"] - truth["lai"])[both], (free["LAI"] - truth["lai"])[both]
    print("frozen ψ: rmse", np.sqrt(np.mean(e0**2)), "bias", e0.mean(), "valid", both.mean(),
          "| per-overpass δψ: rmse", np.sqrt(np.mean(e1**2)), "bias", e1.mean())  # fmt: skip
    assert np.sqrt(np.mean(e1**2)) < 0.7 * np.sqrt(np.mean(e0**2))
    assert abs(e1.mean()) < 0.5 * abs(e0.mean())
    # the soil offsets absorb the rain: fewer overpasses rejected as 3σ outliers
    outlier = lambda o: ((o["quality_flag"] >> 4) & 1).mean()  # noqa: E731
    assert outlier(free) <= outlier(frozen)


def test_constant_soil_is_hardly_affected():
    rng = np.random.default_rng(8)
    truth = truth_state(150, rng, lai=(0.2, 4.0))
    obs = window_observations(truth, rng, n_per_sensor=4)
    # the linearised σ (the χ² scaling of the reported σ off)
    frozen, _ = retrieve_window(obs, np.full(150, 30.0), config=replace(_OFF, fit_scaling=None))
    free, post = retrieve_window(obs, np.full(150, 30.0), config=replace(_ON, fit_scaling=None))
    e0, e1 = frozen["LAI"] - truth["lai"], free["LAI"] - truth["lai"]
    assert np.sqrt(np.mean(e1**2)) < np.sqrt(np.mean(e0**2)) + 0.05
    # less is known about the soil, so the posterior is a little wider, never narrower
    assert np.median(free["LAI_unc"] / frozen["LAI_unc"]) >= 1.0
    assert post.cov.shape == (150, N_PARAMS, N_PARAMS)  # δψ_o are not carried


def test_a_single_band_geometry_overpass_shares_one_offset():
    # PROBA-V's SWIR camera comes as its own entry with the same view ids: one δψ per overpass
    rng = np.random.default_rng(9)
    truth = truth_state(6, rng)
    vnir = make_bands(["RED", "NIR"], [658, 834], [82, 121])
    swir = make_bands(["SWIR"], [1610], [89])
    obs = []
    for bands, dv in ((vnir, 0.0), (swir, 5.0)):
        sza, vza, raa = np.full((6, 3), 35.0), np.full((6, 3), 10.0 + dv), np.full((6, 3), 40.0)
        r = band_reflectance(truth, sza, vza, raa, bands)
        obs.append(SensorObservations(bands, r, noise_sd(r), sza, vza, raa, np.ones((6, 3), bool),
                                      view_index=np.arange(3) + 5))  # fmt: skip
    entries, _ = compact(obs)
    _, w, views, _ = stack(entries, (0.005, 0.03), 6)
    wt = soil_weights(w, np.ones_like(w), dense_views(views), 0.3)
    assert wt.u.shape[2] == 3  # three overpasses, not six
    # overpass 0: RED, NIR (rows 0, 1) and SWIR (row 6) in one block
    np.testing.assert_array_equal(np.flatnonzero(wt.u[0, :, 0]), [0, 1, 6])
    out, _ = retrieve_window(obs, np.full(6, 30.0), config=_ON)
    assert np.all(out["n_obs"] == 3) and np.all(np.isfinite(out["LAI"]))


def test_soil_offsets_are_the_default():
    assert RetrievalConfig() == _ON
