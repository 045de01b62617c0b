"""The openEO process ``repackage_cci``: retrieval output → CCI products (tile-date, site-year)."""

from __future__ import annotations

import re
from collections.abc import Sequence

import xarray as xr

from processes.exceptions import ProcessParameterInvalid
from processes.repackage.attributes import CciMetadata
from processes.repackage.contract import PROCESS, as_dataset, read_info
from processes.repackage.product import CciProduct, repackage


def repackage_cci(
    data: xr.DataArray | xr.Dataset,
    product: str | None = None,
    tile: str | None = None,
    site_id: str | None = None,
    site_name: str | None = None,
    input_items: Sequence[str] | None = None,
    job_id: str | None = None,
    doi: str | None = None,
    file_version: str = "1.0",
) -> list[CciProduct]:
    """openEO process ``repackage_cci`` (spec: processes/specs/repackage_cci.json)."""
    if not re.fullmatch(r"[0-9][0-9.]*", file_version):
        raise ProcessParameterInvalid(
            parameter="file_version", process=PROCESS, reason="digits and dots, e.g. '1.0'"
        )
    ds = as_dataset(data)
    info = read_info(
        ds.attrs, kind=product, tile=tile, site_id=site_id, site_name=site_name,
        input_items=input_items, job_ids=[job_id] if job_id else None,
    )  # fmt: skip
    return repackage(ds, info, CciMetadata(file_version=file_version, doi=doi))
