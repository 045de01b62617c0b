"""processes.io.open_l2b: the observation cube of one product, checked against the truth."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from ingest.collections import sensor_collection
from processes.exceptions import Internal
from processes.io import open_l2b, open_l2b_many


def _pair(result, token):
    truth = xr.load_dataset(next(p for p in result.truth if p.stem.endswith(token)))
    folder = result.products[0].parent.parent.parent
    return truth, [next(folder.rglob(str(n))) for n in truth["product"].values]


def test_cube_convention(summer, registry):
    vp = sensor_collection(registry["probav"])["vp"]  # as a reader gets it: plain JSON
    truth, paths = _pair(summer, "PROBAV")
    cube = open_l2b(paths[2], vp)
    assert cube.dims == ("t", "bands", "y", "x") and cube.dtype == np.float32
    assert list(cube.bands.values) == [
        "BLUE", "RED", "NIR", "SWIR", "BLUE_unc", "RED_unc", "NIR_unc", "SWIR_unc",
        "sza", "saa", "vza", "vaa", "vza_swir", "vaa_swir", "clear", "snow", "land",
    ]  # fmt: skip
    land = cube.sel(bands="land").values
    assert set(np.unique(land)) <= {0.0, 1.0}
    # clear implies land: a pixel flagged water is never a clear observation
    assert not np.any((cube.sel(bands="clear").values == 1) & (land == 0))
    wl = cube.wavelength.values
    assert np.all(np.isfinite(wl[:4])) and np.all(np.isnan(wl[4:]))
    assert cube.uncertainty_factor.values[0] == pytest.approx(2.236068)
    assert cube.min_rel_uncertainty.values[3] == pytest.approx(0.08)
    assert np.all(np.diff(cube.y.values) < 0) and np.all(np.diff(cube.x.values) > 0)
    np.testing.assert_allclose(cube.y.values, truth.lat.values)
    assert cube.attrs["sensor"] == "probav" and cube.attrs["crs"] == "EPSG:4326"
    assert str(cube.t.values[0])[:10] == "2019-06-03"
    # the SWIR detectors look from another angle than VNIR
    assert not np.allclose(cube.sel(bands="vza").values, cube.sel(bands="vza_swir").values)


def test_round_trip_against_truth(summer, registry):
    for sensor in ("probav", "vgt2"):
        s = registry[sensor]
        truth, paths = _pair(summer, s.product_token)
        state = xr.load_dataset(next(p for p in summer.truth if p.stem.count("_") == 3))
        cubes = open_l2b_many(paths, s.vp())
        assert cubes.sizes["t"] == len(paths)
        land = state.land_cover.values >= 0
        for i in range(len(paths)):
            cube = cubes.isel(t=i)
            cs = truth.cloud_state[i].values
            clear = cube.sel(bands="clear").values == 1
            # clear = cloud-free land with good radiometry: never a cloud, shadow or water pixel
            assert not clear[(cs != 0) | ~land].any()
            assert clear.sum() > 0.9 * ((cs == 0) & land).sum() - 5
            for b in s.bands:
                obs = cube.sel(bands=b.name).values
                clean = truth[f"clean_{b.name}"][i].values
                sigma = cube.sel(bands=f"{b.name}_unc").values * b.uncertainty_factor
                z = (obs - clean)[clear] / sigma[clear]
                # noise + quantisation: standardised residuals behave like N(0, 1)
                assert abs(np.mean(z)) < 0.35 and 0.6 < np.std(z) < 1.4, (sensor, b.name, i)
            np.testing.assert_array_equal(
                cube.sel(bands="snow").values == 1, state.snow_fraction[i].values > 0.3
            )


def test_bbox_subset_and_errors(summer, registry, tmp_path):
    vp = registry["probav"].vp()
    path = next(p for p in summer.products if "PROBAV" in p.name)
    full = open_l2b(path, vp)
    x, y = full.x.values, full.y.values
    sub = open_l2b(path, vp, bbox=(x[2], y[9], x[5], y[4]))
    assert sub.sizes["x"] == 4 and sub.sizes["y"] == 6
    xr.testing.assert_equal(sub, full.isel(x=slice(2, 6), y=slice(4, 10)))
    bad = tmp_path / path.name
    bad.write_bytes(path.read_bytes()[:3000])
    with pytest.raises(Internal, match="cannot read L2B product"):
        open_l2b(bad, vp)
    with pytest.raises(Internal, match="KeyError"):
        open_l2b(path, registry["vgt2"].vp())  # layout of another sensor: missing layers
