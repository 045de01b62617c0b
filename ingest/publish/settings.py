"""Settings of publication (``canopy publish``); env prefix ``CANOPY_``."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from processes.repackage import CciMetadata


class PublishSettings(BaseSettings):
    """Where products are published, under which identifiers, and how links are built."""

    model_config = SettingsConfigDict(env_prefix="CANOPY_", extra="ignore")

    publish_root: Path = Path(".canopy/published")
    """Local publication root holding ``transect/`` and ``sites/`` (``CANOPY_PUBLISH_ROOT``)."""

    public_url: str = "http://127.0.0.1:8000"
    """Base URL users reach Canopy at: STAC links use ``<url>/stac``, job links
    ``<url>/openeo/1.2/jobs/<id>`` (``CANOPY_PUBLIC_URL``, shared with the job settings)."""

    product_doi: str | None = None
    """DOI of the dataset (``doi`` attribute, STAC ``sci:doi``); unset = none."""

    product_version: str = "1.0"
    """File version (``fv1.0`` in names, ``product_version``)."""

    product_institution: str = CciMetadata.institution
    """``institution`` attribute."""

    product_creator_name: str = CciMetadata.creator_name
    """``creator_name`` / ``publisher_name``."""

    product_creator_email: str = CciMetadata.creator_email
    """``creator_email`` / ``contact``."""

    product_creator_url: str = CciMetadata.creator_url
    """``creator_url`` / ``publisher_url``."""

    quicklooks: bool = True
    """Write the byte COG quicklooks and PNG thumbnails beside every product."""

    def metadata(self) -> CciMetadata:
        """The publisher metadata the products carry."""
        return CciMetadata(
            file_version=self.product_version,
            doi=self.product_doi,
            institution=self.product_institution,
            creator_name=self.product_creator_name,
            creator_email=self.product_creator_email,
            creator_url=self.product_creator_url,
        )

    @property
    def stac_url(self) -> str:
        """Base URL of the STAC API."""
        return self.public_url.rstrip("/") + "/stac"

    def job_url(self, job_id: str) -> str:
        """Public URL of an openEO batch job."""
        return f"{self.public_url.rstrip('/')}/openeo/1.2/jobs/{job_id}"
