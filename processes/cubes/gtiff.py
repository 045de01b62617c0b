"""Write a computed cube as Cloud-Optimized GeoTIFFs: one multi-band file per time step."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import rasterio
import xarray as xr

from processes.cubes.anatomy import Anatomy, anatomy, cube_crs, cube_transform, scalar_time
from processes.exceptions import ProcessParameterInvalid

DATETIME_TAG = "datetime"
"""GeoTIFF metadata item holding the time step (ISO 8601), read back by ``describe_asset``."""

Write = Callable[[Path], None]


def _unsuitable(reason: str) -> ProcessParameterInvalid:
    # openEO's code would be FormatUnsuitable, which our hierarchy does not have (yet)
    return ProcessParameterInvalid(
        parameter="format", process="save_result", reason=f"GTiff cannot hold {reason}"
    )


def _dtype(values: np.ndarray) -> np.ndarray:
    if values.dtype == bool:
        return values.astype(np.uint8)
    if values.dtype == np.float16:
        return values.astype(np.float32)
    if not (np.issubdtype(values.dtype, np.number)):
        raise _unsuitable(f"values of type {values.dtype}")
    return values


def _iso(value: np.datetime64) -> str:
    return pd.Timestamp(value).tz_localize(None).isoformat() + "Z"


def _name(when: np.datetime64 | None, day_unique: bool) -> str:
    if when is None:
        return "openEO.tif"
    stamp = pd.Timestamp(when)
    return f"openEO_{stamp:%Y-%m-%d}.tif" if day_unique else f"openEO_{stamp:%Y-%m-%dT%H%M%S}.tif"


def plan_gtiff(data: Any, options: dict[str, Any]) -> list[tuple[str, Write]]:
    """File names and writer functions for a computed cube.

    Raises:
        ProcessParameterInvalid: not a raster cube with x and y, or more than one extra dimension.
    """
    if not isinstance(data, xr.DataArray):
        raise _unsuitable(f"a {type(data).__name__}; use JSON")
    parts = anatomy(data)
    if not parts.spatial:
        raise _unsuitable("a cube without x and y dimensions; use netCDF or JSON")
    if parts.others:
        raise _unsuitable(f"the extra dimension(s) {', '.join(map(str, parts.others))}")
    crs = cube_crs(data)
    transform = cube_transform(data, parts)
    times = [scalar_time(data)] if parts.t is None else list(data[parts.t].values)
    days = {pd.Timestamp(t).date() for t in times if t is not None}
    day_unique = len(days) == len(times)
    plans = []
    for when in times:
        step = data if parts.t is None else data.sel({parts.t: when})
        plans.append((_name(when, day_unique), _writer(step, parts, crs, transform, when, options)))
    return plans


def _writer(step: xr.DataArray, parts: Anatomy, crs, transform, when, options) -> Write:
    if parts.bands is not None:
        labels = [str(v) for v in step[parts.bands].values]
        values = step.transpose(parts.bands, parts.y, parts.x).values
    else:
        labels = [str(step.name or "data")]
        values = step.transpose(parts.y, parts.x).values[None]
    values = _dtype(np.asarray(values))
    if transform.e > 0:  # GeoTIFF rows run north to south
        values = values[:, ::-1, :]
        transform = transform @ rasterio.Affine(1, 0, 0, 0, -1, values.shape[1])
    nodata = np.nan if np.issubdtype(values.dtype, np.floating) else None
    compression = options.get("compression", "deflate")

    def write(path: Path) -> None:
        profile = {
            "driver": "COG",
            "width": values.shape[2],
            "height": values.shape[1],
            "count": values.shape[0],
            "dtype": values.dtype.name,
            "crs": crs.to_wkt() if crs is not None else None,
            "transform": transform,
            "nodata": nodata,
            "compress": compression.upper() if compression != "none" else "NONE",
            "blocksize": 512,
        }
        with rasterio.open(path, "w", **profile) as dst:
            dst.write(values)
            for i, label in enumerate(labels, start=1):
                dst.set_band_description(i, label)
            if when is not None:
                dst.update_tags(**{DATETIME_TAG: _iso(when)})

    return write
