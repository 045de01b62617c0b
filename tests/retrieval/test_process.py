"""The optisail process: cube convention, errors, flags, temporal prior, dask."""

from dataclasses import replace

import dask.array as da
import numpy as np
import pytest
import xarray as xr
from retrieval_scenes import make_cube, truth_state, window_observations

from processes.exceptions import BandsMissing, ProcessParameterInvalid
from processes.retrieval.cube import layout
from processes.retrieval.prior import temporal_prior
from processes.retrieval.process import expand_outputs, optisail
from processes.retrieval.products import ALBEDO_OUTPUTS, COVARIANCE_OUTPUTS
from processes.retrieval.state import NAMES
from processes.retrieval.window import (
    BIT_NO_OBS,
    BIT_PRIOR_CLIMATOLOGY,
    BIT_PRIOR_PREVIOUS,
    BIT_WATER,
    CORE_OUTPUTS,
    OPTIONAL_OUTPUTS,
    PosteriorState,
    RetrievalConfig,
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
    with pytest.raises(ProcessParameterInvalid, match="soil_wetness"):
        optisail(data, soil_wetness=-0.1)


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
    outputs = next(p for p in spec["parameters"] if p["name"] == "outputs")
    enum = outputs["schema"][0]["items"]["enum"]
    assert set(CORE_OUTPUTS + OPTIONAL_OUTPUTS) <= set(enum)
    assert all(expand_outputs([name]) for name in enum)  # every listed name is accepted


def test_water_pixels_get_bit_8_and_no_value(cube, result):
    data = cube[0]
    water = np.zeros(12, bool)
    water[[0, 5]] = True
    land = xr.full_like(data.isel(bands=[0]), 1.0).assign_coords(
        bands=["land"], wavelength=("bands", [np.nan]), fwhm=("bands", [np.nan])
    )
    land = land.where(~water.reshape(1, 1, 3, 4), 0.0)
    wet = xr.concat([data, land], dim="bands")
    out = optisail(wet, outputs=["LAI", "LAI_unc", "fAPAR", "quality_flag", "n_obs", "Cab"])
    flags = out.sel(bands="quality_flag").values.reshape(out.sizes["t"], 12)
    assert np.all(_bit(flags[:, water], BIT_WATER) == 1)
    assert np.all(_bit(flags[:, water], BIT_NO_OBS) == 1)
    assert np.all(_bit(flags[:, ~water], BIT_WATER) == 0)
    lai = out.sel(bands="LAI").values.reshape(out.sizes["t"], 12)
    assert np.isnan(lai[:, water]).all()
    assert np.all(out.sel(bands="n_obs").values.reshape(-1, 12)[:, water] == 0)
    # land pixels are untouched by their wet neighbours (pixels are independent)
    same = result.values.reshape((*result.shape[:2], 12))[..., ~water]
    np.testing.assert_allclose(out.values.reshape((*out.shape[:2], 12))[..., ~water], same)


def test_optional_outputs_albedo_and_covariance(cube):
    data = cube[0].isel(t=slice(0, 10))
    out = optisail(data, outputs=["LAI", "LAI_unc", "Cab", "Cab_unc", "albedo", "covariance"])
    bands = list(out.bands.values)
    albedo = [n + s for n in ALBEDO_OUTPUTS for s in ("", "_unc")]
    assert bands == ["LAI", "LAI_unc", "Cab", "Cab_unc", *albedo, *COVARIANCE_OUTPUTS]
    assert len(COVARIANCE_OUTPUTS) == len(NAMES) * (len(NAMES) + 1) // 2
    v = {b: out.sel(bands=b).values for b in bands}
    ok = np.isfinite(v["LAI"])
    assert ok.sum() >= 20
    # the covariance bands are the posterior behind LAI_unc and Cab_unc
    big = ok & (v["LAI_unc"] > 0.05)
    np.testing.assert_allclose(v["cov_lai_lai"][big], v["LAI_unc"][big] ** 2, rtol=1e-10)
    np.testing.assert_allclose(v["cov_cab_cab"][ok], v["Cab_unc"][ok] ** 2, rtol=1e-10)
    n = len(NAMES)
    cov = np.zeros((int(ok.sum()), n, n))
    iu = np.triu_indices(n)
    for name, i, j in zip(COVARIANCE_OUTPUTS, *iu, strict=True):
        cov[:, i, j] = cov[:, j, i] = v[name][ok]
    scaled = cov / np.sqrt(
        np.einsum("pii->pi", cov)[:, :, None] * np.einsum("pii->pi", cov)[:, None, :]
    )
    assert np.linalg.eigvalsh(scaled).min() > -1e-8  # a covariance: positive semi-definite
    for kind in ("BHR", "DHR"):
        vis, nir, sw = (v[f"{kind}_{r}"][ok] for r in ("VIS", "NIR", "SW"))
        assert np.all((vis > 0) & (nir < 1) & (vis < nir))
        assert np.all((sw > vis) & (sw < nir))  # SW mixes the VIS and NIR parts
        for r in ("VIS", "NIR", "SW"):
            unc = v[f"{kind}_{r}_unc"][ok]
            assert np.all(np.isfinite(unc) & (unc > 0) & (unc < 0.2))
    with pytest.raises(ProcessParameterInvalid, match="outputs"):
        optisail(data, outputs=["cov_lai_nope"])


def test_band_geometry_with_its_own_view_angles():
    rng = np.random.default_rng(8)
    truth = truth_state(12, rng, lai=(0.5, 4.0))
    tilted = make_cube(truth, rng, days=10, swir_vza_offset=25.0)
    groups = layout(tilted, 10.0).groups
    labels = list(tilted.bands.values)
    assert [g.bands.names for g in groups] == [("BLUE", "RED", "NIR"), ("SWIR",)]
    assert [labels[i] for i in groups[1].view] == ["vza_swir", "vaa_swir"]
    # the SWIR band was seen 25° further off nadir: modelled with its own angles it fits
    # better than with the VNIR ones (what dropping vza_swir/vaa_swir leaves)
    own = optisail(tilted, outputs=["chi2", "n_obs"])
    shared = optisail(tilted.drop_sel(bands=["vza_swir", "vaa_swir"]), outputs=["chi2", "n_obs"])
    assert np.nanmedian(own.sel(bands="chi2")) < 0.8 * np.nanmedian(shared.sel(bands="chi2"))
    # one overpass seen by two band geometries counts once
    assert float(own.sel(bands="n_obs").max()) <= 10


def test_pixels_whose_observations_are_all_rejected_have_no_value():
    rng = np.random.default_rng(12)
    truth = truth_state(40, rng)
    obs = window_observations(truth, rng)
    prior, _ = retrieve_window(obs, np.full(40, 30.0))
    _, post = retrieve_window(obs, np.full(40, 30.0))
    # a threshold no residual can pass: the outlier test drops every overpass of every pixel
    config = RetrievalConfig(outlier_threshold=1e-9)
    out, nxt = retrieve_window(obs, np.full(40, 30.0), prior=post, config=config)
    assert np.all(out["quality_flag"] & 1) and np.all(out["n_obs"] == 0)
    for name in ("LAI", "LAI_unc", "fAPAR", "fAPAR_unc", "Cab"):
        assert np.isnan(out[name]).all()
    assert np.isfinite(prior["LAI"]).all()
    # such a pixel passes its prior on unchanged, like a pixel without observations
    assert not nxt.valid.any()
    pb, b, _ = temporal_prior(post, 40)
    np.testing.assert_allclose(nxt.x, pb)
    np.testing.assert_allclose(nxt.cov, b)


def test_a_sensor_without_products_in_a_window(cube, result):
    data = cube[0]
    early = data.isel(t=slice(0, 8))  # the second sensor stops after 8 days
    both = optisail([data, early], outputs=["LAI", "n_obs", "quality_flag"])
    n_obs = both.sel(bands="n_obs").values
    alone = result.sel(bands="n_obs").values
    np.testing.assert_array_equal(n_obs[3:], alone[3:])  # windows from day 10 on: one sensor
    assert np.all(n_obs[0] > alone[0])
    # an empty list of entries (no slot at all) gives no value, not an error
    empty = [replace(o, reflectance=o.reflectance[:, :0], uncertainty=o.uncertainty[:, :0],
                     sza=o.sza[:, :0], vza=o.vza[:, :0], raa=o.raa[:, :0], clear=o.clear[:, :0])
             for o in window_observations(truth_state(5, np.random.default_rng(1)), np.random.default_rng(2))]  # fmt: skip
    out, post = retrieve_window(empty, np.full(5, 30.0))
    assert np.all(out["n_obs"] == 0) and np.isnan(out["LAI"]).all() and not post.valid.any()
