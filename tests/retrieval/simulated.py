"""Simulated product sets for the accuracy tests: ``canopy simulate`` → open_l2b_many → optisail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import xarray as xr

from ingest.grid import PROBAV_1KM
from ingest.registry import Sensor
from ingest.simulate.run import SimulationConfig, SimulationResult, simulate
from processes.io import open_l2b_many
from processes.retrieval.process import optisail

SENSORS = ("probav", "vgt2")
TILE = "X18Y02"
#: 10 steps of green-up to peak (May–June at 50°N): LAI 0.1–6, most of it 2–4.
START, END = date(2019, 5, 1), date(2019, 6, 19)
SIZE = 12
"""Crop of SIZE×SIZE pixels (~8% water)."""
SRF_STEP = 10.0
"""optisail's default SRF sampling; the twin generates with the same."""


def crop_bbox(row0: int, col0: int, size: int) -> tuple[float, float, float, float]:
    """A bbox selecting exactly ``size``×``size`` pixels of the tile from (row0, col0)."""
    lon0, lat0 = PROBAV_1KM.pixel_to_lonlat(TILE, row0, col0)
    px = PROBAV_1KM.pixel_size
    return (lon0 - 0.4 * px, lat0 - (size - 1 + 0.4) * px, lon0 + (size - 1 + 0.4) * px,
            lat0 + 0.4 * px)  # fmt: skip


@dataclass
class Run:
    """One simulated set and its retrieval, arrays (t, y, x) at the step dates."""

    seed: int
    result: SimulationResult
    out: xr.DataArray
    """The optisail output."""
    lai: np.ndarray
    """Truth LAI."""
    fapar: np.ndarray
    """Truth black-sky fAPAR at local solar noon."""
    contaminated: np.ndarray
    """True where the window holds a clear-flagged view under an undetected thin cloud."""
    water: np.ndarray
    """Truth water mask, (y, x)."""
    cubes: list[xr.DataArray]
    """The products as optisail got them, one cube per sensor."""
    landcover: xr.DataArray
    """The simulated land-cover map (CCI-LC codes, with confusion) optisail got."""

    def band(self, name: str) -> np.ndarray:
        """One output band, (t, y, x)."""
        return self.out.sel(bands=name).values


def truth_file(result: SimulationResult, token: str | None = None) -> Path:
    """The state truth file (``token`` None) or a sensor's truth file."""
    for p in result.truth:
        if p.stem.endswith(f"_{token}") if token else p.stem.count("_") == 3:
            return p
    raise FileNotFoundError(token)


def simulate_and_retrieve(root: Path, registry: dict[str, Sensor], seed: int, twin: bool) -> Run:
    """Simulate the products of both sensors and run optisail on them with its defaults."""
    cfg = SimulationConfig(
        tile=TILE, start=START, end=END, sensors=tuple(registry[s] for s in SENSORS), out=root,
        seed=seed, bbox=crop_bbox(560, 560, SIZE), twin=twin,
    )  # fmt: skip
    result = simulate(cfg)
    cubes = []
    for s in SENSORS:
        paths = sorted((root / s).rglob("*.nc"))
        cube = open_l2b_many(paths, registry[s].vp())
        # open_l2b_many sorts by time; the file names start with the date, so do the paths
        assert "land" in cube.bands.values  # the reader delivers the water/land flag
        cubes.append(cube)
    landcover = landcover_map(result, cubes[0])
    out = retrieve(cubes, landcover=landcover)
    state = xr.load_dataset(truth_file(result))
    at_steps = state.sel(time=out.t.values)
    days = state.time.values
    contaminated = np.zeros(out.shape[:1] + out.shape[2:], bool)
    for s in SENSORS:
        und = xr.load_dataset(truth_file(result, registry[s].product_token)).undetected_cloud
        for k, centre in enumerate(out.t.values):
            inside = (days >= centre - np.timedelta64(5, "D")) & (
                days < centre + np.timedelta64(5, "D")
            )
            contaminated[k] |= und.values[inside].any(axis=0).astype(bool)
    water = state.land_cover.values < 0
    truth = at_steps.lai.values, at_steps.fapar_bs.values
    return Run(seed, result, out, *truth, contaminated, water, cubes, landcover)


def landcover_map(result: SimulationResult, cube: xr.DataArray) -> xr.DataArray:
    """The simulation's land-cover product (not the truth) as a (y, x) cube on ``cube``'s grid."""
    import rioxarray

    lc = rioxarray.open_rasterio(result.landcover).squeeze("band", drop=True).load()
    np.testing.assert_allclose(lc.y.values, cube.y.values, atol=1e-9)
    np.testing.assert_allclose(lc.x.values, cube.x.values, atol=1e-9)
    return xr.DataArray(lc.values, dims=("y", "x"), coords={"y": cube.y, "x": cube.x})


def retrieve(cubes: list[xr.DataArray], **kwargs) -> xr.DataArray:
    """optisail with the accuracy tests' outputs and SRF sampling, plus ``kwargs``."""
    outputs = ["LAI", "LAI_unc", "fAPAR", "fAPAR_unc", "LAI_fAPAR_corr", "quality_flag", "n_obs",
               "Cab"]  # fmt: skip
    return optisail(cubes, outputs=outputs, srf_step=SRF_STEP, **kwargs)


def metrics(runs: list[Run]) -> dict[str, float]:
    """science.md §5 metrics pooled over runs: pixels with a retrieval and ≥ 3 observations;
    LAI statistics for truth LAI ≤ 4."""
    e, ef, lu, fu, low = [], [], [], [], []
    for r in runs:
        ok = np.isfinite(r.band("LAI")) & (r.band("n_obs") >= 3)
        e.append((r.band("LAI") - r.lai)[ok])
        ef.append((r.band("fAPAR") - r.fapar)[ok])
        lu.append(r.band("LAI_unc")[ok])
        fu.append(r.band("fAPAR_unc")[ok])
        low.append(r.lai[ok] <= 4)
    e, ef, lu, fu, low = (np.concatenate(a) for a in (e, ef, lu, fu, low))
    el = e[low]
    return {
        "n": int(e.size),
        "lai_rmse": float(np.sqrt(np.mean(el**2))),
        "lai_bias": float(np.mean(el)),
        "lai_rmse_above_4": float(np.sqrt(np.mean(e[~low] ** 2))) if np.any(~low) else np.nan,
        "fapar_rmse": float(np.sqrt(np.mean(ef**2))),
        "fapar_bias": float(np.mean(ef)),
        "lai_cal": float(np.mean(np.abs(el) <= lu[low])),
        "fapar_cal": float(np.mean(np.abs(ef) <= fu)),
        "lai_zstd": float(1.4826 * np.median(np.abs(el / lu[low]))),
        "fapar_zstd": float(1.4826 * np.median(np.abs(ef / fu))),
    }
