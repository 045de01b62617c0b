"""Accuracy of optisail on ``canopy simulate`` products (science.md §5 targets).

Each case pools several seeds (different landscapes, weather and noise) so that no single
lucky draw decides; the per-seed numbers are printed and kept in docs/retrieval.md.
"""

from dataclasses import replace

import numpy as np
import pytest
import xarray as xr
from simulated import SENSORS, SRF_STEP, Run, metrics, retrieve, simulate_and_retrieve, truth_file

from ingest.registry import load_registry
from processes.io import open_l2b
from processes.retrieval.cube import layout
from processes.retrieval.model import evaluate
from processes.retrieval.observations import groups
from processes.retrieval.process import window_observations
from processes.retrieval.window import BIT_OUTLIER, BIT_WATER

TWIN_SEEDS = (11, 12, 13)
MODEL_ERROR_SEEDS = (21, 22)


@pytest.fixture(scope="module")
def registry():
    return load_registry()


def _runs(tmp_path_factory, registry, seeds, twin) -> list[Run]:
    return [
        simulate_and_retrieve(tmp_path_factory.mktemp(f"sim{s}"), registry, s, twin) for s in seeds
    ]


@pytest.fixture(scope="module")
def twin(tmp_path_factory, registry):
    return _runs(tmp_path_factory, registry, TWIN_SEEDS, twin=True)


@pytest.fixture(scope="module")
def model_error(tmp_path_factory, registry):
    return _runs(tmp_path_factory, registry, MODEL_ERROR_SEEDS, twin=False)


@pytest.fixture(scope="module")
def twin_constant_soil(twin):
    """The twin without the per-overpass soil offsets (ψ constant in a window, drift term on)."""
    return [
        replace(r, out=retrieve(r.cubes, soil_wetness=0.0, landcover=r.landcover)) for r in twin
    ]


@pytest.fixture(scope="module")
def twin_global_prior(twin):
    """The twin without the land-cover map: every pixel gets the global prior."""
    return [replace(r, out=retrieve(r.cubes)) for r in twin]


def _report(name, runs):
    for r in runs:
        print(name, "seed", r.seed, {k: round(v, 3) for k, v in metrics([r]).items()})
    m = metrics(runs)
    print(name, "pooled", {k: round(v, 3) for k, v in m.items()})
    return m


def _model_minus_clean(run: Run, registry, sensor: str, day: int) -> np.ndarray:
    """Retrieval forward model at the truth state minus the products' noise-free reflectance."""
    import xarray as xr

    from ingest.simulate.scene import CLASSES, PARAMS

    state = xr.load_dataset(truth_file(run.result))
    sensor_truth = xr.load_dataset(truth_file(run.result, registry[sensor].product_token))
    name = str(sensor_truth["product"].values[day])
    path = next(p for p in run.result.products if p.name == name)
    cube = open_l2b(path, registry[sensor].vp()).transpose("t", "bands", "y", "x")
    obs = window_observations(cube.values.astype(float)[[0]], layout(cube, SRF_STEP), 0)
    cover = state.land_cover.values.ravel()
    idx = np.flatnonzero(cover >= 0)
    today = state.isel(time=day)
    cls = [PARAMS[CLASSES[c]] for c in cover[idx]]
    p = np.column_stack(
        [today[v].values.ravel()[idx] for v in ("lai", "cab", "cbrown", "cw")]
        + [[c.cm for c in cls], [c.ala for c in cls]]
        + [np.broadcast_to(state.soil_brightness.values, cover.reshape(state.lat.size, -1).shape).ravel()[idx]]
        + [today.soil_dry.values.ravel()[idx]]
    )  # fmt: skip
    h, _ = evaluate(p, groups(obs, idx, "prosail18"), "prosail18", jacobian=False)
    names = [n for o in obs for n in o.bands.names]
    cloud = sensor_truth.cloud_state.values[day].ravel()[idx]
    clean = np.column_stack([sensor_truth[f"clean_{n}"].values[day].ravel()[idx] for n in names])
    return (h - clean)[(cloud == 0) & np.all(np.isfinite(clean), axis=1)]


def test_twin_products_are_the_retrieval_model(twin, model_error, registry):
    # same state, same angles (each band geometry its own), same SRF sampling: identical
    for sensor in SENSORS:
        diff = _model_minus_clean(twin[0], registry, sensor, day=20)
        assert diff.size > 100 and np.abs(diff).max() < 1e-6
    # the default simulator differs from the retrieval (LIDF bins, f_d, hotspot, class N)
    diff = _model_minus_clean(model_error[0], registry, "probav", day=20)
    assert np.abs(diff).max() > 5e-3


def test_identical_twin_meets_targets(twin):
    # science.md §5, every twin target, with the simulated land-cover map (12 % confusion)
    # feeding the class priors and the reported σ scaled by the fit (docs/retrieval.md)
    m = _report("twin", twin)
    assert m["n"] > 3000
    assert m["lai_rmse"] <= 0.45
    assert abs(m["lai_bias"]) <= 0.1
    assert m["fapar_rmse"] <= 0.05
    assert abs(m["fapar_bias"]) <= 0.02
    assert 0.6 <= m["lai_cal"] <= 0.8 and 0.6 <= m["fapar_cal"] <= 0.8
    assert 0.7 <= m["lai_zstd"] <= 1.3 and 0.7 <= m["fapar_zstd"] <= 1.3
    for r in twin:  # every landscape on its own stays unbiased in fAPAR
        assert abs(metrics([r])["fapar_bias"]) <= 0.03


def test_the_land_cover_map_removes_the_evergreen_bias(twin, twin_global_prior):
    # without the map every pixel gets the global prior (Cm 0.006 ± 0.003): evergreen stands
    # (Cm 0.015, LAI 3–4) come out far too low (pooled bias −0.10 against +0.03 with the map)
    def evergreen_bias(runs):
        e = []
        for r in runs:
            cover = xr.load_dataset(truth_file(r.result)).land_cover.values
            ok = np.isfinite(r.band("LAI")) & (r.band("n_obs") >= 3) & (cover == 3)[None]
            e.append((r.band("LAI") - r.lai)[ok])
        return float(np.mean(np.concatenate(e)))

    m0 = _report("twin, global prior", twin_global_prior)
    assert m0["lai_bias"] < metrics(twin)["lai_bias"] - 0.08
    assert evergreen_bias(twin_global_prior) < -0.3
    assert abs(evergreen_bias(twin)) < 0.15
    assert metrics(twin)["lai_rmse"] < m0["lai_rmse"] - 0.03
    assert metrics(twin)["fapar_rmse"] < m0["fapar_rmse"]


def test_model_error_and_undetected_clouds_meet_targets(model_error):
    m = _report("model error", model_error)
    assert m["n"] > 2000
    assert m["lai_rmse"] <= 0.7
    assert abs(m["lai_bias"]) <= 0.3
    assert m["fapar_rmse"] <= 0.07
    assert abs(m["fapar_bias"]) <= 0.03
    assert 0.5 <= m["lai_cal"] <= 0.85
    assert 0.5 <= m["fapar_cal"] <= 0.85


def test_undetected_clouds_are_caught_as_outliers(model_error):
    hit, miss = [], []
    for r in model_error:
        ok = np.isfinite(r.band("LAI"))
        outlier = ((r.band("quality_flag").astype(int) >> BIT_OUTLIER) & 1).astype(bool)
        hit.append(outlier[ok & r.contaminated])
        miss.append(outlier[ok & ~r.contaminated])
    hit, miss = np.concatenate(hit), np.concatenate(miss)
    assert hit.size > 200
    print("bit 4 where a thin cloud hides in the window", hit.mean(), "elsewhere", miss.mean())
    assert hit.mean() > miss.mean() + 0.15


def test_water_and_empty_windows_have_no_value(twin):
    for r in twin:
        lai, n_obs = r.band("LAI"), r.band("n_obs")
        flags = r.band("quality_flag").astype(int)
        none = (flags & 1).astype(bool)
        assert np.all(np.isnan(lai[none])) and np.all(n_obs[none] == 0)
        assert np.all(np.isfinite(lai[~none]))
        assert r.water.any()
        water = ((flags >> BIT_WATER) & 1).astype(bool)
        np.testing.assert_array_equal(water, np.broadcast_to(r.water, water.shape))
        assert none[water].all()


def test_soil_offsets_beat_a_constant_soil_on_the_twin(twin, twin_constant_soil):
    # Rain inside the window: without the offsets the wetter overpasses read as more leaves
    # (pooled 0.45 / +0.07 against 0.38 / +0.03, both with the land-cover map).
    m0 = _report("twin, constant soil", twin_constant_soil)
    assert m0["lai_rmse"] <= 0.50  # 0.453: a regression guard of the alternative
    assert metrics(twin)["lai_rmse"] <= m0["lai_rmse"] - 0.03
