"""The openEO processes ``smac_correct`` and ``tile_project`` (specs in processes/specs/)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np
import xarray as xr

from processes.exceptions import BandsMissing, NoDataAvailable, ProcessParameterInvalid
from processes.preprocess.bands import AEROSOL_MODELS, band_coefficients
from processes.preprocess.l1b import band_names, segment_time
from processes.preprocess.meteo import meteo_at_pixels
from processes.preprocess.tilegrid import parse_tile, tiles_covering
from processes.preprocess.tiling import resample_to_tile
from processes.preprocess.uncertainty import SmacErrorModel, smac_inverse_with_uncertainty


def error_model(errors: SmacErrorModel | Mapping[str, float] | None) -> SmacErrorModel | None:
    """Accept the error model as a dataclass, a JSON object of its fields, or null.

    Raises:
        ProcessParameterInvalid: unknown field or a value that is not a non-negative number.
    """
    if errors is None or isinstance(errors, SmacErrorModel):
        return errors
    fields = {f.name for f in dataclasses.fields(SmacErrorModel)}
    unknown = sorted(set(errors) - fields) if isinstance(errors, Mapping) else None
    bad = unknown is None or unknown or any(
        isinstance(v, bool) or not isinstance(v, int | float) or v < 0 for v in errors.values()
    )  # fmt: skip
    if bad:
        raise ProcessParameterInvalid(
            process="smac_correct", parameter="errors",
            reason=f"expects an object with non-negative numbers for {sorted(fields)}"
            + (f"; unknown {unknown}" if unknown else ""),
        )  # fmt: skip
    return SmacErrorModel(**{k: float(v) for k, v in errors.items()})


def smac_correct(
    data: xr.Dataset,
    meteo: xr.Dataset | None,
    dem: xr.DataArray | None,
    bands: list[str] | None = None,
    aerosol_model: str = "continental",
    max_sza: float = 80.0,
    errors: SmacErrorModel | Mapping[str, float] | None = None,
) -> xr.Dataset:
    """Process ``smac_correct``: SMAC TOA → TOC with per-pixel uncertainty.

    Works on a swath segment (2-D lat/lon) or a tile (1-D lat, lon). Each corrected band
    replaces its TOA values and gains a ``<band>_err`` layer. ``errors`` may be a
    ``SmacErrorModel`` or its JSON object form (the spec's ``{"toa_rel": 0.05, ...}``).

    Raises:
        BandsMissing: a requested band is not in the data.
        ProcessParameterInvalid: unknown band/sensor/aerosol model, or the data are not TOA.
        NoDataAvailable: meteo or DEM missing or not covering the data.
    """
    if data.attrs.get("reflectance_level") != "TOA":
        raise ProcessParameterInvalid(
            process="smac_correct", parameter="data", reason="expects TOA reflectance"
        )
    if aerosol_model not in AEROSOL_MODELS:
        raise ProcessParameterInvalid(
            process="smac_correct", parameter="aerosol_model",
            reason=f"{aerosol_model!r} is not one of {AEROSOL_MODELS}",
        )  # fmt: skip
    errors = error_model(errors)
    present = band_names(data)
    wanted = present if bands is None else list(bands)
    missing = [b for b in wanted if b not in present or b not in data]
    if missing:
        raise BandsMissing(bands=missing, process="smac_correct")
    sensor = data.attrs["sensor"]
    entries = {b: band_coefficients(sensor, b) for b in wanted}  # unknown band → raises first
    lat, lon = xr.broadcast(data["lat"], data["lon"])
    dims = lat.dims
    geometry = [data[v].transpose(*dims).values for v in ("sza", "saa", "vza", "vaa")]
    # Only observed, sunlit pixels are corrected: a tile is mostly outside the swath.
    sel = np.isfinite(geometry[0]) & (geometry[0] <= max_sza)
    pix = meteo_at_pixels(meteo, dem, lat.values[sel], lon.values[sel], segment_time(data))
    out = data.copy()
    for band, entry in entries.items():
        toa = data[band].transpose(*dims).values[sel].astype(np.float64)
        inv = smac_inverse_with_uncertainty(
            entry.coefficients(aerosol_model), toa, *(g[sel] for g in geometry),
            pix.pressure, pix.aot550, pix.uo3, pix.uh2o, errors=errors, extra_rel=entry.extra_rel,
        )  # fmt: skip
        toc = np.full(sel.shape, np.nan, np.float32)
        err = np.full(sel.shape, np.nan, np.float32)
        toc[sel], err[sel] = inv.toc, inv.sigma
        out[band] = (dims, toc)
        out[f"{band}_err"] = (dims, np.where(np.isfinite(toc), err, np.nan))
    out.attrs.update(
        reflectance_level="TOC",
        bands=" ".join(wanted),
        aerosol_model=aerosol_model,
        history=(data.attrs.get("history", "") + f" smac_correct({aerosol_model});").strip(),
        smac_coefficients=" ".join(e.files[aerosol_model] or "" for e in entries.values()),
        smac_proxy_bands=" ".join(b for b, e in entries.items() if e.proxy),
    )
    return out


def tile_project(
    data: xr.Dataset, tiles: list[str] | None = None, radius: float | None = None
) -> dict[str, xr.Dataset]:
    """Process ``tile_project``: resample a swath onto the 1 km tiles it covers.

    Raises:
        ProcessParameterInvalid: a tile id is malformed.
        NoDataAvailable: the swath covers none of the requested tiles.
    """
    lat, lon = data["lat"].values, data["lon"].values
    wanted = tiles_covering(lat, lon) if tiles is None else list(tiles)
    for tile in wanted:
        parse_tile(tile)
    out = {}
    for tile in wanted:
        tiled = resample_to_tile(data, tile, radius)
        if tiled is not None:
            tiled.attrs["segment_start"] = data.attrs["time_coverage_start"]
            tiled.attrs["history"] = (
                data.attrs.get("history", "") + f" tile_project({tile});"
            ).strip()
            out[tile] = tiled
    if not out:
        raise NoDataAvailable(reason=f"the swath does not reach tiles {wanted}")
    return out
