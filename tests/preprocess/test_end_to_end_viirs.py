"""End to end: simulated SNPP-VIIRS L1B → tiles → SMAC per tile → adapt → L2B → OptiSAIL.

All ten reflective bands of the registry (I1-I3, M3-M11) go through the chain; the truth keeps
its rain events (the blue M3 band lets the retrieval tell wet soil from leaves). The MODIS
proxy coefficients serve both the simulation and the correction here, so the chain has no
proxy mismatch; on real data the mismatch (~1 % of TOC per band, docs/preprocess.md) moves the
retrieval by at most :data:`PROXY_ALLOWANCE`, the only relaxation of the targets.
"""

from __future__ import annotations

import netCDF4
import numpy as np
import pytest

from ingest.registry import load_registry
from ingest.swath.sensors import VIIRS
from processes.preprocess.workflows import viirs_workflow
from processes.retrieval.process import optisail
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
)

CHAIN = Chain("snpp-viirs", VIIRS, viirs_workflow, local_hour=13.5)

#: Largest change of the perfect-TOC retrieval when every band's TOC is off by 1 % (all +1 %,
#: all −1 %, VIS −1 % with NIR +1 % and the reverse), measured on this scene
#: (docs/preprocess.md, "Proxy bias"): LAI bias ±0.04, RMSE +0.03, fAPAR bias ±0.006.
PROXY_ALLOWANCE = {"lai_rmse": 0.03, "lai_bias": 0.04, "fapar_rmse": 0.003, "fapar_bias": 0.006}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("l2b")
    truth = make_truth(CHAIN)
    cube = simulate_l2b(CHAIN, truth, out)
    perfect, toc = perfect_cube(CHAIN, cube, truth)
    got, ideal = metrics(optisail(cube), truth), metrics(optisail(perfect), truth)
    print(f"\npre-processed: {got}\nperfect TOC:   {ideal}")
    return {"out": out, "cube": cube, "toc": toc, "got": got, "ideal": ideal}


def test_every_registry_band_is_produced(run):
    names = [b.name for b in load_registry()["snpp-viirs"].bands]
    files = sorted(run["out"].glob("c3s_L2B_*_VIIRS_V1.0.nc"))
    assert len(files) == 15 and run["cube"].sizes["t"] == 15
    with netCDF4.Dataset(files[0]) as nc:
        assert sorted(nc["LEVEL2B/RADIOMETRY"].groups) == sorted(names)
        qf = nc["LEVEL2B/QUALITY/QF_RAD"][:]
        sm = nc["LEVEL2B/QUALITY/SM"][:]
    clear = (sm & 0x3) == 0
    assert clear.any() and np.all(qf[clear] == (1 << len(names)) - 1)  # every band good
    assert np.all(sm[clear] & 0xF0 == 0xF0)  # blue (M3), red, NIR, SWIR (I1-I3) bits
    assert 0.6 < run["cube"].sel(bands="clear").values.mean() < 0.97


def test_toc_matches_truth_within_its_uncertainty(run):
    assert_toc_within_uncertainty(run["toc"])


def test_perfect_toc_meets_the_twin_targets(run):
    assert run["ideal"]["valid"] > 0.95
    assert not meets(run["ideal"], TWIN_TARGETS)


def test_retrieval_on_preprocessed_tiles_meets_the_targets(run):
    got = run["got"]
    assert got["valid"] > 0.95
    # twin targets plus the proxy allowance; the LAI bias takes the model-error column because
    # each day's meteo error is shared by the whole scene (test_end_to_end.py, docs).
    targets = {**TWIN_TARGETS, "lai_bias": MODEL_ERROR_TARGETS["lai_bias"]}
    assert not meets(got, targets, PROXY_ALLOWANCE)
    assert 0.5 <= got["lai_cal"] and 0.5 <= got["fapar_cal"]
