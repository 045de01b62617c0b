"""Land-cover priors: the class table, the optisail ``landcover``/``prior_table`` arguments."""

import dask.array as da
import numpy as np
import pytest
import xarray as xr
from retrieval_scenes import make_cube, truth_state

from processes.exceptions import ProcessParameterInvalid
from processes.retrieval.landcover import DEFAULT_PRIOR_TABLE, class_climatology
from processes.retrieval.prior import Climatology, PosteriorState, temporal_prior
from processes.retrieval.process import optisail, parse_prior_table
from processes.retrieval.state import NAMES, PARAMETERS

_CM, _LAI = NAMES.index("cm"), NAMES.index("lai")


def test_class_climatology_takes_the_table_and_keeps_the_global_prior_elsewhere():
    clim = class_climatology(np.array([70, 10, np.nan, 999, 0]))
    glob = Climatology.default(5)
    assert clim.mean[0, _CM] == DEFAULT_PRIOR_TABLE[70]["cm"][0]
    assert np.sqrt(clim.cov[0, _CM, _CM]) == DEFAULT_PRIOR_TABLE[70]["cm"][1]
    assert clim.mean[1, _CM] == DEFAULT_PRIOR_TABLE[10]["cm"][0]
    assert clim.q_sd[0, _LAI] == DEFAULT_PRIOR_TABLE[70]["lai"][2]  # evergreen: slow LAI
    assert clim.q_sd[1, _LAI] == PARAMETERS[_LAI].q_sd  # crops: no q given, the global one
    for i in (2, 3, 4):  # no map value, an unknown class, nodata
        np.testing.assert_array_equal(clim.mean[i], glob.mean[i])
        np.testing.assert_array_equal(clim.cov[i], glob.cov[i])


def test_the_temporal_prior_uses_each_pixels_random_walk_and_cap():
    clim = class_climatology(np.array([70, 10]))
    prev = PosteriorState(clim.mean.copy(), np.tile(np.diag(np.full(len(NAMES), 1e-8)), (2, 1, 1)),
                          np.ones(2, bool))  # fmt: skip
    _, b, used = temporal_prior(prev, 2, steps=2.0, clim=clim)
    assert used.all()
    np.testing.assert_allclose(np.sqrt(b[:, _LAI, _LAI]), [0.25 * np.sqrt(2), 0.75 * np.sqrt(2)],
                               rtol=1e-6)  # fmt: skip
    # an old posterior is capped at the class's climatological σ, not the global one
    _, b, _ = temporal_prior(prev, 2, steps=100.0, clim=clim)
    assert np.sqrt(b[0, _LAI, _LAI]) == pytest.approx(DEFAULT_PRIOR_TABLE[70]["lai"][1])
    assert np.sqrt(b[0, _CM, _CM]) == pytest.approx(DEFAULT_PRIOR_TABLE[70]["cm"][1])


def test_prior_table_overrides_merge_with_the_defaults():
    table = parse_prior_table({"70": {"lai": {"mean": 2.5, "sd": 1.0}}, "130": {"ala": [65, 8, 1]}})
    assert table[70]["lai"] == (2.5, 1.0)
    assert table[70]["cm"] == DEFAULT_PRIOR_TABLE[70]["cm"]  # not named: kept
    assert table[130]["ala"] == (65.0, 8.0, 1.0)
    assert table[10] == DEFAULT_PRIOR_TABLE[10]


@pytest.mark.parametrize(
    ("table", "match"),
    [
        ({"70": {"nitrogen": [1, 1]}}, "unknown parameter"),
        ({"70": {"lai": [3, 0]}}, "sd > 0"),
        ({"70": {"cm": [0.5, 0.01]}}, "mean"),
        ({"70": {"lai": "high"}}, "mean, sd"),
        ({"seventy": {"lai": [3, 1]}}, "seventy"),
        ({"70": {"lai": {"mean": 3}}}, "sd"),
        ([1, 2], "object"),
    ],
)
def test_a_malformed_prior_table_is_a_parameter_error(table, match):
    with pytest.raises(ProcessParameterInvalid, match=match):
        parse_prior_table(table)


@pytest.fixture(scope="module")
def scene():
    rng = np.random.default_rng(4)
    truth = truth_state(12, rng, lai=(0.5, 4.0))
    return make_cube(truth, rng, days=15)


def _map(cube, codes):
    return xr.DataArray(np.asarray(codes, float).reshape(cube.sizes["y"], cube.sizes["x"]),
                        dims=("y", "x"))  # fmt: skip


def test_the_map_changes_only_the_pixels_whose_class_has_a_prior(scene):
    codes = np.array([70, 0, 10, 210, 70, 0, 130, 0, 60, 0, 200, 0])
    base = optisail(scene, outputs=["LAI", "Cab"])
    got = optisail(scene, outputs=["LAI", "Cab"], landcover=_map(scene, codes))
    same = np.isin(codes, [0, 200, 210])  # nodata, bare and water classes have no entry
    diff = np.abs(got.values - base.values).reshape(got.shape[0], 2, -1)
    assert np.all(diff[:, :, same] < 1e-8)  # the batch shares no per-pixel state
    assert np.all(np.nanmax(diff[:, 0, ~same], axis=0) > 1e-3)
    # a map with t and bands dimensions (as load_collection delivers it) takes its first label
    cube = (
        _map(scene, codes).expand_dims(t=2, bands=["lccs_class"]).transpose("t", "bands", "y", "x")
    )
    np.testing.assert_array_equal(optisail(scene, outputs=["LAI", "Cab"], landcover=cube), got)


def test_dask_blocks_get_their_part_of_the_map(scene):
    codes = np.array([70, 10, 60, 130] * 3)
    eager = optisail(scene, outputs=["LAI"], landcover=_map(scene, codes))
    lazy = scene.copy(data=da.from_array(scene.values, chunks=(5, -1, 2, 2)))
    lazy_map = _map(scene, codes).chunk({"y": 1, "x": 3})
    out = optisail(lazy, outputs=["LAI"], landcover=lazy_map)
    assert isinstance(out.data, da.Array)
    np.testing.assert_allclose(out.values, eager.values, rtol=1e-6, equal_nan=True)


def test_a_map_on_another_grid_is_a_parameter_error(scene):
    with pytest.raises(ProcessParameterInvalid, match="resample"):
        optisail(scene, landcover=xr.DataArray(np.full((2, 2), 70.0), dims=("y", "x")))
    with pytest.raises(ProcessParameterInvalid, match="dimensions"):
        optisail(scene, landcover=xr.DataArray(np.full((3, 4), 70.0), dims=("lat", "lon")))
    with pytest.raises(ProcessParameterInvalid, match="raster cube"):
        optisail(scene, landcover=[[70, 70]])
