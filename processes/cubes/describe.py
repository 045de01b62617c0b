"""STAC metadata of a written result file: footprint, time, projection, bands, checksum."""

from __future__ import annotations

import hashlib
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import rasterio
import xarray as xr
from affine import Affine
from pyproj import CRS
from rasterio.warp import transform_bounds

from processes.cubes.anatomy import anatomy, cube_transform, scalar_time
from processes.cubes.gtiff import DATETIME_TAG
from processes.cubes.netcdf import GRID_MAPPING

MEDIA_TYPES = {
    ".tif": "image/tiff; application=geotiff; profile=cloud-optimized",
    ".tiff": "image/tiff; application=geotiff; profile=cloud-optimized",
    ".nc": "application/x-netcdf",
    ".json": "application/json",
}
SHA256_MULTIHASH_PREFIX = "1220"
"""Multihash header of a SHA-256 digest (code 0x12, length 0x20), as ingest writes it."""
MAX_STATISTICS_VALUES = 50_000_000
"""Bands larger than this get no statistics (they would be read whole)."""


def file_checksum(path: Path) -> str:
    """SHA-256 multihash (hex) of a file, for ``file:checksum``."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return SHA256_MULTIHASH_PREFIX + h.hexdigest()


def _iso(value: Any) -> str:
    return pd.Timestamp(value).tz_localize(None).isoformat() + "Z"


def _nodata(value: Any) -> Any:
    if value is None:
        return None
    value = float(value)
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return int(value) if value.is_integer() else value


def _statistics(values: np.ndarray, nodata: Any) -> dict[str, float] | None:
    if values.size == 0 or values.size > MAX_STATISTICS_VALUES:
        return None
    data = values.astype(np.float64)
    valid = np.isfinite(data)
    if nodata is not None and not (isinstance(nodata, float) and math.isnan(nodata)):
        valid &= data != nodata
    if not valid.any():
        return {"valid_percent": 0.0}
    v = data[valid]
    return {
        "minimum": float(v.min()),
        "maximum": float(v.max()),
        "mean": float(v.mean()),
        "stddev": float(v.std()),
        "valid_percent": round(100.0 * v.size / data.size, 4),
    }


def _band(name: str, dtype: np.dtype, nodata: Any, values: np.ndarray | None) -> dict[str, Any]:
    band: dict[str, Any] = {"name": name, "data_type": np.dtype(dtype).name}
    if _nodata(nodata) is not None:
        band["nodata"] = _nodata(nodata)
    stats = _statistics(values, nodata) if values is not None else None
    if stats:
        band["statistics"] = stats
    return band


def _geo(crs: CRS | None, transform: Affine, shape: tuple[int, int]) -> dict[str, Any]:
    if crs is None:
        return {"proj:shape": list(shape), "proj:transform": list(transform)[:6]}
    h, w = shape
    xs = (transform.c, transform.c + w * transform.a)
    ys = (transform.f, transform.f + h * transform.e)
    native = (min(xs), min(ys), max(xs), max(ys))
    west, south, east, north = transform_bounds(crs, "EPSG:4326", *native, densify_pts=21)
    epsg = crs.to_epsg()
    out: dict[str, Any] = {
        "bbox": [west, south, east, north],
        "geometry": {
            "type": "Polygon",
            "coordinates": [
                [[west, south], [east, south], [east, north], [west, north], [west, south]]
            ],
        },
        "proj:shape": [h, w],
        "proj:transform": list(transform)[:6],
        "proj:bbox": list(native),
    }
    if epsg:
        out.update({"proj:code": f"EPSG:{epsg}", "proj:epsg": epsg})
    else:
        out["proj:wkt2"] = crs.to_wkt()
    return out


def _times(values: list[Any]) -> dict[str, Any]:
    if not values:
        return {}
    if len(values) == 1:
        return {"datetime": _iso(values[0])}
    return {
        "datetime": None,
        "start_datetime": _iso(min(values)),
        "end_datetime": _iso(max(values)),
    }


def _describe_tiff(path: Path) -> dict[str, Any]:
    with rasterio.open(path) as src:
        crs = CRS.from_user_input(src.crs.to_wkt()) if src.crs else None
        bands = []
        for i in range(1, src.count + 1):
            values = src.read(i) if src.width * src.height <= MAX_STATISTICS_VALUES else None
            name = src.descriptions[i - 1] or f"band{i}"
            bands.append(_band(name, np.dtype(src.dtypes[i - 1]), src.nodatavals[i - 1], values))
        when = src.tags().get(DATETIME_TAG)
        out = _geo(crs, src.transform, (src.height, src.width))
    out.update(_times([pd.Timestamp(when.rstrip("Z"))] if when else []))
    return {**out, **_bands_fields(bands)}


def _bands_fields(bands: list[dict[str, Any]]) -> dict[str, Any]:
    raster = [{k: v for k, v in b.items() if k != "name"} for b in bands]
    return {"bands": bands, "raster:bands": raster}


def _describe_netcdf(path: Path) -> dict[str, Any]:
    with xr.open_dataset(path, engine="netcdf4") as ds:
        names = [n for n in ds.data_vars if n != GRID_MAPPING]
        first = ds[names[0]] if names else None
        parts = anatomy(first) if first is not None else None
        out: dict[str, Any] = {}
        if parts is not None and parts.spatial:
            crs = None
            if GRID_MAPPING in ds.variables:
                wkt = ds[GRID_MAPPING].attrs.get("crs_wkt") or ds[GRID_MAPPING].attrs.get(
                    "spatial_ref"
                )
                crs = CRS.from_user_input(wkt) if wkt else None
            transform = cube_transform(first, parts)
            shape = (first.sizes[parts.y], first.sizes[parts.x])
            if transform.e > 0:  # describe north-up, as readers see it
                transform = transform @ Affine(1, 0, 0, 0, -1, shape[0])
            out.update(_geo(crs, transform, shape))
        if parts is not None and parts.t is not None:
            out.update(_times(list(ds[parts.t].values)))
        elif scalar_time(ds) is not None:
            out.update(_times([scalar_time(ds)]))
        bands = []
        for n in names:
            var = ds[n]
            values = var.values if var.size <= MAX_STATISTICS_VALUES else None
            nodata = var.encoding.get("_FillValue", var.attrs.get("_FillValue"))
            bands.append(_band(n, var.encoding.get("dtype", var.dtype), nodata, values))
    return {**out, **_bands_fields(bands)}


def describe_asset(path: str | Path) -> dict[str, Any]:
    """What a STAC item and asset of a result file need, as one flat dict.

    Item-level keys: ``href`` (absolute path), ``bbox`` and ``geometry`` (WGS84),
    ``datetime`` or ``start_datetime``/``end_datetime``. Asset-level keys: ``type``, ``title``,
    ``roles``, ``file:size``, ``file:checksum``, ``proj:code``/``proj:epsg`` (or
    ``proj:wkt2``), ``proj:shape``, ``proj:transform``, ``proj:bbox``, ``bands`` and
    ``raster:bands`` (name, data_type, nodata, statistics). Non-raster files (JSON) get only
    the file fields.
    """
    path = Path(path).absolute()
    suffix = path.suffix.lower()
    out: dict[str, Any] = {
        "href": str(path),
        "type": MEDIA_TYPES.get(suffix, "application/octet-stream"),
        "title": path.name,
        "roles": ["data"],
    }
    if suffix in (".tif", ".tiff"):
        out.update(_describe_tiff(path))
    elif suffix == ".nc":
        out.update(_describe_netcdf(path))
    out["file:size"] = path.stat().st_size
    out["file:checksum"] = file_checksum(path)
    return out
