"""End to end: simulated Metop-AVHRR L1B → SMAC → tiles → L2B files → OptiSAIL, against truth.

The truth is ``canopy simulate``'s (landscape, phenology, PROSPECT-D + 4SAIL, identical twin)
on a 16 × 16 pixel window of X18Y02 over 15 days; TOA = SMAC forward over known meteo and a
DEM, plus 2 % noise. The correction gets the meteo perturbed by one 1σ draw of the default error
model per segment (AOT ±0.05, H2O ±20 %, O3 ±0.02 cm-atm, SLP ±5 hPa). The retrieval runs twice:
on the pre-processed L2B files, and on the same cube with the TOC replaced by the truth (perfect
pre-processing). Metop has its own SMAC coefficients, so no proxy relaxation applies.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from ingest.registry import load_registry
from ingest.swath.generator import generate_segment
from ingest.swath.scene import SimpleScene, synthetic_dem, synthetic_meteo
from ingest.swath.sensors import AVHRR
from ingest.swath.truth import CanopyTruth
from processes.grid import PROBAV_1KM
from processes.io import open_l2b_many
from processes.preprocess.workflows import avhrr_workflow
from processes.retrieval.process import optisail

TILE, ROWS, COLS = "X18Y02", slice(560, 576), slice(560, 576)
DAYS, START = 15, date(2020, 6, 1)
BANDS = {"RED": "B1", "NIR": "B2", "SWIR": "B3A"}
LAT_RANGE, LON_RANGE = (44.0, 56.0), (-6.0, 16.0)


def _perturbed(meteo, rng):
    e = rng.standard_normal(4)
    out = meteo.copy()
    out["TOTEXTTAU"] = np.maximum(meteo["TOTEXTTAU"] + 0.05 * e[0], 0.0)
    out["TQV"] = meteo["TQV"] * (1 + 0.2 * e[1])
    out["TO3"] = meteo["TO3"] + 20.0 * e[2]  # Dobsons
    out["SLP"] = meteo["SLP"] + 500.0 * e[3]  # Pa
    return out


def _metrics(res, truth) -> dict:
    lai, lai_u, fap, fap_u, lai_t, fap_t = ([] for _ in range(6))
    for t in res["t"].values:
        r = res.sel(t=t)
        lai.append(r.sel(bands="LAI").values), lai_u.append(r.sel(bands="LAI_unc").values)
        fap.append(r.sel(bands="fAPAR").values), fap_u.append(r.sel(bands="fAPAR_unc").values)
        lai_t.append(truth.lai(t)), fap_t.append(truth.fapar(t))
    lai, lai_u, fap, fap_u, lai_t, fap_t = map(np.array, (lai, lai_u, fap, fap_u, lai_t, fap_t))
    ok = np.isfinite(lai)
    e, ef, low = (lai - lai_t)[ok], (fap - fap_t)[ok], lai_t[ok] <= 4
    return {
        "valid": float(ok.mean()),
        "lai_rmse": float(np.sqrt(np.mean(e[low] ** 2))),
        "lai_bias": float(np.mean(e[low])),
        "fapar_rmse": float(np.sqrt(np.mean(ef**2))),
        "fapar_bias": float(np.mean(ef)),
        "lai_cal": float(np.mean(np.abs(e[low]) <= lai_u[ok][low])),
        "fapar_cal": float(np.mean(np.abs(ef) <= fap_u[ok])),
    }


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("l2b")
    sensor = load_registry()["metop-avhrr"]
    lat, lon = PROBAV_1KM.pixel_centres(TILE, ROWS, COLS)
    truth = CanopyTruth(lat, lon, START, DAYS, sensor, seed=3, cell=8)
    dem = synthetic_dem(LAT_RANGE, LON_RANGE, SimpleScene(seed=3))
    bbox = (lon.min() - 0.05, lat.min() - 0.05, lon.max() + 0.05, lat.max() + 0.05)
    rng = np.random.default_rng(5)
    paths = []
    for d in range(DAYS):
        day = np.datetime64(START) + np.timedelta64(d, "D")
        meteo = synthetic_meteo(LAT_RANGE, LON_RANGE, day, hours=24, seed=100 + d)
        offset = rng.uniform(-10, 10)  # nadir longitude east of the window: view zenith 0-45°
        utc_h = 9.5 - (lon.mean() + offset) / 15  # 09:30 local, descending
        t0 = np.datetime64(day, "s") + np.timedelta64(int(utc_h * 3600), "s")
        l1b, _ = generate_segment(AVHRR, t0, lat.mean() + 2.5 - 0.25 * offset, lon.mean() + offset,
                                  700, meteo, dem, truth, noise_rel=0.02, seed=d, bbox=bbox)  # fmt: skip
        paths += avhrr_workflow(l1b, _perturbed(meteo, rng), dem, out, tiles=[TILE])
    vp = sensor.vp()
    cube = open_l2b_many(paths, vp, (lon.min(), lat.min(), lon.max(), lat.max()))
    # perfect pre-processing: the same cube with the truth TOC at each pixel's geometry
    perfect = cube.copy()
    la, lo = np.meshgrid(lat, lon, indexing="ij")
    toc_err = {}
    for i, t in enumerate(cube["t"].values):
        c = cube.isel(t=i)
        geometry = {k: c.sel(bands=k).values for k in ("sza", "saa", "vza", "vaa")}
        clear = c.sel(bands="clear").values > 0
        for band, name in BANDS.items():
            ref = truth.toc(la, lo, band, 0.0, t, **geometry)
            j = list(cube["bands"].values).index(name)
            perfect.values[i, j] = np.where(clear, ref, perfect.values[i, j])
            err = (c.sel(bands=name).values - ref)[clear]
            sigma = c.sel(bands=f"{name}_unc").values[clear]
            toc_err.setdefault(band, []).append((err, sigma))
    toc_err = {
        b: tuple(np.concatenate(x) for x in zip(*v, strict=True)) for b, v in toc_err.items()
    }
    got = _metrics(optisail(cube), truth)
    ideal = _metrics(optisail(perfect), truth)
    print("\npre-processed:", got, "\nperfect TOC:  ", ideal)
    return {"paths": paths, "toc": toc_err, "got": got, "ideal": ideal, "cube": cube}


def test_every_day_gives_a_tile_and_clear_pixels(run):
    assert len(run["paths"]) == DAYS
    clear = run["cube"].sel(bands="clear").values
    assert 0.6 < clear.mean() < 0.95  # ~15 % cloud, moving every day


def test_toc_matches_truth_within_its_uncertainty(run):
    for band, (err, sigma) in run["toc"].items():
        z = err / sigma
        print(band, "bias", err.mean(), "rmse", np.sqrt(np.mean(err**2)), "robust std z",
              1.4826 * np.median(np.abs(z)))  # fmt: skip
        assert abs(np.median(z)) < 0.5
        assert 0.3 < 1.4826 * np.median(np.abs(z)) < 1.5  # σ neither far too small nor too big


def test_retrieval_on_preprocessed_tiles(run):
    got, ideal = run["got"], run["ideal"]
    assert got["valid"] > 0.95 and ideal["valid"] > 0.95
    # what the pre-processing (1σ meteo errors, noise, tiling, int16) costs against perfect TOC;
    # Metop has its own coefficients, so no proxy relaxation. Measured: +0.07 LAI, +0.013 fAPAR.
    assert got["lai_rmse"] <= ideal["lai_rmse"] + 0.1
    assert abs(got["lai_bias"]) <= abs(ideal["lai_bias"]) + 0.1
    assert got["fapar_rmse"] <= ideal["fapar_rmse"] + 0.02
    assert abs(got["fapar_bias"]) <= abs(ideal["fapar_bias"]) + 0.01
    # science.md §5, "with model error" column (input errors of the correction act as such).
    # The LAI targets are NOT met, with perfect TOC either (RMSE ≈ 0.9, bias ≈ +0.7 for three
    # AVHRR bands): a retrieval matter, reported in docs/preprocess.md, not asserted here.
    assert got["fapar_rmse"] <= 0.07 and abs(got["fapar_bias"]) <= 0.03
    assert 0.5 <= got["fapar_cal"] <= 0.85
