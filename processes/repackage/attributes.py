"""Global attributes of the CCI products (ESA CCI Data Standards v2.3 + ACDD-1.3)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata

CCI_TIME = "%Y%m%dT%H%M%SZ"
"""Date format of the CCI writers (``yyyyMMddTHHmmssZ``, ISO 8601 basic)."""

ALGORITHM = "OptiSAIL-like"
"""How the metadata names the retrieval: the real OptiSAIL internals are not public."""


def software_version() -> str:
    """Version of the installed ``canopy`` distribution (``0+unknown`` when not installed)."""
    try:
        return metadata.version("canopy")
    except metadata.PackageNotFoundError:
        return "0+unknown"


@dataclass(frozen=True)
class CciMetadata:
    """Who publishes the products and under which identifiers (configurable per deployment)."""

    file_version: str = "1.0"
    """File version in names (``fv1.0``) and ``product_version``."""
    doi: str | None = None
    """DOI of the dataset (``doi`` attribute, cite-as link); ``None`` leaves it out."""
    institution: str = "Canopy VP processing system"
    """``institution``."""
    creator_name: str = "Canopy VP processing system"
    """``creator_name`` (and ``publisher_name``)."""
    creator_url: str = "https://climate.esa.int/en/projects/vegetation-parameters/"
    """``creator_url`` (and ``publisher_url``)."""
    creator_email: str = "vp-cci@example.org"
    """``creator_email``, ``contact`` (and ``publisher_email``)."""
    naming_authority: str = "org.esa-cci"
    """``naming_authority``."""
    license: str = "ESA CCI Data Policy: free and open access"
    """``license``."""
    references: str = (
        "https://climate.esa.int/en/projects/vegetation-parameters/; "
        "Blessing, Giering, van der Tol (2024) OptiSAIL, doi:10.1016/j.srs.2024.100148"
    )
    """``references``."""
    acknowledgement: str = (
        "Produced with Canopy (GPL-3.0-or-later) for the ESA Climate Change Initiative "
        "Vegetation Parameters project. SMAC coefficients courtesy of CNES (Rahman & Dedieu 1994)."
    )
    """``acknowledgement``."""
    software_version: str = ""
    """Canopy version in ``history`` and ``source``; empty = the installed one."""

    @property
    def software(self) -> str:
        """The software version actually recorded."""
        return self.software_version or software_version()


KEYWORDS = (
    "EARTH SCIENCE > BIOSPHERE > VEGETATION > LEAF CHARACTERISTICS > LEAF AREA INDEX (LAI), "
    "EARTH SCIENCE > BIOSPHERE > VEGETATION > FRACTION OF ABSORBED PHOTOSYNTHETICALLY ACTIVE "
    "RADIATION (FAPAR)"
)


@dataclass(frozen=True)
class Coverage:
    """Where and when one product lies."""

    west: float
    south: float
    east: float
    north: float
    pixel: float
    """Pixel size in degrees."""
    start: datetime
    """Start of the first window (UTC)."""
    end: datetime
    """End of the last window (UTC)."""
    interval_days: int
    window_days: int


def global_attributes(
    meta: CciMetadata,
    cov: Coverage,
    *,
    name: str,
    title: str,
    platform: str,
    sensor: str,
    job_ids: tuple[str, ...] = (),
    created: datetime | None = None,
) -> dict[str, str | float]:
    """The global attributes of one product, in the order of the CCI writer.

    Args:
        meta: publisher metadata.
        cov: spatial and temporal coverage.
        name: file name (the ``id``).
        title: ``title``.
        platform: comma-separated platforms of the inputs.
        sensor: comma-separated sensors of the inputs.
        job_ids: producing openEO jobs, named in ``history``.
        created: creation time (default: now, UTC).
    """
    created = created or datetime.now(UTC)
    stamp = created.strftime(CCI_TIME)
    job = f" (openEO job {', '.join(job_ids)})" if job_ids else ""
    attrs: dict[str, str | float] = {
        "title": title,
        "institution": meta.institution,
        "source": f"{ALGORITHM} retrieval (PROSPECT-D + 4SAIL, Bayesian optimal estimation) "
        f"of C3S L2B TOC reflectance from {platform}; Canopy {meta.software}",
        "history": f"{stamp} Canopy {meta.software} repackage_cci{job}",
        "references": meta.references,
        "tracking_id": str(uuid.uuid4()),
        "Conventions": "CF-1.8, ACDD-1.3",
        "product_version": meta.file_version,
        "summary": "Effective leaf area index (LAI) and black-sky fAPAR with 1-sigma "
        "uncertainties, their correlation, quality bits and the number of observations, every "
        f"{cov.interval_days} days from a symmetric {2 * cov.window_days}-day window of "
        "multi-sensor observations at 1 km, not smoothed in time.",
        "keywords": KEYWORDS,
        "id": name,
        "naming_authority": meta.naming_authority,
    }
    if meta.doi:
        attrs["doi"] = meta.doi
    attrs |= {
        "keywords_vocabulary": "NASA Global Change Master Directory (GCMD) Science Keywords",
        "cdm_data_type": "Grid",
        "comment": f"Retrieval: {ALGORITHM} (the real OptiSAIL internals are not public); "
        "quality_flag bits are described by flag_masks/flag_meanings.",
        "date_created": stamp,
        "creator_name": meta.creator_name,
        "creator_url": meta.creator_url,
        "creator_email": meta.creator_email,
        "contact": meta.creator_email,
        "publisher_name": meta.creator_name,
        "publisher_url": meta.creator_url,
        "publisher_email": meta.creator_email,
        "project": "Climate Change Initiative - European Space Agency",
        "processing_level": "L3S",
        "geospatial_lat_min": cov.south,
        "geospatial_lat_max": cov.north,
        "geospatial_lon_min": cov.west,
        "geospatial_lon_max": cov.east,
        "geospatial_vertical_min": 0.0,
        "geospatial_vertical_max": 0.0,
        "geospatial_vertical_positive": "up",
        "geospatial_vertical_units": "m",
        "geospatial_bounds": _wkt(cov),
        "geospatial_bounds_crs": "EPSG:4326",
        "geospatial_bounds_vertical_crs": "EPSG:5829",
        "time_coverage_start": cov.start.strftime(CCI_TIME),
        "time_coverage_end": cov.end.strftime(CCI_TIME),
        "time_coverage_duration": f"P{(cov.end - cov.start).days}D",
        "time_coverage_resolution": f"P{cov.interval_days}D",
        "standard_name_vocabulary": "CF Standard Name Table v93",
        "license": meta.license,
        "acknowledgement": meta.acknowledgement,
        "platform": platform,
        "sensor": sensor,
        "spatial_resolution": "1 km",
        "geospatial_lat_units": "degrees_north",
        "geospatial_lon_units": "degrees_east",
        "geospatial_lat_resolution": f"{cov.pixel:.9g} degree",
        "geospatial_lon_resolution": f"{cov.pixel:.9g} degree",
        "key_variables": "LAI,fAPAR",
        "format_version": "CCI Data Standards v2.3",
    }
    return attrs


def _wkt(cov: Coverage) -> str:
    w, s, e, n = (f"{v:.6f}" for v in (cov.west, cov.south, cov.east, cov.north))
    return f"POLYGON(({w} {s}, {e} {s}, {e} {n}, {w} {n}, {w} {s}))"
