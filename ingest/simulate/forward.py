"""Thin adapter over processes.retrieval's forward model: one PROSPECT-D run per pixel-day.

``processes.retrieval.forward.band_reflectance`` and ``fapar`` each recompute leaf optics; the
simulator needs both sensors' bands and the PAR integral of the same leaves every day, so it
runs PROSPECT once on the union wavelength grid and feeds 4SAIL from it (same equations).
"""

from __future__ import annotations

import numpy as np

from processes.retrieval.bands import SpectralBands
from processes.retrieval.forward import absorptance, par_weights, soil_reflectance
from processes.retrieval.lidf import campbell
from processes.retrieval.prospect import prospect_d
from processes.retrieval.sail import canopy, couple_soil, structure, view_geometry

BINNING = "fortran13"
"""Leaf-angle binning of the generating model (the retrieval uses prosail's 18 bins)."""
STEP = 20.0
"""Spectral sampling (nm) of the generating model, bands and PAR alike."""
HOTSPOT = 0.05
"""Hotspot parameter q of the generating model."""


class Leaves:
    """Leaf optics and soil of a set of pixels on one wavelength grid."""

    def __init__(self, state: dict[str, np.ndarray], wavelength: np.ndarray) -> None:
        """Run PROSPECT-D for ``state`` (keys n, cab, car, cbrown, cw, cm; ant = 0)."""
        self.state = state
        self.wavelength = np.unique(np.asarray(wavelength, dtype=np.int64))
        s = state
        self.rho, self.tau = prospect_d(
            s["n"], s["cab"], s["car"], 0.0, s["cbrown"], s["cw"], s["cm"], self.wavelength
        )
        self.soil = soil_reflectance(s["soil_brightness"], s["soil_dry"], self.wavelength)

    def take(
        self, idx: np.ndarray, wavelength: np.ndarray
    ) -> tuple[dict, np.ndarray, np.ndarray, np.ndarray]:
        """State, leaf reflectance, transmittance and soil of pixels ``idx`` at ``wavelength``."""
        cols = np.searchsorted(self.wavelength, wavelength)
        state = {k: v[idx] for k, v in self.state.items()}
        return state, self.rho[idx][:, cols], self.tau[idx][:, cols], self.soil[idx][:, cols]


def band_toc(leaves: Leaves, idx, sza, vza, raa, bands: SpectralBands, f_d) -> np.ndarray:
    """Band TOC reflectance ``(1−f_d)·rsot + f_d·rdot`` of pixels ``idx``, shape (P, B).

    Args:
        leaves: leaf optics on a grid containing ``bands.wavelength``.
        idx: pixel indices into ``leaves``.
        sza, vza, raa: geometry (degrees), shape (P, 1).
        bands: the sensor's bands of one geometry.
        f_d: diffuse fraction per band, shape (P, 1, B).
    """
    s, rho, tau, soil = leaves.take(idx, bands.wavelength)
    st = structure(campbell(s["ala"], BINNING), view_geometry(sza, vza, raa, BINNING))
    r = couple_soil(canopy(rho, tau, s["lai"], np.full(idx.size, HOTSPOT), st), soil)
    out = (1 - f_d) * (r["rsot"] @ bands.weights.T) + f_d * (r["rdot"] @ bands.weights.T)
    return out[:, 0, :]


def fapar_truth(leaves: Leaves, idx, noon_sza) -> tuple[np.ndarray, np.ndarray]:
    """Black-sky fAPAR at local solar noon and white-sky fAPAR (PAR, energy weighted)."""
    out = []
    for kind in ("black", "white"):
        wl, w = par_weights(STEP, "energy", kind)
        s, rho, tau, soil = leaves.take(idx, wl)
        sza = (noon_sza if kind == "black" else np.zeros(idx.size))[:, None]
        st = structure(campbell(s["ala"], BINNING), view_geometry(sza, 0 * sza, 0 * sza, BINNING))
        c = canopy(rho, tau, s["lai"], np.full(idx.size, HOTSPOT), st, view=False)
        out.append(absorptance(c, soil, kind) @ w)
    return out[0], out[1]


def par_wavelengths() -> np.ndarray:
    """The PAR sampling of :func:`fapar_truth`."""
    return par_weights(STEP)[0]
