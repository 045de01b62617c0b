"""Benchmark of the batched retrieval against per-pixel least_squares over prosail.run_prosail."""

import os

# single-thread measurement: set before numpy loads its BLAS
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[_var] = "1"

import sys  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import prosail  # noqa: E402
from scipy.optimize import least_squares  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "retrieval"))
from retrieval_scenes import truth_state, window_observations  # noqa: E402

from processes.retrieval.bands import PROBAV, VGT, make_bands  # noqa: E402
from processes.retrieval.model import SensorGroup, evaluate  # noqa: E402
from processes.retrieval.sail import view_geometry  # noqa: E402
from processes.retrieval.state import (  # noqa: E402
    NAMES,
    bounds,
    climatology,
    full_state,
    to_physical,
    to_transformed,
)
from processes.retrieval.window import RetrievalConfig, retrieve_window  # noqa: E402

NPIX = 2000
N_BASELINE = 4
SRF_STEP = float(os.environ.get("SRF_STEP", "10"))  # 10: the process default


def batched(obs, npix):
    """Pixel-dates per second of retrieve_window and its peak traced memory."""
    sza = np.full(npix, 30.0)
    retrieve_window([_take(o, slice(0, 50)) for o in obs], sza[:50])  # warm-up (caches)
    t0 = time.perf_counter()
    retrieve_window(obs, sza, config=RetrievalConfig())
    dt = time.perf_counter() - t0
    tracemalloc.start()
    retrieve_window(obs, sza)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return dt / npix, peak


def operator(npix=1024, n_views=9, repeats=5):
    """Seconds per pixel of one H + Jacobian and of one H alone, vp_lai_fapar-like groups.

    Three band geometries as in production (PROBA-V VNIR, PROBA-V SWIR, VGT), each seen
    ``n_views`` times in the window; one inversion batch of ``npix`` pixels.
    """
    rng = np.random.default_rng(1)

    def subset(spec, idx):
        return make_bands(*([spec[j][i] for i in idx] for j in range(3)), step=SRF_STEP)

    groups = [
        SensorGroup(b, view_geometry(rng.uniform(25, 55, (npix, n_views)),
                                     rng.uniform(0, 50, (npix, n_views)),
                                     rng.uniform(0, 360, (npix, n_views))))
        for b in (subset(PROBAV, [0, 1, 2]), subset(PROBAV, [3]), subset(VGT, [0, 1, 2, 3]))
    ]  # fmt: skip
    p, _ = climatology(npix)
    p = p.copy()
    p[:, NAMES.index("lai")] = rng.uniform(0.2, 6.0, npix)
    p[:, NAMES.index("ala")] = rng.uniform(35.0, 70.0, npix)
    out = []
    for jac in (True, False):
        evaluate(p, groups, "prosail18", jacobian=jac)
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            evaluate(p, groups, "prosail18", jacobian=jac)
            times.append(time.perf_counter() - t0)
        out.append(min(times) / npix)
    return out


def _take(o, sel):
    from dataclasses import replace

    return replace(
        o, reflectance=o.reflectance[sel], uncertainty=o.uncertainty[sel], sza=o.sza[sel],
        vza=o.vza[sel], raa=o.raa[sel], clear=o.clear[sel],
    )  # fmt: skip


def baseline(obs, npix):
    """Seconds per pixel of scipy least_squares over prosail.run_prosail (same state, priors)."""
    pb, b = climatology(1)  # physical units, as in the batched retrieval
    sd_b = np.sqrt(np.diag(b[0]))
    floor_a, floor_b = RetrievalConfig().model_error
    lo, hi = bounds()
    times = []
    for i in range(npix):

        def residual(t, i=i):
            s = {k: float(v[0]) for k, v in full_state(to_physical(t[None])).items()}
            res = []
            for o in obs:
                for j in range(o.sza.shape[1]):
                    rho = prosail.run_prosail(
                        s["n"], s["cab"], s["car"], s["cbrown"], s["cw"], s["cm"], s["lai"],
                        s["ala"], s["hotspot"], o.sza[i, j], o.vza[i, j], o.raa[i, j],
                        ant=s["ant"], prospect_version="D", typelidf=2,
                        rsoil=s["soil_brightness"], psoil=s["soil_dry"],
                    )  # fmt: skip
                    h = o.bands.weights @ rho[o.bands.wavelength - 400]
                    y = o.reflectance[i, j]
                    sig = np.sqrt(o.uncertainty[i, j] ** 2 + (floor_a + floor_b * y) ** 2)
                    res.append((y - h) / sig)
            res.append((to_physical(t[None])[0] - pb[0]) / sd_b)
            return np.concatenate(res)

        t0 = time.perf_counter()
        x0 = np.clip(to_transformed(pb[0]), lo + 1e-9, hi - 1e-9)
        least_squares(residual, x0, bounds=(lo, hi))
        times.append(time.perf_counter() - t0)
    return float(np.mean(times))


def main():
    """Run and print the benchmark."""
    load0 = "/".join(f"{v:.1f}" for v in os.getloadavg())
    rng = np.random.default_rng(0)
    truth = truth_state(NPIX, rng)
    obs = window_observations(truth, rng, n_per_sensor=3, step=SRF_STEP)
    per_px, peak = batched(obs, NPIX)
    op_jac, op_h = operator()
    base = baseline(obs, N_BASELINE)
    input_bytes = sum(o.reflectance.nbytes * 2 + o.sza.nbytes * 4 for o in obs) / NPIX
    n_lambda = sum(o.bands.wavelength.size for o in obs)
    print(
        f"load average {load0} at the start, {'/'.join(f'{v:.1f}' for v in os.getloadavg())} at the end"
    )
    print(f"setup: {NPIX} pixels, 2 sensors x 3 observations x 4 bands, {len(NAMES)} parameters, "
          f"{n_lambda} wavelengths (SRF step {SRF_STEP:g} nm), single thread")  # fmt: skip
    print(
        f"batched retrieval : {per_px * 1e3:.2f} ms per pixel-date, {1 / per_px:.0f} pixel-dates/s/core"
    )
    print(f"operator, 1024 px x 9 overpasses x 3 band geometries (vp_lai_fapar-like): "
          f"H+K {op_jac * 1e6:.0f} us per pixel, H alone {op_h * 1e6:.0f} us per pixel")  # fmt: skip
    print(f"baseline (scipy least_squares + prosail.run_prosail, {N_BASELINE} px): "
          f"{base * 1e3:.0f} ms per pixel-date")  # fmt: skip
    print(f"speed-up: {base / per_px:.0f}x (target >= 100x; <= 5 ms per pixel-date)")
    print(f"peak traced memory of the run: {peak / 2**20:.0f} MiB (bounded by the batch of "
          f"{RetrievalConfig().batch} px); inputs per 100,000 pixels: {input_bytes * 1e5 / 2**20:.0f} MiB; "
          f"peak per 100,000 pixels ~ {(peak + input_bytes * 1e5) / 2**20:.0f} MiB")  # fmt: skip


if __name__ == "__main__":
    main()
