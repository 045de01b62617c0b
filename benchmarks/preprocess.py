"""Benchmark: segments per second per core for SMAC and for tiling, against in-run baselines."""
# ruff: noqa: E402  (sys.path is fixed before the package imports, see below)

from __future__ import annotations

import sys
import time
from pathlib import Path

# `python benchmarks/preprocess.py` puts benchmarks/ first on sys.path, where a module named
# like a package would shadow it: look up packages from the repository root instead.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [str(_HERE.parent)] + [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import numpy as np
from pyresample import geometry, kd_tree

from ingest.swath.generator import generate_segment
from ingest.swath.scene import SimpleScene, synthetic_dem, synthetic_meteo
from ingest.swath.sensors import AVHRR
from processes.preprocess.bands import band_coefficients
from processes.preprocess.process import smac_correct, tile_project
from processes.preprocess.smac import smac_atmosphere, toa_to_toc
from processes.preprocess.tilegrid import tile_corner
from processes.preprocess.tiling import default_radius


def scalar_smac(c, toa, sza, saa, vza, vaa, p, tau, uo3, uh2o) -> float:
    """Baseline: the straightforward per-pixel loop body (scalar inputs, same equations)."""
    return float(toa_to_toc(toa, smac_atmosphere(c, sza, saa, vza, vaa, p, tau, uo3, uh2o)))


def timed(func, repeat: int = 2) -> float:
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    scene = SimpleScene(seed=1)
    meteo = synthetic_meteo((35, 65), (-15, 35), np.datetime64("2020-06-15"), seed=1)
    dem = synthetic_dem((35, 65), (-15, 35), scene)
    # A 1/8 AVHRR segment: 512 samples × 540 lines (~0.28 M pixels, 3 bands).
    sensor = AVHRR.scaled(512, max_scan_deg=13.0)
    l1b, _ = generate_segment(
        sensor, np.datetime64("2020-06-15T09:05"), 51.0, 9.0, 540, meteo, dem, scene
    )
    n_px = l1b["lat"].size
    print(f"segment: {sensor.sensor} {l1b.sizes['y']} lines × {l1b.sizes['x']} samples = {n_px} px, "
          f"3 bands, 1 core")  # fmt: skip

    # SMAC: vectorised smac_correct (incl. meteo interpolation and uncertainty) vs scalar loop.
    t_smac = timed(lambda: smac_correct(l1b, meteo, dem))
    c = band_coefficients("AVHRR", "RED").coefficients()
    n_base = 2000
    args = [l1b[v].values.ravel()[:n_base] for v in ("RED", "sza", "saa", "vza", "vaa")]

    def baseline_smac():
        for i in range(n_base):
            scalar_smac(c, *(a[i] for a in args), 1000.0, 0.2, 0.3, 2.0)

    t_base_px = timed(baseline_smac, 1) / n_base
    t_base_seg = t_base_px * n_px * 3  # TOC only, no uncertainty: a lower bound of its cost
    print(f"SMAC   ours: {1 / t_smac:8.3f} segments/s/core ({t_smac:.2f} s, TOC + uncertainty)")
    print(f"SMAC   base: {1 / t_base_seg:8.3f} segments/s/core (per-pixel scalar loop, TOC only, "
          f"extrapolated from {n_base} px)")  # fmt: skip
    print(f"SMAC   ratio ours/baseline: {t_base_seg / t_smac:.1f}x")

    # Tiling: our tile_project (one kd-tree query over the touched window, reused for every
    # layer) vs pyresample's default path (resample_nearest per layer over whole tiles).
    toc = smac_correct(l1b, meteo, dem)
    t_tile = timed(lambda: tile_project(toc))
    tiles = list(tile_project(toc))
    layers = [v for v, da in toc.data_vars.items() if da.dims == ("y", "x")]
    swath = geometry.SwathDefinition(lons=toc["lon"].values, lats=toc["lat"].values)
    radius = default_radius(toc["lat"].values, toc["lon"].values)

    def baseline_tiles():
        for tile in tiles:
            lon0, lat0 = tile_corner(tile)
            h = 0.5 / 112
            area = geometry.AreaDefinition(tile, tile, "ll", "EPSG:4326", 1120, 1120,
                                           (lon0 - h, lat0 - 10 + h, lon0 + 10 - h, lat0 + h))  # fmt: skip
            for v in layers:
                kd_tree.resample_nearest(swath, toc[v].values, area, radius, fill_value=None)

    t_base_tile = timed(baseline_tiles, 1)
    print(f"tiling ours: {1 / t_tile:8.3f} segments/s/core ({t_tile:.2f} s, {len(tiles)} tiles, "
          f"{len(layers)} layers)")  # fmt: skip
    print(
        f"tiling base: {1 / t_base_tile:8.3f} segments/s/core (pyresample resample_nearest per layer)"
    )
    print(f"tiling ratio ours/baseline: {t_base_tile / t_tile:.1f}x")


if __name__ == "__main__":
    main()
