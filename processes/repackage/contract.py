"""The "retrieval output" contract: what production writes and ``repackage_cci`` reads."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from processes.exceptions import (
    BandsMissing,
    DimensionNotAvailable,
    Internal,
    ProcessParameterInvalid,
)

PROCESS = "repackage_cci"
CORE = ("LAI", "LAI_unc", "fAPAR", "fAPAR_unc", "LAI_fAPAR_corr", "quality_flag", "n_obs")
"""Variables every retrieval output holds, on ``(t, y, x)``."""
SITE_EXTRAS = ("Cab", "Cab_unc")
"""Optional variables kept in site products when present; everything else is dropped."""
KINDS = ("tile", "site")
PREFIX = "canopy_"
"""Prefix of the contract's global attributes (dropped from the published products)."""


@dataclass(frozen=True)
class RetrievalInfo:
    """The provenance a retrieval output carries (its ``canopy_*`` global attributes)."""

    kind: str
    """``tile`` (one product per tile and date) or ``site`` (one product per site and year)."""
    tile: str
    """Grid tile the output lies in, e.g. ``X18Y02``."""
    site_id: str | None = None
    """Site code (site outputs), e.g. ``FR-Fon``."""
    site_name: str | None = None
    """Site name (site outputs), e.g. ``Fontainebleau-Barbeau``."""
    window_days: int = 5
    """Half width of the observation window: step ``d`` used ``[d - w, d + w)``."""
    interval_days: int = 5
    """Days between steps."""
    input_items: tuple[str, ...] = ()
    """Input STAC items as ``<collection>/<item id>`` (the ``derived_from`` candidates)."""
    job_ids: tuple[str, ...] = ()
    """openEO jobs that produced the output (attribute ``canopy_job_id``, space-separated)."""
    parameters: Mapping[str, Any] = field(default_factory=dict)
    """Retrieval parameters (the ``optisail`` arguments), for processing metadata."""

    def attrs(self) -> dict[str, Any]:
        """The info as NetCDF global attributes (strings and integers only)."""
        out: dict[str, Any] = {
            "canopy_product": self.kind,
            "canopy_tile": self.tile,
            "canopy_window_days": np.int32(self.window_days),
            "canopy_interval_days": np.int32(self.interval_days),
            "canopy_input_items": " ".join(self.input_items),
            "canopy_job_id": " ".join(self.job_ids),
            "canopy_parameters": json.dumps(dict(self.parameters), sort_keys=True),
        }
        for key, value in (
            ("canopy_site_id", self.site_id),
            ("canopy_site_name", self.site_name),
        ):
            if value:
                out[key] = value
        return out


def _invalid(reason: str) -> ProcessParameterInvalid:
    return ProcessParameterInvalid(parameter="data", process=PROCESS, reason=reason)


def _words(value: Any) -> list[str]:
    if value is None:
        return []
    return value.split() if isinstance(value, str) else [str(v) for v in value]


def _items(value: Any) -> tuple[str, ...]:
    parts = _words(value)
    bad = [p for p in parts if p.count("/") != 1]
    if bad:
        raise _invalid(f"input items must read '<collection>/<item id>', got {bad[:3]}")
    return tuple(dict.fromkeys(parts))  # unique, in order


def read_info(attrs: Mapping[str, Any], **overrides: Any) -> RetrievalInfo:
    """Read (and validate) the contract attributes; ``overrides`` win over ``attrs``.

    Args:
        attrs: global attributes of a retrieval output.
        **overrides: ``RetrievalInfo`` fields; ``None`` values are ignored.

    Raises:
        ProcessParameterInvalid: a required attribute is missing or malformed.
    """
    given = {k: v for k, v in overrides.items() if v is not None}
    raw = {name: attrs.get(PREFIX + name) for name in ("tile", "site_id", "site_name")}
    raw["job_ids"] = attrs.get("canopy_job_id")
    raw["kind"] = attrs.get("canopy_product")
    try:
        raw["window_days"] = int(attrs.get("canopy_window_days", 5))
        raw["interval_days"] = int(attrs.get("canopy_interval_days", 5))
        params = attrs.get("canopy_parameters") or "{}"
        raw["parameters"] = json.loads(params) if isinstance(params, str) else dict(params)
    except (TypeError, ValueError) as e:
        raise _invalid(f"malformed canopy_* attribute: {e}") from e
    raw["input_items"] = attrs.get("canopy_input_items")
    raw.update(given)
    raw["input_items"] = _items(raw["input_items"])
    raw["job_ids"] = tuple(dict.fromkeys(_words(raw["job_ids"])))
    if raw["kind"] not in KINDS:
        raise _invalid(f"product kind must be one of {list(KINDS)}, got {raw['kind']!r}")
    if not raw["tile"]:
        raise _invalid("the tile is not named (attribute canopy_tile)")
    if raw["kind"] == "site" and not (raw["site_id"] and raw["site_name"]):
        raise _invalid("a site output needs canopy_site_id and canopy_site_name")
    if raw["window_days"] < 1 or raw["interval_days"] < 1:
        raise _invalid("window and interval must be at least one day")
    return RetrievalInfo(**{k: v for k, v in raw.items() if v is not None})


def as_dataset(data: xr.DataArray | xr.Dataset) -> xr.Dataset:
    """Turn an ``optisail`` result (``t, bands, y, x``) or a Dataset into the ``(t, y, x)`` form.

    Raises:
        DimensionNotAvailable: ``t``, ``y`` or ``x`` is missing.
        BandsMissing: a core variable is missing.
    """
    if isinstance(data, xr.DataArray):
        if "bands" not in data.dims:
            raise DimensionNotAvailable(dimension="bands")
        ds = data.to_dataset(dim="bands", promote_attrs=True)
    elif isinstance(data, xr.Dataset):
        ds = data
    else:
        raise _invalid(f"expected a data cube, got {type(data).__name__}")
    for dim in ("t", "y", "x"):
        if dim not in ds.dims:
            raise DimensionNotAvailable(dimension=dim)
    missing = [v for v in CORE if v not in ds.data_vars]
    if missing:
        raise BandsMissing(bands=missing, process=PROCESS)
    keep = [v for v in (*CORE, *SITE_EXTRAS) if v in ds.data_vars]
    return ds[keep].transpose("t", "y", "x")


def retrieval_output(data: xr.DataArray | xr.Dataset, info: RetrievalInfo) -> xr.Dataset:
    """Build a retrieval output: the contract's variables plus ``info`` as global attributes.

    This is what tile and site production write (``write_retrieval``) for ``canopy publish``.
    """
    ds = as_dataset(data)
    ds.attrs = {
        k: v for k, v in ds.attrs.items() if not k.startswith(PREFIX) and k != "crs"
    } | info.attrs()
    return ds


def write_retrieval(ds: xr.Dataset, path: str | Path) -> Path:
    """Write a retrieval output to NetCDF-4 (float32, NaN = nothing retrieved).

    Written to ``<path>.part`` and renamed, so a reader never sees half a file.
    """
    path = Path(path)
    part = path.with_name(path.name + ".part")
    encoding = {v: {"dtype": "float32", "zlib": True, "complevel": 1} for v in ds.data_vars}
    ds.to_netcdf(part, engine="netcdf4", encoding=encoding)
    part.replace(path)
    return path


def read_retrieval(path: str | Path) -> tuple[xr.Dataset, RetrievalInfo]:
    """Open a retrieval output file and check it against the contract.

    Raises:
        Internal: the file cannot be read.
        ProcessParameterInvalid, BandsMissing, DimensionNotAvailable: it breaks the contract.
    """
    try:
        ds = xr.load_dataset(path, engine="netcdf4")
    except (OSError, ValueError, KeyError) as e:
        raise Internal(f"cannot read retrieval output {path}: {type(e).__name__}: {e}") from e
    return as_dataset(ds), read_info(ds.attrs)


def union(values: Iterable[Sequence[str]]) -> tuple[str, ...]:
    """Union of several id lists (input items, job ids), first occurrence order."""
    return tuple(dict.fromkeys(i for v in values for i in v))
