"""End to end: simulated Metop-AVHRR L1B → SMAC → tiles → L2B files → OptiSAIL, against truth.

The chain (``e2e.py``) runs on a truth whose soil dry fraction is held constant over the 15
days (``static_soil``): with red, NIR and SWIR only, the retrieval with ψ constant over the
window cannot tell a soil darkened by rain inside its ±5-day window from more leaves (+0.6…0.7
LAI bias with perfect TOC), a retrieval matter that would hide what the pre-processing costs.
The rain case runs on perfect TOC, with ``soil_wetness`` 0 and with its default (per-overpass soil
offsets, docs/retrieval.md), which brings it within the targets asserted below (docs/preprocess.md,
"End-to-end accuracy"). The VIIRS test (blue M3 band) runs with the rain events. Metop has its
own SMAC coefficients, so no proxy allowance applies.
"""

from __future__ import annotations

import numpy as np
import pytest

from ingest.registry import load_registry
from ingest.swath.sensors import AVHRR
from processes.preprocess.workflows import avhrr_workflow
from processes.retrieval.bands import make_bands
from processes.retrieval.forward import band_reflectance
from processes.retrieval.process import optisail
from processes.retrieval.state import FIXED
from tests.preprocess.e2e import (
    MODEL_ERROR_TARGETS,
    TWIN_TARGETS,
    Chain,
    assert_toc_within_uncertainty,
    make_truth,
    meets,
    metrics,
    perfect_cube,
    simulate_l2b,
    window,
)

CHAIN = Chain("metop-avhrr", AVHRR, avhrr_workflow, local_hour=9.5)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    truth = make_truth(CHAIN, static_soil=True)
    cube = simulate_l2b(CHAIN, truth, tmp_path_factory.mktemp("l2b"))
    perfect, toc = perfect_cube(CHAIN, cube, truth)
    rain = make_truth(CHAIN)  # the same truth with its rain events
    perfect_rain, _ = perfect_cube(CHAIN, cube, rain)
    got, ideal = metrics(optisail(cube), truth), metrics(optisail(perfect), truth)
    ideal_rain = metrics(optisail(perfect_rain, soil_wetness=0.0), rain)  # ψ constant
    wet = metrics(optisail(perfect_rain), rain)  # per-overpass soil offsets (the default)
    print(
        f"\npre-processed: {got}\nperfect TOC:   {ideal}\nperfect, rain: {ideal_rain}"
        f"\nperfect, rain, per-overpass soil: {wet}"
    )
    return {"truth": truth, "cube": cube, "toc": toc, "got": got, "ideal": ideal,
            "ideal_rain": ideal_rain, "wet": wet}  # fmt: skip


def test_every_day_gives_a_tile_and_clear_pixels(run):
    cube = run["cube"]
    assert cube.sizes["t"] == 15
    assert 0.6 < cube.sel(bands="clear").values.mean() < 0.97  # ~15 % cloud, moving every day


def test_truth_is_the_retrievals_model_at_the_tiled_geometry(run):
    # Conventions check: the swath truth (registry SRFs, saa − vaa, swath view angles) equals
    # the retrieval's own forward model at the geometry the L2B files carry.
    cube, truth = run["cube"], run["truth"]
    lat, lon = window()
    la, lo = np.meshgrid(lat, lon, indexing="ij")
    sensor = load_registry()["metop-avhrr"]
    bands = make_bands([b.name for b in sensor.bands], [b.srf.centre for b in sensor.bands],
                       [b.srf.fwhm for b in sensor.bands], 10.0)  # fmt: skip
    for i in (0, 7, 14):
        c, t = cube.isel(t=i), cube["t"].values[i]
        g = {k: c.sel(bands=k).values.ravel()[:, None] for k in ("sza", "saa", "vza", "vaa")}
        state = {**truth.state(la, lo, t), "ant": 0.0, "hotspot": FIXED["hotspot"]}
        model = band_reflectance(state, g["sza"], g["vza"], g["saa"] - g["vaa"], bands)[:, 0]
        for j, name in enumerate(("RED", "NIR", "SWIR")):
            ref = truth.toc(la, lo, name, 0.0, t, **{k: v[:, 0] for k, v in g.items()})
            np.testing.assert_allclose(ref.ravel(), model[:, j], rtol=0, atol=1e-9)


def test_toc_matches_truth_within_its_uncertainty(run):
    assert_toc_within_uncertainty(run["toc"])


def test_perfect_toc_meets_the_twin_targets(run):
    assert run["ideal"]["valid"] > 0.95
    assert not meets(run["ideal"], TWIN_TARGETS)


def test_retrieval_on_preprocessed_tiles(run):
    got, ideal = run["got"], run["ideal"]
    assert got["valid"] > 0.95
    # science.md §5 twin targets for RMSE and fAPAR bias; the LAI bias takes the model-error
    # column: each day's meteo error is shared by every pixel and band of the scene, so the
    # scene-mean LAI bias is one draw of a systematic error (SD ≈ 0.1 over meteo draws,
    # docs/preprocess.md), not an average over 256 independent pixels.
    targets = {**TWIN_TARGETS, "lai_bias": MODEL_ERROR_TARGETS["lai_bias"]}
    assert not meets(got, targets)
    # what the pre-processing (1σ meteo errors, 2 % noise, tiling, int16) costs: measured
    # +0.05…0.07 LAI RMSE and +0.014 fAPAR RMSE
    assert got["lai_rmse"] <= ideal["lai_rmse"] + 0.15
    assert got["fapar_rmse"] <= ideal["fapar_rmse"] + 0.025
    assert 0.5 <= got["lai_cal"] and 0.5 <= got["fapar_cal"]


def test_rain_inside_a_window_leaves_fapar_within_the_model_error_targets(run):
    # ψ held constant over the window: LAI bias ≈ +0.6 even from perfect TOC; fAPAR stays
    # within the model-error targets
    rain = run["ideal_rain"]
    assert rain["fapar_rmse"] <= MODEL_ERROR_TARGETS["fapar_rmse"]
    assert abs(rain["fapar_bias"]) <= MODEL_ERROR_TARGETS["fapar_bias"]
    assert rain["lai_bias"] > 0.3  # the failure the per-overpass soil offsets address


def test_per_overpass_soil_wetness_brings_rain_within_the_lai_targets(run):
    wet, frozen = run["wet"], run["ideal_rain"]
    assert wet["valid"] > 0.95
    # twin targets for RMSE and fAPAR; the LAI bias (measured +0.26) takes the model-error
    # column: three bands leave some ψ–LAI trade-off (+0.09 with a static soil, too)
    targets = {**TWIN_TARGETS, "lai_bias": MODEL_ERROR_TARGETS["lai_bias"]}
    assert not meets(wet, targets)
    assert wet["lai_rmse"] <= 0.5 * frozen["lai_rmse"]
    assert 0.6 <= wet["lai_cal"] and 0.6 <= wet["fapar_cal"]
