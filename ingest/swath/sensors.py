"""Swath scanners the generator can imitate: Metop-AVHRR/3 and SNPP-VIIRS."""

from __future__ import annotations

import dataclasses

from ingest.swath.orbit import ScannerGeometry


@dataclasses.dataclass(frozen=True)
class SwathSensor:
    """A swath sensor: platform, scan geometry, bands and overpass direction."""

    sensor: str
    """Sensor id used in product names (``AVHRR``, ``VIIRS``)."""
    platform: str
    """Platform name (``Metop-B``, ``SNPP``)."""
    geometry: ScannerGeometry
    """Orbit and scan geometry."""
    bands: tuple[str, ...]
    """Reflective bands, in the names of ``processes.preprocess.bands``."""
    ascending: bool
    """Daytime pass direction (Metop descends at 09:30, SNPP ascends at 13:30)."""

    def scaled(self, n_pixels: int, max_scan_deg: float | None = None) -> SwathSensor:
        """Return a copy with fewer samples per line (and optionally a narrower scan), for tests."""
        geom = dataclasses.replace(
            self.geometry,
            n_pixels=n_pixels,
            max_scan_deg=self.geometry.max_scan_deg if max_scan_deg is None else max_scan_deg,
        )
        return dataclasses.replace(self, geometry=geom)


#: Metop-AVHRR/3 full-resolution (LAC/FRAC) geometry: 2048 samples over ±55.37°, 1.1 km lines.
AVHRR = SwathSensor(
    sensor="AVHRR",
    platform="Metop-B",
    geometry=ScannerGeometry(
        altitude_km=817.0, max_scan_deg=55.37, n_pixels=2048, line_spacing_km=1.1
    ),
    bands=("RED", "NIR", "SWIR"),
    ascending=False,
)

#: SNPP-VIIRS, the registry's reflective bands (imagery I1-I3 and moderate M3-M11), sampled at
#: 750 m (the M-band pixel; half the native 375 m I-band samples) over ±56.28°.
VIIRS = SwathSensor(
    sensor="VIIRS",
    platform="SNPP",
    geometry=ScannerGeometry(
        altitude_km=834.0, max_scan_deg=56.28, n_pixels=3200, line_spacing_km=0.75
    ),
    bands=("I1", "I2", "I3", "M3", "M4", "M5", "M7", "M8", "M10", "M11"),
    ascending=True,
)

SWATH_SENSORS = {s.sensor: s for s in (AVHRR, VIIRS)}
