"""Spectral tables (PROSPECT-D, soil, irradiance) read from the installed prosail package."""

from __future__ import annotations

import pkgutil
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO

import numpy as np

#: First and last wavelength (nm) of every table; rows are 1 nm apart.
WL_MIN = 400
WL_MAX = 2500


@dataclass(frozen=True)
class SpectralTables:
    """The 1 nm tables of prosail, indexed by ``wavelength - 400``."""

    wavelength: np.ndarray
    """Wavelengths (nm), 400..2500."""
    nr: np.ndarray
    """Leaf refractive index."""
    k: np.ndarray
    """Specific absorption coefficients, shape (6, 2101): Cab, Car, Ant, Cbrown, Cw, Cm."""
    soil_dry: np.ndarray
    """Dry soil reflectance (prosail ``rsoil1``)."""
    soil_wet: np.ndarray
    """Wet soil reflectance (prosail ``rsoil2``)."""
    es: np.ndarray
    """Direct solar irradiance (relative units)."""
    ed: np.ndarray
    """Diffuse sky irradiance (relative units)."""


def _load(name: str) -> np.ndarray:
    raw = pkgutil.get_data("prosail", name)
    if raw is None:  # pkgutil returns None when the loader cannot read package data
        raise FileNotFoundError(f"prosail package data file {name!r} is not readable")
    return np.loadtxt(BytesIO(raw), unpack=True)


@lru_cache(maxsize=1)
def tables() -> SpectralTables:
    """Load the tables once (GPLv3 data of prosail; not copied into this repository).

    Returns:
        The spectral tables at 1 nm from 400 to 2500 nm.
    """
    wl, nr, kab, kcar, kant, kbrown, kw, km = _load("prospect_d_spectra.txt")
    dry, wet = _load("soil_reflectance.txt")
    es, ed = _load("light_spectra.txt")
    k = np.stack([kab, kcar, kant, kbrown, kw, km])
    for arr in (wl, nr, k, dry, wet, es, ed):
        arr.setflags(write=False)
    return SpectralTables(wl, nr, k, dry, wet, es, ed)


def index_of(wavelengths: np.ndarray) -> np.ndarray:
    """Row indices of integer wavelengths (nm) in the 1 nm tables.

    Args:
        wavelengths: Integer wavelengths in [400, 2500].

    Returns:
        Integer index array of the same shape.

    Raises:
        ValueError: if a wavelength lies outside the tables.
    """
    wl = np.asarray(wavelengths)
    if wl.size and (wl.min() < WL_MIN or wl.max() > WL_MAX):
        raise ValueError(f"wavelengths must lie in [{WL_MIN}, {WL_MAX}] nm")
    return np.rint(wl).astype(np.intp) - WL_MIN
