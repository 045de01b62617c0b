"""OptiSAIL-like LAI/fAPAR retrieval: PROSPECT-D + 4SAIL forward model and its inversion."""

from processes.retrieval.bands import SpectralBands, make_bands
from processes.retrieval.forward import (
    ALBEDO_RANGES,
    STATE_KEYS,
    albedo,
    band_reflectance,
    fapar,
    soil_reflectance,
    spectral_albedo,
    spectral_reflectance,
)

__all__ = [
    "ALBEDO_RANGES",
    "STATE_KEYS",
    "SpectralBands",
    "albedo",
    "band_reflectance",
    "fapar",
    "make_bands",
    "soil_reflectance",
    "spectral_albedo",
    "spectral_reflectance",
]
