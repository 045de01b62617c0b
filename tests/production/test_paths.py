"""Both execution paths of ``vp_lai_fapar`` on simulated products: equality, accuracy, outcomes."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from distributed import Client, LocalCluster, get_task_stream

from processes.production import run_production
from processes.production.step import OUTPUTS
from tests.production.conftest import SENSORS, roi

PERIOD = ("2019-06-06", "2019-06-21")


@pytest.fixture(scope="module")
def client():
    """Two Dask worker processes on loopback."""
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None,
                     processes=True) as cluster,
        Client(cluster) as c,
    ):  # fmt: skip
        yield c


def _truth(products, cube: xr.DataArray, name: str) -> np.ndarray:
    """The truth on the cube's dates, (t, y, x) (the truth's lat runs north first too)."""
    with xr.open_dataset(products.truth[0]) as truth:
        return truth[name].sel(time=cube.t.values).values


def test_site_and_tile_paths_give_the_same_pixels(catalogue, products, client):
    dates = []
    site, site_report = run_production(
        catalogue, roi(), *PERIOD, sensors=list(SENSORS), mode="site",
        on_date=lambda d, ok, err: dates.append((d, ok, err)),
    )  # fmt: skip
    tile, tile_report = run_production(
        catalogue, roi(), *PERIOD, sensors=list(SENSORS), mode="tile", chunk_size=11,
        client=client,
    )  # fmt: skip
    assert site_report.mode == "site" and tile_report.mode == "tile"
    assert tile_report.chunks == 4  # 16 px in 11-px chunks: 11 + 5 per side
    assert site.dims == ("t", "bands", "y", "x") and list(site.bands.values) == list(OUTPUTS)
    assert site.sizes["y"] == site.sizes["x"] == 16 and site.sizes["t"] == 3
    assert [d for d, _, _ in dates] == [o.date for o in site_report.outcomes]
    assert all(ok and err is None for _, ok, err in dates)
    assert not tile_report.failed
    np.testing.assert_array_equal(site.y.values, tile.y.values)
    # per-pixel batches of different sizes differ in the last float32 bit at most (measured
    # 4.8e-7 on LAI ≈ 5); a real difference (prior, window, pixel mix-up) is far larger
    np.testing.assert_allclose(site.values, tile.values, rtol=1e-6, atol=0, equal_nan=True)

    # accuracy against the simulation's truth (loose: 16×16 px, 10-day windows, model error)
    lai = site.sel(bands="LAI").values
    n_obs = site.sel(bands="n_obs").values
    good = np.isfinite(lai) & (n_obs >= 3)
    assert good.mean() > 0.5
    lai_err = lai[good] - _truth(products, site, "lai")[good]
    fapar_err = site.sel(bands="fAPAR").values[good] - _truth(products, site, "fapar_bs")[good]
    # measured: LAI RMSE 0.67 (bias −0.21), fAPAR RMSE 0.036 on 92 % of pixel-dates
    assert np.sqrt(np.mean(lai_err**2)) < 1.2
    assert np.sqrt(np.mean(fapar_err**2)) < 0.08


def test_tile_path_runs_breadth_first_on_one_worker(catalogue, products):
    # one worker: without date priorities dask runs each chunk's chain to its end first, so
    # no date (and no job progress) completes before the very end
    with (
        LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None)
        as cluster,
        Client(cluster) as one,
        get_task_stream(one) as stream,
    ):  # fmt: skip
        _, report = run_production(
            catalogue, roi(6), *PERIOD, sensors=list(SENSORS), mode="tile", chunk_size=3,
            client=one,
        )  # fmt: skip
    assert report.chunks == 4 and not report.failed
    spans: dict[int, list[tuple[float, float]]] = {}
    for task in stream.data:
        if str(task["key"]).startswith("vp-step-"):
            k = int(str(task["key"]).split("-")[3])
            (run,) = [s for s in task["startstops"] if s["action"] == "compute"]
            spans.setdefault(k, []).append((run["start"], run["stop"]))
    assert sorted(spans) == [0, 1, 2] and all(len(v) == 4 for v in spans.values())
    assert max(stop for _, stop in spans[0]) <= min(start for start, _ in spans[1])
    assert max(stop for _, stop in spans[1]) <= min(start for start, _ in spans[2])
