"""Public forward model: PROSPECT-D + 4SAIL + soil → band TOC reflectance and fAPAR.

State: a mapping with arrays of shape (P,) (scalars broadcast) under the keys of
:data:`STATE_KEYS`:

====================  ==========  =========================================================
key                   unit        meaning
====================  ==========  =========================================================
``n``                 –           PROSPECT leaf structure N
``cab``               µg/cm²      chlorophyll a+b
``car``               µg/cm²      carotenoids
``ant``               µg/cm²      anthocyanins
``cbrown``            –           brown pigments
``cw``                g/cm²       equivalent water thickness
``cm``                g/cm²       dry matter
``lai``               m²/m²       leaf area index (> 0)
``ala``               degrees     mean leaf angle of the ellipsoidal (Campbell) LIDF
``hotspot``           –           hotspot size parameter q
``soil_brightness``   –           soil brightness B
``soil_dry``          –           dry fraction ψ: ρ_soil = B·(ψ·dry + (1−ψ)·wet)
====================  ==========  =========================================================

Geometry arrays ``sza, vza, raa`` (degrees; raa = relative sun–view azimuth) have shape (P, O).

Functions:
    ``band_reflectance(state, sza, vza, raa, bands, *, diffuse_fraction=None,
    binning="prosail18")`` → (P, O, B) band TOC reflectance.
    ``spectral_reflectance(state, sza, vza, raa, wavelength, *, diffuse_fraction=None,
    binning="prosail18")`` → (P, O, L).
    ``fapar(state, sza, *, kind="black", binning="prosail18", step=5, weighting="energy")``
    → (P,).
    ``albedo(state, sza, *, kind="black", spectral_range=(400, 700), binning="prosail18",
    step=10)`` → (P,) broadband DHR (black-sky) or BHR (white-sky).
    ``spectral_albedo(state, sza, wavelength, *, kind="black", binning="prosail18")`` → (P, L).
    ``soil_reflectance(brightness, dry_fraction, wavelength)`` → (P, L).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from processes.retrieval.bands import SpectralBands
from processes.retrieval.lidf import campbell
from processes.retrieval.prospect import prospect_d
from processes.retrieval.sail import canopy, couple_soil, structure, view_geometry
from processes.retrieval.spectra import index_of, tables

STATE_KEYS = (
    "n", "cab", "car", "ant", "cbrown", "cw", "cm", "lai", "ala", "hotspot",
    "soil_brightness", "soil_dry",
)  # fmt: skip

#: PAR range (nm) of fAPAR.
PAR = (400, 700)
#: Broadband albedo ranges (nm) of the VP_cci site products (science.md §0).
ALBEDO_RANGES = {"VIS": (400, 700), "NIR": (700, 2500), "SW": (400, 2500)}


def as_state(state: Mapping[str, np.ndarray | float]) -> dict[str, np.ndarray]:
    """Validate a state mapping and broadcast its entries to float arrays of shape (P,).

    Args:
        state: Mapping with every key of :data:`STATE_KEYS`.

    Returns:
        A dict of 1-d float arrays of equal length.

    Raises:
        KeyError: naming the missing keys.
    """
    missing = [k for k in STATE_KEYS if k not in state]
    if missing:
        raise KeyError(f"state lacks {missing}")
    arrays = np.broadcast_arrays(
        *(np.atleast_1d(np.asarray(state[k], dtype=float)) for k in STATE_KEYS)
    )
    return {k: np.ascontiguousarray(a.ravel()) for k, a in zip(STATE_KEYS, arrays, strict=True)}


def soil_reflectance(brightness, dry_fraction, wavelength) -> np.ndarray:
    """Soil reflectance ``B·(ψ·dry + (1−ψ)·wet)`` with prosail's two soil spectra.

    Args:
        brightness: Soil brightness B, shape (P,).
        dry_fraction: Dry fraction ψ, shape (P,).
        wavelength: Integer wavelengths (nm), shape (L,).

    Returns:
        Reflectance, shape (P, L).
    """
    t = tables()
    idx = index_of(wavelength)
    b = np.atleast_1d(np.asarray(brightness, dtype=float))[:, None]
    p = np.atleast_1d(np.asarray(dry_fraction, dtype=float))[:, None]
    return b * (p * t.soil_dry[idx] + (1.0 - p) * t.soil_wet[idx])


def _leaf_and_soil(s: dict[str, np.ndarray], wavelength):
    rho, tau = prospect_d(
        s["n"], s["cab"], s["car"], s["ant"], s["cbrown"], s["cw"], s["cm"], wavelength
    )
    return rho, tau, soil_reflectance(s["soil_brightness"], s["soil_dry"], wavelength)


def _geometry(sza, vza, raa, npix):
    out = [np.asarray(a, dtype=float) for a in (sza, vza, raa)]
    out = [a.reshape(1, -1) if a.ndim <= 1 else a for a in out]
    return np.broadcast_arrays(*out, np.empty((npix, 1)))[:3]


def spectral_reflectance(
    state, sza, vza, raa, wavelength, *, diffuse_fraction=None, binning: str = "prosail18"
) -> np.ndarray:
    """TOC reflectance spectra ``(1−f_d)·rsot + f_d·rdot`` (rsot alone when f_d is None).

    Args:
        state: Canopy state (see module docstring), arrays of shape (P,).
        sza: Solar zenith (degrees), shape (P, O) or (O,).
        vza: View zenith (degrees), shape (P, O) or (O,).
        raa: Relative azimuth (degrees), shape (P, O) or (O,).
        wavelength: Integer wavelengths (nm), shape (L,).
        diffuse_fraction: Diffuse fraction f_d broadcastable to (P, O, L), or None.
        binning: Leaf-angle binning, ``"prosail18"`` or ``"fortran13"``.

    Returns:
        Reflectance, shape (P, O, L).
    """
    s = as_state(state)
    wavelength = np.asarray(wavelength, dtype=np.int64)
    sza, vza, raa = _geometry(sza, vza, raa, s["lai"].size)
    rho, tau, soil = _leaf_and_soil(s, wavelength)
    st = structure(campbell(s["ala"], binning), view_geometry(sza, vza, raa, binning))
    r = couple_soil(canopy(rho, tau, s["lai"], s["hotspot"], st), soil)
    if diffuse_fraction is None:
        return r["rsot"]
    f = np.asarray(diffuse_fraction, dtype=float)
    return (1.0 - f) * r["rsot"] + f * r["rdot"]


def band_reflectance(
    state, sza, vza, raa, bands: SpectralBands, *, diffuse_fraction=None, binning: str = "prosail18"
) -> np.ndarray:
    """Band-integrated TOC reflectance.

    Args:
        state: Canopy state (see module docstring), arrays of shape (P,).
        sza: Solar zenith (degrees), shape (P, O) or (O,).
        vza: View zenith (degrees), shape (P, O) or (O,).
        raa: Relative azimuth (degrees), shape (P, O) or (O,).
        bands: Band set from :func:`processes.retrieval.bands.make_bands`.
        diffuse_fraction: Diffuse fraction f_d per band, broadcastable to (P, O, B), or None.
        binning: Leaf-angle binning, ``"prosail18"`` or ``"fortran13"``.

    Returns:
        Reflectance, shape (P, O, B).
    """
    s = as_state(state)
    sza, vza, raa = _geometry(sza, vza, raa, s["lai"].size)
    rho, tau, soil = _leaf_and_soil(s, bands.wavelength)
    st = structure(campbell(s["ala"], binning), view_geometry(sza, vza, raa, binning))
    r = couple_soil(canopy(rho, tau, s["lai"], s["hotspot"], st), soil)
    rsot = r["rsot"] @ bands.weights.T
    if diffuse_fraction is None:
        return rsot
    f = np.asarray(diffuse_fraction, dtype=float)
    return (1.0 - f) * rsot + f * (r["rdot"] @ bands.weights.T)


def irradiance_weights(
    spectral_range: tuple[int, int], step: float = 5.0, weighting: str = "energy", kind="black"
):
    """Wavelengths and normalised irradiance weights of a broadband integral.

    Args:
        spectral_range: First and last wavelength (nm), both included when on the grid.
        step: Sampling interval (nm); 1 is the full 1 nm integral.
        weighting: ``"energy"`` (E) or ``"photon"`` (E·λ).
        kind: ``"black"`` (direct irradiance E_s) or ``"white"`` (diffuse E_d).

    Returns:
        ``(wavelength, weights)``; the weights sum to 1.

    Raises:
        ValueError: for an unknown ``weighting`` or ``kind``.
    """
    if weighting not in ("energy", "photon") or kind not in ("black", "white"):
        raise ValueError("weighting must be energy|photon and kind black|white")
    wl = np.arange(spectral_range[0], spectral_range[1] + 1, step).astype(np.int64)
    t = tables()
    e = (t.es if kind == "black" else t.ed)[index_of(wl)]
    if weighting == "photon":
        e = e * wl
    return wl, e / e.sum()


def par_weights(step: float = 5.0, weighting: str = "energy", kind: str = "black"):
    """Wavelengths and normalised irradiance weights of the PAR integral (see
    :func:`irradiance_weights`)."""
    return irradiance_weights(PAR, step, weighting, kind)


def sun_terms(s: dict[str, np.ndarray], sza, wavelength, binning: str = "prosail18"):
    """4SAIL sun terms (no view) and soil reflectance of validated states for fluxes.

    Args:
        s: Output of :func:`as_state`, arrays (P,).
        sza: Solar zenith (degrees), (P,) or scalar.
        wavelength: Integer wavelengths (nm), (L,).
        binning: Leaf-angle binning.

    Returns:
        ``(c, soil)``: canopy terms of shape (P, 1, L) and soil (P, L).
    """
    rho, tau, soil = _leaf_and_soil(s, wavelength)
    sza = np.broadcast_to(np.atleast_1d(np.asarray(sza, dtype=float)), s["lai"].shape)[:, None]
    st = structure(campbell(s["ala"], binning), view_geometry(sza, 0.0 * sza, 0.0 * sza, binning))
    return canopy(rho, tau, s["lai"], s["hotspot"], st, view=False), soil


def albedo_spectrum(c: dict[str, np.ndarray], soil: np.ndarray, kind: str = "black"):
    """Canopy + soil albedo from sun terms: DHR ``rsdt`` (black) or BHR ``rddt`` (white), (P, L)."""
    rs = soil[:, None, :]
    back = c["tdd"] * rs / np.maximum(1.0 - rs * c["rdd"], 1e-36)
    a = c["rsd"] + (c["tsd"] + c["tss"]) * back if kind == "black" else c["rdd"] + c["tdd"] * back
    return a[:, 0, :]


def spectral_albedo(state, sza, wavelength, *, kind: str = "black", binning: str = "prosail18"):
    """Spectral DHR (``kind="black"``, sun at ``sza``) or BHR (``"white"``), shape (P, L).

    Equal to prosail's ``rsdt`` / ``rddt`` (``run_prosail(..., factor="DHR"|"BHR")``).
    """
    c, soil = sun_terms(as_state(state), sza, np.asarray(wavelength, dtype=np.int64), binning)
    return albedo_spectrum(c, soil, kind)


def albedo(
    state,
    sza,
    *,
    kind: str = "black",
    spectral_range: tuple[int, int] = PAR,
    binning: str = "prosail18",
    step: float = 10.0,
) -> np.ndarray:
    """Broadband albedo: DHR (black-sky, direct sun at ``sza``, weighted by E_s) or BHR
    (white-sky, weighted by E_d), energy weighting, shape (P,).

    Args:
        state: Canopy state (see module docstring), arrays of shape (P,).
        sza: Solar zenith (degrees) of the DHR, (P,) or scalar (unused for BHR).
        kind: ``"black"`` (DHR) or ``"white"`` (BHR).
        spectral_range: Range (nm), e.g. a value of :data:`ALBEDO_RANGES`.
        binning: Leaf-angle binning.
        step: Spectral sampling (nm).
    """
    wl, w = irradiance_weights(spectral_range, step, "energy", kind)
    return spectral_albedo(state, sza, wl, kind=kind, binning=binning) @ w


def absorptance(c: dict[str, np.ndarray], soil: np.ndarray, kind: str = "black") -> np.ndarray:
    """Canopy absorptance with soil–canopy multiple reflection (science.md §3).

    Args:
        c: Sun terms from :func:`processes.retrieval.sail.canopy`, shape (P, 1, L).
        soil: Soil reflectance, shape (P, L).
        kind: ``"black"`` (direct beam) or ``"white"`` (diffuse).

    Returns:
        Absorptance, shape (P, L).
    """
    rs = soil[:, None, :]
    diffuse_abs = 1.0 - c["rdd"] - c["tdd"]
    back = rs / (1.0 - rs * c["rdd"]) * diffuse_abs
    if kind == "black":
        a = (1.0 - c["rsd"] - c["tsd"] - c["tss"]) + (c["tss"] + c["tsd"]) * back
    else:
        a = diffuse_abs + c["tdd"] * back
    return a[:, 0, :]


def fapar(
    state,
    sza,
    *,
    kind: str = "black",
    binning: str = "prosail18",
    step: float = 5.0,
    weighting: str = "energy",
) -> np.ndarray:
    """fAPAR (400–700 nm) of the state, weighted by prosail's irradiance spectrum.

    Args:
        state: Canopy state (see module docstring), arrays of shape (P,).
        sza: Solar zenith (degrees) of the black-sky fAPAR, shape (P,) or scalar.
        kind: ``"black"`` (direct sun at ``sza``) or ``"white"`` (diffuse sky).
        binning: Leaf-angle binning, ``"prosail18"`` or ``"fortran13"``.
        step: PAR sampling interval (nm).
        weighting: ``"energy"`` or ``"photon"``.

    Returns:
        fAPAR, shape (P,).
    """
    s = as_state(state)
    wl, w = par_weights(step, weighting, kind)
    c, soil = sun_terms(s, sza, wl, binning)
    return absorptance(c, soil, kind) @ w
