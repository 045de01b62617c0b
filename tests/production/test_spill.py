"""Large run outputs are file-backed on the driver: same numbers, nothing left on disk."""

from __future__ import annotations

import numpy as np

from processes.production import run_production
from processes.production.settings import ProductionSettings
from processes.production.spill import output_array
from tests.production.conftest import SENSORS, roi


def test_output_array_spills_above_the_threshold_and_leaves_no_file(tmp_path):
    small = output_array((2, 3), spill_bytes=24, spill_dir=tmp_path)
    assert not isinstance(small, np.memmap) and np.isnan(small).all()
    big = output_array((2, 7, 5, 5), spill_bytes=24, spill_dir=tmp_path)
    assert isinstance(big, np.memmap) and big.dtype == np.float32 and np.isnan(big).all()
    big[1, 2] = 3.5
    assert float(big[1, 2].sum()) == 3.5 * 25
    assert list(tmp_path.iterdir()) == []  # unlinked at once: nothing survives the process


def test_a_spilled_run_equals_one_in_memory(catalogue, tmp_path):
    args = (catalogue, roi(4), "2019-06-08", "2019-06-18")
    kw = {"sensors": list(SENSORS), "mode": "site"}
    spilled, _ = run_production(
        *args, settings=ProductionSettings(spill_bytes=0, spill_dir=tmp_path), **kw
    )
    assert isinstance(spilled.data, np.memmap)
    held, _ = run_production(*args, **kw)
    assert not isinstance(held.data, np.memmap)
    assert np.isfinite(held.sel(bands="LAI").values).mean() > 0.5
    np.testing.assert_array_equal(spilled.values, held.values)
    assert list(tmp_path.iterdir()) == []
