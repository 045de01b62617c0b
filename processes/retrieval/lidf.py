"""Leaf inclination distributions (ellipsoidal/Campbell) on the prosail or Fortran binning."""

from __future__ import annotations

import numpy as np

#: Bin edges (degrees): prosail Python package, 18 bins of 5°.
EDGES_18 = np.linspace(0.0, 90.0, 19)
#: Bin edges (degrees): original PROSAIL Fortran, 13 bins (8 of 10°, then 5 of 2°).
EDGES_13 = np.concatenate([np.arange(0.0, 81.0, 10.0), np.arange(82.0, 91.0, 2.0)])

BINNINGS = {"prosail18": EDGES_18, "fortran13": EDGES_13}


def bin_edges(binning: str) -> np.ndarray:
    """Bin edges (degrees) of a named binning.

    Args:
        binning: ``"prosail18"`` (prosail package) or ``"fortran13"`` (original Fortran).

    Returns:
        Edges, shape (nb + 1,).

    Raises:
        ValueError: for an unknown name.
    """
    try:
        return BINNINGS[binning]
    except KeyError:
        raise ValueError(
            f"unknown leaf-angle binning {binning!r}; use {sorted(BINNINGS)}"
        ) from None


def bin_centres(binning: str) -> np.ndarray:
    """Leaf inclination (degrees) at which each bin is evaluated (its midpoint)."""
    e = bin_edges(binning)
    return 0.5 * (e[:-1] + e[1:])


def campbell(ala: np.ndarray, binning: str = "prosail18") -> np.ndarray:
    """Ellipsoidal LIDF (Campbell 1990) from the mean leaf angle, integrated per bin.

    Args:
        ala: Mean leaf inclination angle (degrees), shape (P,) or scalar.
        binning: Name of the leaf-angle binning (see :func:`bin_edges`).

    Returns:
        Bin frequencies, shape (P, nb), each row summing to 1.
    """
    ala = np.atleast_1d(np.asarray(ala, dtype=float))[:, None]
    edges = np.deg2rad(bin_edges(binning))
    excent = np.exp(-1.6184e-5 * ala**3 + 2.1145e-3 * ala**2 - 1.2390e-1 * ala + 3.2491)
    x = excent / np.sqrt(1.0 + excent**2 * np.tan(edges) ** 2)  # (P, nb+1)
    alph2 = excent**2 / np.abs(1.0 - excent**2)
    alph = np.sqrt(alph2)
    with np.errstate(invalid="ignore", divide="ignore"):
        prolate = x * np.sqrt(alph2 + x**2) + alph2 * np.log(x + np.sqrt(alph2 + x**2))
        oblate = x * np.sqrt(np.maximum(alph2 - x**2, 0.0)) + alph2 * np.arcsin(
            np.clip(x / alph, -1.0, 1.0)
        )
    cum = np.where(excent > 1.0, prolate, oblate)
    freq = np.abs(cum[:, :-1] - cum[:, 1:])
    sphere = np.abs(np.cos(edges[:-1]) - np.cos(edges[1:]))
    freq = np.where(excent == 1.0, sphere, freq)
    return freq / freq.sum(axis=1, keepdims=True)
