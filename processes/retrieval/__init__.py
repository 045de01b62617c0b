"""OptiSAIL-like LAI/fAPAR retrieval: PROSPECT-D + 4SAIL forward model and its inversion."""

from processes.retrieval.bands import SpectralBands, make_bands
from processes.retrieval.forward import (
    STATE_KEYS,
    band_reflectance,
    fapar,
    soil_reflectance,
    spectral_reflectance,
)

__all__ = [
    "STATE_KEYS",
    "SpectralBands",
    "band_reflectance",
    "fapar",
    "make_bands",
    "soil_reflectance",
    "spectral_reflectance",
]
