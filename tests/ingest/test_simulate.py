"""Simulator: determinism, file layout and naming, physics sanity, flags."""

from __future__ import annotations

from datetime import date

import netCDF4
import numpy as np
import xarray as xr
from scipy.stats import spearmanr

from ingest.products import parse_product_name
from ingest.simulate.run import SimulationConfig, simulate
from tests.ingest.helpers import crop_bbox


def _truth(result, token=None):
    name = [
        p
        for p in result.truth
        if (p.stem.endswith(f"_{token}") if token else p.stem.count("_") == 3)
    ]
    return xr.load_dataset(name[0])


def _layers(path) -> dict[str, np.ndarray]:
    out = {}
    with netCDF4.Dataset(path) as ds:
        ds.set_auto_maskandscale(False)

        def walk(g, prefix):
            for n, v in g.variables.items():
                out[prefix + n] = v[:].copy()
            for n, sub in g.groups.items():
                walk(sub, f"{prefix}{n}/")

        walk(ds, "/")
    return out


def test_layout_and_names(summer, registry):
    assert len(summer.products) == 12
    p = summer.products[0]
    name = parse_product_name(p.name)
    assert name is not None and name.tile == "X18Y02" and name.version == "1.0"
    assert p.parent.name == "2019" and p.parent.parent.name in ("probav", "vgt2")
    layers = _layers(next(x for x in summer.products if "PROBAV" in x.name))
    for band in registry["probav"].bands:
        assert layers[band.sdr].dtype == np.int16 and layers[band.sdr_uncertainty].dtype == np.int16
    for path in (
        "/LEVEL2B/GEOMETRY/SZA",
        "/LEVEL2B/GEOMETRY/SAA",
        "/LEVEL2B/GEOMETRY/VNIR/VZA",
        "/LEVEL2B/GEOMETRY/SWIR/VAA",
    ):
        assert layers[path].dtype == np.float32
    assert layers["/LEVEL2B/QUALITY/SM"].dtype == np.uint8 and layers["/TIME"].shape == (16, 16)
    with netCDF4.Dataset(p) as ds:
        v = ds["LEVEL2B/RADIOMETRY"].groups
        first = next(iter(v.values()))["TOC"]
        assert first.scale_factor == 0.0005 and first._FillValue == -1
        assert ds.time_coverage_start.startswith("2019-06-01T")


def test_deterministic_for_a_seed(summer, registry, tmp_path):
    again = simulate(
        SimulationConfig(
            tile="X18Y02", start=date(2019, 6, 1), end=date(2019, 6, 6),
            sensors=(registry["probav"], registry["vgt2"]), out=tmp_path, seed=3,
            bbox=crop_bbox("X18Y02", 560, 560, 16), workers=2,  # other worker count, same result
        )
    )  # fmt: skip
    assert [p.name for p in again.products] == [p.name for p in summer.products]
    for a, b in zip(again.products[::5], summer.products[::5], strict=True):
        la, lb = _layers(a), _layers(b)
        assert la.keys() == lb.keys()
        for k in la:
            np.testing.assert_array_equal(la[k], lb[k], err_msg=k)
    other = simulate(
        SimulationConfig(
            tile="X18Y02", start=date(2019, 6, 1), end=date(2019, 6, 1), sensors=(registry["probav"],),
            out=tmp_path / "other", seed=4, bbox=crop_bbox("X18Y02", 560, 560, 16),
        )
    )  # fmt: skip
    assert not np.array_equal(
        _layers(other.products[0])["/LEVEL2B/RADIOMETRY/NIR/TOC"],
        _layers(summer.products[0])["/LEVEL2B/RADIOMETRY/NIR/TOC"],
    )


def test_reflectance_range_and_ndvi_follows_lai(summer, registry):
    from processes.io import open_l2b

    state = _truth(summer)
    for sensor, red, nir in (("probav", "RED", "NIR"), ("vgt2", "B2", "B3")):
        vp = registry[sensor].vp()
        truth = _truth(summer, registry[sensor].product_token)
        ndvi_all, lai_all = [], []
        for i, p in enumerate(truth["product"].values):
            cube = open_l2b(summer.products[0].parents[2] / sensor / "2019" / p, vp)
            refl = cube.sel(bands=[b.name for b in registry[sensor].bands]).values
            assert np.nanmin(refl) >= 0 and np.nanmax(refl) <= 1
            ok = (cube.sel(bands="clear")[0].values == 1) & (truth.undetected_cloud[i].values == 0)
            ok &= state.snow_fraction[i].values == 0
            r, n = cube.sel(bands=red)[0].values[ok], cube.sel(bands=nir)[0].values[ok]
            ndvi_all.append((n - r) / (n + r))
            lai_all.append(state.lai[i].values[ok])
        ndvi, lai = np.concatenate(ndvi_all), np.concatenate(lai_all)
        assert ndvi.size > 300
        assert spearmanr(lai, ndvi).statistic > 0.7
        q = np.quantile(lai, [0.25, 0.75])
        assert ndvi[lai > q[1]].mean() > ndvi[lai < q[0]].mean() + 0.1


def test_flagged_pixels_are_flagged(summer, winter, registry):
    pv = registry["probav"]
    for result in (summer, winter):
        state = _truth(result)
        truth = _truth(result, "PROBAV")
        water = state.land_cover.values < 0
        snow_days, bad, total = 0, 0, 0
        for i, name in enumerate(truth["product"].values):
            sm = _layers(result.products[0].parent / name)["/LEVEL2B/QUALITY/SM"].astype(int)
            cs = truth.cloud_state[i].values
            assert np.all((sm[cs == 2] & 0x3) == 0x3)
            assert np.all((sm[cs == 1] & 0x3) == 0x1)
            assert np.all((sm[cs == 0] & 0x3) == 0x0)
            assert np.all((sm[water] & 0x8) == 0) and np.all((sm[~water] & 0x8) == 0x8)
            snow = state.snow_fraction[i].values > 0.3
            np.testing.assert_array_equal((sm & 0x4) == 0x4, snow)
            snow_days += snow.any()
            # undetected thin clouds stay flagged clear (that is the point of them)
            und = truth.undetected_cloud[i].values == 1
            assert np.all((sm[und] & 0x3) == 0)
            assert 0.01 < und.sum() / max((cs == 0).sum(), 1) < 0.08 or (cs == 0).sum() < 20
            assert 0.2 < (cs == 2).mean() < 0.8
            for b in pv.bands:  # radiometric quality bits: set for good pixels, a few are bad
                bad += int(((sm & b.quality.bitmask) != b.quality.bitvalue).sum())
                total += sm.size
        assert 0 < bad / total < 0.02
        if result is winter:
            assert snow_days > 0


def test_truth_files(summer):
    state = _truth(summer)
    for v in (
        "lai",
        "fapar_bs",
        "fapar_ws",
        "cab",
        "cbrown",
        "soil_dry",
        "snow_fraction",
        "soil_brightness",
    ):
        assert v in state
    land = state.land_cover.values >= 0
    fb = state.fapar_bs.values[:, land]
    assert np.all((fb > 0) & (fb < 1))
    lai = state.lai.values[:, land]
    # Beer's-law sanity: fAPAR rises with LAI
    assert spearmanr(lai.ravel(), fb.ravel()).statistic > 0.9
    t = _truth(summer, "PROBAV")
    assert {"cloud_state", "undetected_cloud", "clean_NIR"} <= set(t.variables)
