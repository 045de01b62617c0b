"""Per-date outcomes, mode choice, the process binding and clear errors of ``vp_lai_fapar``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from processes.exceptions import CollectionNotFound, NoDataAvailable, ProcessParameterInvalid
from processes.production import make_vp_lai_fapar, run_production
from tests.production.conftest import ingest_set, roi, simulate_set

_ROOT = Path(__file__).parents[2] / "processes"
#: Staged beside the code until the process is registered, then in processes/specs/.
SPEC = next(
    p
    for p in (
        _ROOT / "specs" / "vp_lai_fapar.json",
        _ROOT / "production" / "spec" / "vp_lai_fapar.json",
    )
    if p.exists()
)


@pytest.fixture
def small(tmp_path, pgstac_dsn, registry):
    """4×4 px, 12 days of PROBA-V (written per test: one test corrupts a file)."""
    tmp_path.chmod(0o755)
    result = simulate_set(tmp_path, registry, 4, 12, sensors=("probav",), seed=3)
    return result, ingest_set(pgstac_dsn, result, registry, sensors=("probav",))


def test_a_date_whose_input_is_unreadable_fails_alone(small):
    result, catalogue = small
    broken = next(p for p in result.products if "20190609" in p.name)
    broken.write_bytes(b"not a netCDF file")
    seen = []
    cube, report = run_production(
        catalogue, roi(4), "2019-06-01", "2019-06-13", sensors=["probav"],
        on_date=lambda d, ok, err: seen.append((f"{d:%m%d}", ok, err)),
    )  # fmt: skip
    assert report.mode == "site"  # 16 px: auto takes the site path
    # windows [d−5, d+5): 06-09 is read by the dates 06-06 and 06-11 only
    assert [(d, ok) for d, ok, _ in seen] == [("0601", True), ("0606", False), ("0611", False)]
    assert all(err and "20190609" in err for _, ok, err in seen if not ok)
    assert cube.attrs["failed_dates"] == "2019-06-06,2019-06-11"
    assert np.isnan(cube.sel(t="2019-06-06").values).all()
    assert np.isfinite(cube.sel(t="2019-06-01", bands="quality_flag").values).all()


def test_every_date_failing_is_an_error(small):
    result, catalogue = small
    for p in result.products:
        p.write_bytes(b"broken")
    with pytest.raises(Exception, match="no date succeeded"):
        run_production(catalogue, roi(4), "2019-06-01", "2019-06-13", sensors=["probav"])


def test_errors_name_the_sensor_and_the_period(small):
    _, catalogue = small
    with pytest.raises(CollectionNotFound, match="sentinel9"):
        run_production(catalogue, roi(4), "2019-06-01", "2019-06-13", sensors=["sentinel9"])
    with pytest.raises(NoDataAvailable, match=r"probav.*2020-01-01"):
        run_production(catalogue, roi(4), "2020-01-01", "2020-02-01", sensors=["probav"])
    far = {"west": 10.0, "south": 10.0, "east": 10.1, "north": 10.1}
    with pytest.raises(NoDataAvailable, match="probav"):
        run_production(catalogue, far, "2019-06-01", "2019-06-13", sensors=["probav"])
    with pytest.raises(ProcessParameterInvalid, match="interval"):
        run_production(catalogue, roi(4), "2019-06-01", "2019-06-13", "5 days", sensors=["probav"])


def test_bound_process_matches_its_spec(small):
    _, catalogue = small
    spec = json.loads(SPEC.read_text())
    assert spec["id"] == "vp_lai_fapar"
    process = make_vp_lai_fapar(catalogue)
    cube = process(geometry=roi(4), start="2019-06-01", end="2019-06-07", sensors=["probav"],
                   interval="5D", window="10D", mode="tile", chunk_size=3)  # fmt: skip
    assert cube.sizes["t"] == 2 and cube.sizes["y"] == cube.sizes["x"] == 4
    names = [p["name"] for p in spec["parameters"]]
    assert names == ["geometry", "start", "end", "interval", "window", "sensors", "mode",
                     "chunk_size", "dates"]  # fmt: skip
    bands = spec["returns"]["schema"]["dimensions"][1]["values"]
    assert bands == list(cube.bands.values)
