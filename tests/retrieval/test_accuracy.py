"""Accuracy of the retrieval on identical-twin scenes (science.md §5 targets)."""

import numpy as np
import pytest
from retrieval_scenes import true_fapar, truth_state, window_observations

from processes.retrieval.window import BIT_OUTLIER, RetrievalConfig, retrieve_window

NPIX = 400


def _metrics(out, truth, f_true):
    # science.md §5: targets hold for pixels with a retrieval; those without one (NaN, bit 0)
    # are bounded separately by the tests
    ok = np.isfinite(out["LAI"])
    e = (out["LAI"] - truth["lai"])[ok]
    ef = (out["fAPAR"] - f_true)[ok]
    out = {k: v[ok] for k, v in out.items()}
    low = truth["lai"][ok] <= 4
    return {
        "lai_rmse": float(np.sqrt(np.mean(e[low] ** 2))),
        "lai_bias": float(np.mean(e[low])),
        "fapar_rmse": float(np.sqrt(np.mean(ef**2))),
        "fapar_bias": float(np.mean(ef)),
        "lai_cal": float(np.mean(np.abs(e[low]) <= out["LAI_unc"][low])),
        "fapar_cal": float(np.mean(np.abs(ef) <= out["fAPAR_unc"])),
        "lai_zstd": float(1.4826 * np.median(np.abs(e[low] / out["LAI_unc"][low]))),
    }


@pytest.fixture(scope="module")
def twin():
    rng = np.random.default_rng(11)
    truth = truth_state(NPIX, rng)
    obs = window_observations(truth, rng)
    sza = np.full(NPIX, 30.0)
    # identical twin: the model is exact, so no model-error floor in R. The default floor
    # (0 + 0.03ρ) was tried and over-covers the twin: seed 11 gives 79.5% within 1σ and robust
    # std(err/σ) 0.698 (< 0.7); seeds 103/104 give 81–82% LAI (> 80%). See docs/retrieval.md.
    out, _ = retrieve_window(obs, sza, config=RetrievalConfig(model_error=(0.0, 0.0)))
    return out, _metrics(out, truth, true_fapar(truth, sza))


def test_identical_twin_meets_targets(twin):
    out, m = twin
    print(m)
    assert m["lai_rmse"] <= 0.45
    assert abs(m["lai_bias"]) <= 0.1
    assert m["fapar_rmse"] <= 0.05
    assert abs(m["fapar_bias"]) <= 0.02
    assert 0.6 <= m["lai_cal"] <= 0.8
    assert 0.6 <= m["fapar_cal"] <= 0.8
    assert 0.7 <= m["lai_zstd"] <= 1.3
    assert np.all(out["n_obs"] <= 6)
    assert np.mean(out["n_obs"] == 6) > 0.9  # few 3σ rejections of pure noise
    assert np.median(out["LAI_fAPAR_corr"]) > 0.5


def test_with_model_error_and_thin_clouds():
    rng = np.random.default_rng(12)
    truth = truth_state(NPIX, rng)
    # simulator-like model error: 13 Fortran LIDF bins and diffuse light in the data,
    # 18 bins and rsot only in the retrieval; 5% undetected thin clouds
    obs = window_observations(truth, rng, binning="fortran13", diffuse=True, thin_cloud=0.05)
    sza = np.full(NPIX, 30.0)
    out, _ = retrieve_window(obs, sza)
    m = _metrics(out, truth, true_fapar(truth, sza, binning="fortran13"))
    print(m)
    assert m["lai_rmse"] <= 0.7
    assert abs(m["lai_bias"]) <= 0.3
    assert m["fapar_rmse"] <= 0.07
    assert abs(m["fapar_bias"]) <= 0.03
    # science.md §5: 50–85%. The default floor (0 + 0.03ρ) was calibrated on other seeds
    # (docs/retrieval.md); the floor 0.005 + 0.03ρ over-covered here (85% LAI, 89% fAPAR)
    assert 0.5 <= m["lai_cal"] <= 0.85
    assert 0.5 <= m["fapar_cal"] <= 0.85
    flagged = (out["quality_flag"] >> BIT_OUTLIER) & 1
    assert 0.02 < flagged.mean() < 0.4  # the thin clouds are caught as outliers
    assert np.isnan(out["LAI"]).mean() <= 0.05  # few pixels lose every observation


def test_pixels_whose_observations_are_all_rejected_have_no_value():
    rng = np.random.default_rng(12)
    truth = truth_state(NPIX, rng)
    obs = window_observations(truth, rng, binning="fortran13", diffuse=True, thin_cloud=0.05)
    out, post = retrieve_window(obs, np.full(NPIX, 30.0))
    none_left = (out["quality_flag"] & 1).astype(bool)
    assert none_left.any()  # this scene has such pixels (the 3σ test rejects all views)
    assert np.all(out["n_obs"][none_left] == 0)
    for name in ("LAI", "LAI_unc", "fAPAR", "fAPAR_unc"):
        assert np.isnan(out[name][none_left]).all() and np.isfinite(out[name][~none_left]).all()
    assert not post.valid[none_left].any()
