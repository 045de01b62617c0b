"""The chain across runs on the tile path: a run resumed from a saved state equals one run."""

from __future__ import annotations

import numpy as np

from processes.production import run_production
from processes.production.chain import ChainHooks
from tests.production.conftest import SENSORS, roi


def test_tile_runs_chained_through_a_state_equal_one_run(catalogue, tmp_path):
    state = tmp_path / "state" / "posterior.npz"
    notes: list[str] = []
    args = {"sensors": list(SENSORS), "mode": "tile", "scheduler": "synchronous"}
    first, _ = run_production(catalogue, roi(6), "2019-06-08", "2019-06-18", chunk_size=4,
                              hooks=ChainHooks(save_to=state, on_note=notes.append), **args)  # fmt: skip
    assert state.is_file() and notes == [
        "global (no land-cover collection 'esa-cci-lc' in the catalogue).",
        "posterior of 2019-06-13 kept for the next run.",
    ]
    progress: list[tuple[int, int]] = []
    hooks = ChainHooks(prior=state, on_note=notes.append,
                       on_progress=lambda done, total: progress.append((done, total)))  # fmt: skip
    # other chunks than the first run's: the state is per pixel
    second, _ = run_production(catalogue, roi(6), "2019-06-18", "2019-06-28", chunk_size=3,
                               hooks=hooks, **args)  # fmt: skip
    assert notes[-1] == "starting from the posterior of 2019-06-13."
    assert progress == [(1, 2), (2, 2)]
    whole, _ = run_production(catalogue, roi(6), "2019-06-08", "2019-06-28", chunk_size=6, **args)
    chained = np.concatenate([first.values, second.values])
    assert np.isfinite(whole.sel(bands="LAI").values).mean() > 0.8
    np.testing.assert_allclose(chained, whole.values, rtol=1e-6, equal_nan=True)

    # a state that does not precede the run's first date is not used
    notes.clear()
    late, _ = run_production(catalogue, roi(6), "2019-06-23", "2019-06-28", chunk_size=4,
                             hooks=ChainHooks(prior=state, on_note=notes.append), **args)  # fmt: skip
    assert "does not precede" in notes[1]
    assert not np.allclose(late.sel(bands="LAI").values, whole.sel(bands="LAI").values[-1:])
