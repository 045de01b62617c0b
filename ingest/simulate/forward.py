"""Thin adapter over processes.retrieval's forward model: one PROSPECT-D run per pixel-day.

``processes.retrieval.forward.band_reflectance`` and ``fapar`` each recompute leaf optics; the
simulator needs both sensors' bands and the PAR integral of the same leaves every day, so it
runs PROSPECT once on the union wavelength grid and feeds 4SAIL from it (same equations).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from processes.retrieval.bands import SpectralBands
from processes.retrieval.forward import absorptance, par_weights, soil_reflectance
from processes.retrieval.lidf import campbell
from processes.retrieval.prospect import prospect_d
from processes.retrieval.sail import canopy, couple_soil, structure, view_geometry
from processes.retrieval.state import FIXED
from processes.retrieval.window import RetrievalConfig


@dataclass(frozen=True)
class GeneratingModel:
    """How the simulator turns the truth into reflectance, and what it leaves unflagged."""

    name: str
    """Label written into the products and truth files."""
    binning: str
    """Leaf-angle binning of 4SAIL."""
    hotspot: float
    """Hotspot parameter q."""
    srf_step: float
    """Spectral sampling (nm) of the band responses."""
    par_step: float
    """Spectral sampling (nm) of the PAR integral of the truth fAPAR."""
    diffuse: bool
    """TOC = (1−f_d)·rsot + f_d·rdot when True, rsot alone otherwise."""
    leaf_n: float | None
    """PROSPECT N for every pixel, or None for the land-cover class's N."""
    undetected_clouds: bool
    """Leave 2–5% thin clouds flagged clear."""
    snow_flag_above: float
    """The snow bit is set where the snow fraction exceeds this (partial snow below it)."""
    stated_noise: bool = False
    """Draw the noise at the σ a reader takes from the product, max(σ, min_rel_uncertainty·ρ)
    of the sensor registry, instead of science.md §5.6's σ alone (4 %/5 % against the
    registry's 6 %/8 % minimum)."""


MODEL_ERROR = GeneratingModel(
    name="PROSPECT-D + 4SAIL, fortran13 LIDF, hotspot 0.05, diffuse fraction, class N",
    binning="fortran13", hotspot=0.05, srf_step=20.0, par_step=20.0, diffuse=True,
    leaf_n=None, undetected_clouds=True, snow_flag_above=0.3,
)  # fmt: skip
"""Default: deliberate model error against the retrieval (LIDF binning, hotspot, diffuse light,
leaf structure N by class, coarser spectral sampling) plus undetected thin clouds and
unflagged partial snow."""

TWIN = GeneratingModel(
    name="identical twin: the retrieval's model (prosail18 LIDF, rsot, fixed N and hotspot)",
    binning=RetrievalConfig.binning, hotspot=FIXED["hotspot"], srf_step=10.0,
    par_step=RetrievalConfig.fapar_step, diffuse=False, leaf_n=FIXED["n"],
    undetected_clouds=False, snow_flag_above=0.0, stated_noise=True,
)  # fmt: skip
"""Identical twin: exactly the retrieval's forward model and fixed parameters (N, hotspot),
SRFs sampled every 10 nm (optisail's default ``srf_step``), every cloud and snow pixel flagged,
noise of exactly the σ the retrieval reads from the products (so that the test of the
posterior σ measures the inversion, not the registry's minimum relative uncertainty).
Data and model differ only by that noise and by the state
changing from day to day inside a window (phenology, soil moisture); the static leaf parameters
stay the land-cover class's (evergreen Cm 0.015 lies 3σ from the retrieval's prior)."""


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


def band_toc(
    leaves: Leaves, idx, sza, vza, raa, bands: SpectralBands, f_d, model: GeneratingModel
) -> np.ndarray:
    """Band TOC reflectance ``(1−f_d)·rsot + f_d·rdot`` of pixels ``idx``, shape (P, B).

    Args:
        leaves: leaf optics on a grid containing ``bands.wavelength``.
        idx: pixel indices into ``leaves``.
        sza, vza, raa: geometry (degrees), shape (P, 1).
        bands: the sensor's bands of one geometry.
        f_d: diffuse fraction per band, shape (P, 1, B); ignored unless ``model.diffuse``.
        model: the generating model.
    """
    s, rho, tau, soil = leaves.take(idx, bands.wavelength)
    b = model.binning
    st = structure(campbell(s["ala"], b), view_geometry(sza, vza, raa, b))
    r = couple_soil(canopy(rho, tau, s["lai"], np.full(idx.size, model.hotspot), st), soil)
    out = r["rsot"] @ bands.weights.T
    if model.diffuse:
        out = (1 - f_d) * out + f_d * (r["rdot"] @ bands.weights.T)
    return out[:, 0, :]


def fapar_truth(
    leaves: Leaves, idx, noon_sza, model: GeneratingModel
) -> tuple[np.ndarray, np.ndarray]:
    """Black-sky fAPAR at local solar noon and white-sky fAPAR (PAR, energy weighted)."""
    out = []
    b = model.binning
    for kind in ("black", "white"):
        wl, w = par_weights(model.par_step, "energy", kind)
        s, rho, tau, soil = leaves.take(idx, wl)
        sza = (noon_sza if kind == "black" else np.zeros(idx.size))[:, None]
        st = structure(campbell(s["ala"], b), view_geometry(sza, 0 * sza, 0 * sza, b))
        c = canopy(rho, tau, s["lai"], np.full(idx.size, model.hotspot), st, view=False)
        out.append(absorptance(c, soil, kind) @ w)
    return out[0], out[1]


def par_wavelengths(model: GeneratingModel) -> np.ndarray:
    """The PAR sampling of :func:`fapar_truth`."""
    return par_weights(model.par_step)[0]
