"""The optisail process: cube convention, errors, flags, temporal prior, dask."""

import dask.array as da
import numpy as np
import pytest
from retrieval_scenes import make_cube, truth_state, window_observations

from processes.exceptions import BandsMissing, ProcessParameterInvalid
from processes.retrieval.process import optisail
from processes.retrieval.window import (
    BIT_NO_OBS,
    BIT_PRIOR_CLIMATOLOGY,
    BIT_PRIOR_PREVIOUS,
    PosteriorState,
    retrieve_window,
)


def _bit(flags, bit):
    return (np.asarray(flags).astype(np.int64) >> bit) & 1


@pytest.fixture(scope="module")
def cube():
    rng = np.random.default_rng(3)
    truth = truth_state(12, rng, lai=(0.5, 4.0))
    # days 10-19 all cloudy: the step on day 15 has a window [10, 20) with no clear observation
    return make_cube(truth, rng, days=30, cloud_days=range(10, 20)), truth


@pytest.fixture(scope="module")
def result(cube):
    return optisail(cube[0], outputs=["LAI", "LAI_unc", "fAPAR", "quality_flag", "n_obs", "Cab"])


def test_output_cube(result, cube):
    assert result.dims == ("t", "bands", "y", "x")
    assert list(result.bands.values) == ["LAI", "LAI_unc", "fAPAR", "quality_flag", "n_obs", "Cab"]
    assert result.sizes["t"] == 6  # steps on days 0, 5, ..., 25
    assert np.all(np.diff(result.t.values) == np.timedelta64(5, "D"))
    lai = result.sel(bands="LAI").isel(t=2).values.ravel()
    assert np.sqrt(np.mean((lai - cube[1]["lai"]) ** 2)) < 0.8


def test_cloudy_window_is_flagged_fill(result):
    step = result.isel(t=3)  # day 15
    assert np.all(np.isnan(step.sel(bands="LAI")))
    assert np.all(np.isnan(step.sel(bands="fAPAR")))
    assert np.all(step.sel(bands="n_obs") == 0)
    assert np.all(_bit(step.sel(bands="quality_flag"), BIT_NO_OBS) == 1)


def test_temporal_prior_flags(result):
    flags = result.sel(bands="quality_flag")
    assert np.all(_bit(flags.isel(t=0), BIT_PRIOR_CLIMATOLOGY) == 1)
    assert np.all(_bit(flags.isel(t=1), BIT_PRIOR_PREVIOUS) == 1)
    # after the empty window the prior is reset to climatology
    assert np.all(_bit(flags.isel(t=4), BIT_PRIOR_CLIMATOLOGY) == 1)
    assert np.all(_bit(flags.isel(t=5), BIT_PRIOR_PREVIOUS) == 1)


def test_previous_posterior_tightens_uncertainty():
    rng = np.random.default_rng(5)
    truth = truth_state(60, rng, lai=(0.5, 3.0))
    sza = np.full(60, 30.0)
    _, post = retrieve_window(window_observations(truth, rng, n_per_sensor=1), sza)
    obs = window_observations(truth, rng, n_per_sensor=1)
    again, _ = retrieve_window(obs, sza, prior=post)
    clim, _ = retrieve_window(obs, sza, prior=None)
    # same observations: the inflated previous posterior adds information over climatology
    assert np.median(again["LAI_unc"]) < np.median(clim["LAI_unc"])
    assert np.median(again["Cab_unc"]) < np.median(clim["Cab_unc"])
    assert np.all(_bit(again["quality_flag"], BIT_PRIOR_PREVIOUS) == 1)
    invalid = PosteriorState(post.x, post.cov, np.zeros(60, bool))
    reset, _ = retrieve_window(window_observations(truth, rng, n_per_sensor=1), sza, prior=invalid)
    assert np.all(_bit(reset["quality_flag"], BIT_PRIOR_CLIMATOLOGY) == 1)


def test_missing_bands_are_named(cube):
    data = cube[0]
    with pytest.raises(BandsMissing) as err:
        optisail(data.drop_sel(bands=["RED_unc", "vaa"]))
    assert "RED_unc" in str(err.value) and "vaa" in str(err.value)
    assert "BLUE_unc" not in str(err.value)
    with pytest.raises(BandsMissing, match="clear"):
        optisail(data.drop_sel(bands=["clear"]))
    with pytest.raises(ProcessParameterInvalid, match="wavelength"):
        optisail(data.drop_vars("wavelength"))
    with pytest.raises(ProcessParameterInvalid, match="outputs"):
        optisail(data, outputs=["NDVI"])


def test_dask_matches_numpy_and_sensors_pool(cube, result):
    data = cube[0]
    lazy = data.copy(data=da.from_array(data.values, chunks=(5, 13, 2, 2)))
    out = optisail(lazy, outputs=["LAI", "LAI_unc", "fAPAR", "quality_flag", "n_obs", "Cab"])
    assert isinstance(out.data, da.Array)
    np.testing.assert_allclose(out.values, result.values, rtol=1e-6, equal_nan=True)
    # two sensors: the same cube twice doubles n_obs per window
    both = optisail([data, data], outputs=["n_obs"])
    np.testing.assert_array_equal(both.values, 2 * result.sel(bands=["n_obs"]).values)


def test_spec_parameters_match_function():
    import inspect
    import json
    from pathlib import Path

    spec = json.loads((Path(__file__).parents[2] / "processes/specs/optisail.json").read_text())
    assert spec["id"] == "optisail"
    params = inspect.signature(optisail).parameters
    assert [p["name"] for p in spec["parameters"]] == list(params)
    for p in spec["parameters"][1:]:
        assert p["optional"] and p["default"] == params[p["name"]].default
