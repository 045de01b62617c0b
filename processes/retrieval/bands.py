"""Band definitions: flat-top spectral responses sampled on the 1 nm table grid."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from processes.retrieval.spectra import WL_MAX, WL_MIN

#: Response below this fraction of the peak is treated as zero (not sampled).
SRF_CUTOFF = 1e-3


def flat_top_srf(wavelength: np.ndarray, centre: float, fwhm: float) -> np.ndarray:
    """Super-Gaussian flat-top response ``exp(-ln2 |2(λ-c)/FWHM|^6)`` (science.md §2.4).

    Args:
        wavelength: Wavelengths (nm).
        centre: Band centre (nm).
        fwhm: Full width at half maximum (nm).

    Returns:
        Relative response (peak 1) at ``wavelength``.
    """
    return np.exp(-np.log(2.0) * np.abs(2.0 * (wavelength - centre) / fwhm) ** 6)


@dataclass(frozen=True)
class SpectralBands:
    """One sensor's bands as a sampling grid and a (bands, wavelengths) weight matrix.

    Build with :func:`make_bands`. ``weights @ spectrum[wavelength]`` integrates a spectrum.
    """

    names: tuple[str, ...]
    """Band labels."""
    wavelength: np.ndarray = field(repr=False)
    """Sampled wavelengths (integer nm, sorted, unique), shape (L,)."""
    weights: np.ndarray = field(repr=False)
    """Normalised response, shape (B, L); each row sums to 1."""

    def __dask_tokenize__(self) -> tuple:
        return (type(self).__name__, self.names, self.wavelength.tobytes(), self.weights.tobytes())


def make_bands(
    names: tuple[str, ...] | list[str],
    centre: np.ndarray | list[float],
    fwhm: np.ndarray | list[float],
    step: float = 5.0,
) -> SpectralBands:
    """Sample flat-top responses only where they are non-zero, every ``step`` nm.

    Samples sit on integer nm (the resolution of the prosail tables), symmetric around the
    centre, so band values equal a direct weighted sum of 1 nm model spectra.

    Args:
        names: Band labels.
        centre: Band centres (nm).
        fwhm: Full widths at half maximum (nm).
        step: Sampling interval (nm); 1 gives the exact 1 nm integral.

    Returns:
        The band set.

    Raises:
        ValueError: on mismatched lengths, non-positive widths or bands outside 400–2500 nm.
    """
    centre = np.asarray(centre, dtype=float)
    fwhm = np.asarray(fwhm, dtype=float)
    if not (len(names) == centre.size == fwhm.size) or centre.size == 0:
        raise ValueError("names, centre and fwhm must have the same non-zero length")
    if np.any(fwhm <= 0) or step <= 0:
        raise ValueError("fwhm and step must be positive")
    # |2x/FWHM|^6 = -log2(cutoff) gives the half width where the response reaches the cutoff
    half = 0.5 * fwhm * (-np.log2(SRF_CUTOFF)) ** (1 / 6)
    grids = []
    for c, h in zip(centre, half, strict=True):
        k = np.arange(0.0, h + 1e-9, step)
        grids.append(np.rint(np.concatenate([c - k[:0:-1], c + k])))
    wl = np.unique(np.concatenate(grids)).astype(int)
    if wl.min() < WL_MIN or wl.max() > WL_MAX:
        raise ValueError(f"bands must lie within {WL_MIN}-{WL_MAX} nm")
    weights = np.zeros((centre.size, wl.size))
    for b, grid in enumerate(grids):
        cols = np.searchsorted(wl, grid.astype(int))
        weights[b, cols] = flat_top_srf(wl[cols], centre[b], fwhm[b])
    weights /= weights.sum(axis=1, keepdims=True)
    wl.setflags(write=False)
    weights.setflags(write=False)
    return SpectralBands(tuple(str(n) for n in names), wl, weights)


#: PROBA-V TOC bands (ESA centres/FWHM, science.md §2.4).
PROBAV = (("BLUE", "RED", "NIR", "SWIR"), (460.0, 658.0, 834.0, 1610.0), (42.0, 82.0, 121.0, 89.0))
#: SPOT-VGT bands (ESA centres/FWHM, science.md §2.4).
VGT = (("B0", "B2", "B3", "MIR"), (450.0, 645.0, 834.0, 1665.0), (42.0, 70.0, 121.0, 89.0))
