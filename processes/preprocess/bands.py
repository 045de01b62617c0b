"""Which SMAC coefficient set serves which sensor band, with proxies where none exist."""

from __future__ import annotations

import dataclasses

from processes.exceptions import ProcessParameterInvalid
from processes.preprocess.coefficients import SmacCoefficients, load_coefficients

#: Aerosol models and the file suffixes that the coefficient families use for them.
AEROSOL_MODELS = ("continental", "desert")

#: Relative spectral-mismatch error added to σ(ρ_s) for proxy coefficients (science.md §4.4).
PROXY_MISMATCH_REL = 0.01


@dataclasses.dataclass(frozen=True)
class BandCoefficients:
    """The SMAC coefficient choice for one band of one sensor."""

    sensor: str
    """Sensor id as in the product file name (``AVHRR``, ``VIIRS``, ``PROBAV``)."""
    band: str
    """Band name as in the L2B layout (``RED``, ``I1``)."""
    wavelength_um: float
    """Central wavelength (µm)."""
    files: dict[str, str | None]
    """Aerosol model → shipped coefficient name (None: not available for that model)."""
    proxy: bool = False
    """True when the coefficients belong to another sensor (documented bias)."""
    note: str = ""
    """Why this set was chosen, and the expected bias for proxies."""
    quality_bit: int | None = None
    """Bit of the L2B status map carrying this band's radiometric quality (4-7); None for
    bands beyond the four the status map has room for (they use ``qf_rad_bit``)."""
    product_band: str | None = None
    """Band name in the L2B product and the sensor registry when it differs (AVHRR ``B1``)."""
    qf_rad_bit: int | None = None
    """Bit of the 16-bit ``QF_RAD`` layer (sensors with more bands than SM has bits)."""

    def __dask_tokenize__(self) -> tuple[str, str, str]:
        return ("BandCoefficients", self.sensor, self.band)

    @property
    def l2b_band(self) -> str:
        """Name of the band's group in the L2B product (``LEVEL2B/RADIOMETRY/<name>``)."""
        return self.product_band or self.band

    @property
    def extra_rel(self) -> float:
        """Relative error added to σ(ρ_s) for the spectral mismatch of a proxy."""
        return PROXY_MISMATCH_REL if self.proxy else 0.0

    def coefficients(self, aerosol: str = "continental") -> SmacCoefficients:
        """Load the coefficients for an aerosol model.

        Raises:
            ProcessParameterInvalid: unknown aerosol model, or none shipped for this band.
        """
        name = self.files.get(aerosol)
        if name is None:
            raise ProcessParameterInvalid(
                process="smac_correct",
                parameter="aerosol_model",
                reason=f"no {aerosol!r} coefficients for {self.sensor} {self.band}; "
                f"available: {[k for k, v in self.files.items() if v]}",
            )
        return load_coefficients(name)


def _pair(stem: str, desert_suffix: str = "DES") -> dict[str, str | None]:
    return {"continental": f"{stem}_CONT.dat", "desert": f"{stem}_{desert_suffix}.dat"}


_RED, _NIR, _SWIR, _BLUE = 6, 5, 4, 7  # status-map bits (DESIGN.md §5)

_TABLE: tuple[BandCoefficients, ...] = (
    # Metop-AVHRR/3: CNES sets exist (desert files are named DESE).
    # Product names follow ingest/sensors/metop-avhrr.yaml (channels 1, 2, 3A).
    BandCoefficients("AVHRR", "RED", 0.63, _pair("coef_METOP_VIS", "DESE"), quality_bit=_RED,
                     product_band="B1"),
    BandCoefficients("AVHRR", "NIR", 0.865, _pair("coef_METOP_NIR", "DESE"), quality_bit=_NIR,
                     product_band="B2"),
    BandCoefficients("AVHRR", "SWIR", 1.61, _pair("coef_METOP_MIR", "DESE"), quality_bit=_SWIR,
                     product_band="B3A"),
    # SNPP-VIIRS imagery bands: no public SMAC set; MODIS bands of the same design stand in.
    BandCoefficients(
        "VIIRS", "I1", 0.64, _pair("coef_MODIS1"), proxy=True, quality_bit=_RED, qf_rad_bit=0,
        note="MODIS1 (620-670 nm) for I1 (600-680 nm): wider VIIRS band, more O3/H2O.",
    ),
    BandCoefficients(
        "VIIRS", "I2", 0.865, _pair("coef_MODIS2"), proxy=True, quality_bit=_NIR, qf_rad_bit=1,
        note="MODIS2 (841-876 nm) for I2 (846-885 nm): H2O absorption differs slightly.",
    ),
    BandCoefficients(
        "VIIRS", "I3", 1.61, _pair("coef_MODIS6"), proxy=True, quality_bit=_SWIR, qf_rad_bit=2,
        note="MODIS6 (1628-1652 nm) for I3 (1580-1640 nm).",
    ),
    # SNPP-VIIRS moderate bands of the registry (ingest/sensors/snpp-viirs.yaml): M3 is the only
    # blue band, and the retrieval needs one (docs/preprocess.md, "End-to-end accuracy").
    # Only M3 has a status-map bit (blue); all carry a QF_RAD bit.
    BandCoefficients(
        "VIIRS", "M3", 0.488, _pair("coef_MODIS3"), proxy=True, quality_bit=_BLUE, qf_rad_bit=3,
        note="MODIS3 (459-479 nm) for M3 (478-498 nm): more Rayleigh at 469 nm than at 488 nm.",
    ),
    BandCoefficients(
        "VIIRS", "M4", 0.555, _pair("coef_MODIS4"), proxy=True, qf_rad_bit=4,
        note="MODIS4 (545-565 nm) for M4 (545-565 nm): same band.",
    ),
    BandCoefficients(
        "VIIRS", "M5", 0.672, _pair("coef_MODIS1"), proxy=True, qf_rad_bit=5,
        note="MODIS1 (620-670 nm) for M5 (662-682 nm): no MODIS 667 nm set is shipped.",
    ),
    BandCoefficients(
        "VIIRS", "M7", 0.865, _pair("coef_MODIS2"), proxy=True, qf_rad_bit=6,
        note="MODIS2 (841-876 nm) for M7 (846-885 nm), as I2.",
    ),
    BandCoefficients(
        "VIIRS", "M8", 1.24, _pair("coef_MODIS5"), proxy=True, qf_rad_bit=7,
        note="MODIS5 (1230-1250 nm) for M8 (1230-1250 nm): same band.",
    ),
    BandCoefficients(
        "VIIRS", "M10", 1.61, _pair("coef_MODIS6"), proxy=True, qf_rad_bit=8,
        note="MODIS6 (1628-1652 nm) for M10 (1580-1640 nm), as I3.",
    ),
    BandCoefficients(
        "VIIRS", "M11", 2.25, _pair("coef_MODIS7"), proxy=True, qf_rad_bit=9,
        note="MODIS7 (2105-2155 nm) for M11 (2225-2275 nm): 120 nm apart, H2O/CH4 differ.",
    ),
    # PROBA-V: VGT2 is the same band design (SWIR 1610 vs 1665 nm).
    BandCoefficients("PROBAV", "BLUE", 0.46, _pair("coef_VGT2_B0"), proxy=True, quality_bit=_BLUE,
                     note="VGT2 B0 for PROBA-V BLUE."),
    BandCoefficients("PROBAV", "RED", 0.658, _pair("coef_VGT2_B2"), proxy=True, quality_bit=_RED,
                     note="VGT2 B2 for PROBA-V RED."),
    BandCoefficients("PROBAV", "NIR", 0.834, _pair("coef_VGT2_B3"), proxy=True, quality_bit=_NIR,
                     note="VGT2 B3 for PROBA-V NIR."),
    BandCoefficients("PROBAV", "SWIR", 1.61, _pair("coef_VGT2_MIR"), proxy=True, quality_bit=_SWIR,
                     note="VGT2 MIR (1665 nm) for PROBA-V SWIR (1610 nm)."),
    # SPOT-VGT2 and VGT1: their own sets (VGT1 has continental only).
    BandCoefficients("VGT2", "BLUE", 0.45, _pair("coef_VGT2_B0"), quality_bit=_BLUE),
    BandCoefficients("VGT2", "RED", 0.645, _pair("coef_VGT2_B2"), quality_bit=_RED),
    BandCoefficients("VGT2", "NIR", 0.835, _pair("coef_VGT2_B3"), quality_bit=_NIR),
    BandCoefficients("VGT2", "SWIR", 1.665, _pair("coef_VGT2_MIR"), quality_bit=_SWIR),
    BandCoefficients("VGT1", "BLUE", 0.45, {"continental": "coef_SPOT4VGT1BLUE_CONT.dat"},
                     quality_bit=_BLUE),
    BandCoefficients("VGT1", "RED", 0.645, {"continental": "coef_SPOT4VGT1RED_CONT.dat"},
                     quality_bit=_RED),
    BandCoefficients("VGT1", "NIR", 0.835, {"continental": "coef_SPOT4VGT1NIR_CONT.dat"},
                     quality_bit=_NIR),
    BandCoefficients("VGT1", "SWIR", 1.665, {"continental": "coef_SPOT4VGT1SWIR_CONT.dat"},
                     quality_bit=_SWIR),
)  # fmt: skip

SENSOR_BANDS: dict[str, dict[str, BandCoefficients]] = {}
for _entry in _TABLE:
    SENSOR_BANDS.setdefault(_entry.sensor, {})[_entry.band] = _entry


def band_coefficients(sensor: str, band: str) -> BandCoefficients:
    """Return the coefficient choice for a sensor band.

    Args:
        sensor: sensor id (``AVHRR``, ``VIIRS``, ...).
        band: band name.

    Returns:
        The entry of the table.

    Raises:
        ProcessParameterInvalid: unknown sensor or band.
    """
    bands = SENSOR_BANDS.get(sensor.upper())
    if bands is None:
        raise ProcessParameterInvalid(
            process="smac_correct", parameter="data",
            reason=f"no SMAC coefficients for sensor {sensor!r}; known: {sorted(SENSOR_BANDS)}",
        )  # fmt: skip
    if band not in bands:
        raise ProcessParameterInvalid(
            process="smac_correct", parameter="bands",
            reason=f"unknown band {band!r} of {sensor}; known: {sorted(bands)}",
        )  # fmt: skip
    return bands[band]
