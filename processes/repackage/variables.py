"""CF-1.8 attributes and int16 packing of the published variables (science.md §7)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FILL = np.int16(-32768)
"""Fill value of the packed physical variables (outside every valid range)."""
FLAG_FILL = np.int16(-1)
"""Fill value of ``quality_flag`` and ``n_obs``."""

QUALITY_BITS = (
    "no_valid_observation",
    "not_converged",
    "chi2_above_4",
    "snow_in_window",
    "outlier_observations_removed",
    "prior_from_previous_date",
    "prior_from_climatology",
    "lai_at_bound_or_saturated",
    "water_or_non_land",
    "fewer_than_3_observations",
)
"""Meaning of quality bits 0… (processes/specs/optisail.json, science.md §1.7)."""


@dataclass(frozen=True)
class Packing:
    """How one variable is stored: int16 ``DN``, physical = ``scale·DN + offset``."""

    scale: float
    """``scale_factor``."""
    valid_min: float
    """Smallest physical value (values below are clipped)."""
    valid_max: float
    """Largest physical value (values above are clipped)."""
    offset: float = 0.0
    """``add_offset``."""

    def packed(self, value: float) -> np.int16:
        """The DN of a physical value."""
        return np.int16(round((value - self.offset) / self.scale))


PACKING = {
    "LAI": Packing(0.001, 0.0, 10.0),
    "LAI_unc": Packing(0.001, 0.0, 10.0),
    "fAPAR": Packing(0.0001, 0.0, 1.0),
    "fAPAR_unc": Packing(0.0001, 0.0, 1.0),
    "LAI_fAPAR_corr": Packing(0.0001, -1.0, 1.0),
    "Cab": Packing(0.01, 0.0, 150.0),
    "Cab_unc": Packing(0.01, 0.0, 150.0),
}
"""int16 packing of the physical variables (quality_flag and n_obs are plain int16)."""

_FAPAR = "fraction_of_surface_downwelling_photosynthetic_radiative_flux_absorbed_by_vegetation"

ATTRS = {
    "LAI": {
        "standard_name": "leaf_area_index",
        "long_name": "effective leaf area index",
        "units": "1",
        "comment": "Effective LAI (clumping not resolved), one-sided green leaf area per ground "
        "area, from an OptiSAIL-like inversion of all clear observations in the time window.",
        "ancillary_variables": "LAI_unc quality_flag n_obs",
    },
    "LAI_unc": {
        "standard_name": "leaf_area_index standard_error",
        "long_name": "1-sigma uncertainty of the effective leaf area index",
        "units": "1",
    },
    "fAPAR": {
        "standard_name": _FAPAR,
        "long_name": "fraction of absorbed photosynthetically active radiation",
        "units": "1",
        "comment": "Black-sky fAPAR (direct illumination) at local solar noon, 400-700 nm.",
        "ancillary_variables": "fAPAR_unc quality_flag n_obs",
    },
    "fAPAR_unc": {
        "standard_name": f"{_FAPAR} standard_error",
        "long_name": "1-sigma uncertainty of fAPAR",
        "units": "1",
    },
    "LAI_fAPAR_corr": {
        "long_name": "posterior correlation between LAI and fAPAR",
        "units": "1",
    },
    "Cab": {
        "long_name": "leaf chlorophyll a+b content",
        "units": "ug cm-2",
        "ancillary_variables": "Cab_unc",
    },
    "Cab_unc": {
        "long_name": "1-sigma uncertainty of leaf chlorophyll a+b content",
        "units": "ug cm-2",
    },
    "quality_flag": {
        "standard_name": "quality_flag",
        "long_name": "retrieval quality bits",
        "flag_meanings": " ".join(QUALITY_BITS),
    },
    "n_obs": {
        "standard_name": "number_of_observations",
        "long_name": "number of observations used in the retrieval window",
        "units": "1",
    },
}
"""CF attributes of every published variable (packing attributes are added by ``encoding``)."""

CONTENT_TYPE = {
    "LAI": "physicalMeasurement",
    "fAPAR": "physicalMeasurement",
    "Cab": "physicalMeasurement",
}
"""ACDD ``coverage_content_type`` of the retrieved quantities; all others are quality information."""

COORD_ATTRS = {
    "time": {
        "standard_name": "time",
        "long_name": "centre of the retrieval window",
        "axis": "T",
        "bounds": "time_bnds",
    },
    "lat": {
        "standard_name": "latitude",
        "long_name": "latitude of pixel centre",
        "units": "degrees_north",
        "axis": "Y",
        "bounds": "lat_bnds",
    },
    "lon": {
        "standard_name": "longitude",
        "long_name": "longitude of pixel centre",
        "units": "degrees_east",
        "axis": "X",
        "bounds": "lon_bnds",
    },
}
"""CF attributes of the coordinates (``time`` is the centre of a ±window retrieval window)."""

ORDER = ("LAI", "LAI_unc", "fAPAR", "fAPAR_unc", "LAI_fAPAR_corr", "Cab", "Cab_unc",
         "quality_flag", "n_obs")  # fmt: skip
"""Variable order in the files."""


def variable_attrs(name: str) -> dict:
    """CF attributes of a variable, valid range included (packed values, int16)."""
    attrs = dict(ATTRS[name])
    if name in PACKING:
        p = PACKING[name]
        attrs["valid_min"], attrs["valid_max"] = p.packed(p.valid_min), p.packed(p.valid_max)
    elif name == "quality_flag":
        attrs["flag_masks"] = np.array([1 << b for b in range(len(QUALITY_BITS))], np.int16)
        attrs["valid_min"], attrs["valid_max"] = np.int16(0), np.int16((1 << len(QUALITY_BITS)) - 1)
    else:  # n_obs
        attrs["valid_min"], attrs["valid_max"] = np.int16(0), np.int16(32767)
    attrs["grid_mapping"] = "crs"
    attrs["coverage_content_type"] = CONTENT_TYPE.get(name, "qualityInformation")
    return attrs


def encoding(name: str, shape: tuple[int, int, int]) -> dict:
    """netCDF4 encoding: int16 (scaled where physical), fill value, chunks 1×256×256, zlib 4."""
    chunks = (1, min(256, shape[1]), min(256, shape[2]))
    enc = {"dtype": "int16", "zlib": True, "complevel": 4, "shuffle": True, "chunksizes": chunks}
    if name in PACKING:
        p = PACKING[name]
        return enc | {"scale_factor": p.scale, "add_offset": p.offset, "_FillValue": FILL}
    return enc | {"_FillValue": FLAG_FILL}


def clip(name: str, values: np.ndarray) -> np.ndarray:
    """Clip physical values into the valid range (NaN stays NaN: it becomes the fill value)."""
    if name in PACKING:
        p = PACKING[name]
        return np.clip(values, p.valid_min, p.valid_max)
    return np.clip(values, 0, 32767)
