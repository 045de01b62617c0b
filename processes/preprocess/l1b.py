"""The L1B swath segment layout (NetCDF) shared by the generator and the pre-processing."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import xarray as xr

from processes.exceptions import ProcessParameterInvalid

#: Bits of the L1B ``flags`` variable.
FLAG_CLOUD, FLAG_SNOW, FLAG_LAND = 0x01, 0x02, 0x04
#: Per-pixel variables every segment must hold besides its bands.
REQUIRED = ("sza", "saa", "vza", "vaa", "flags")
#: HDF5 (under netCDF4) is not thread-safe: every file access of this package holds this lock,
#: so Dask's default threaded scheduler can run segments side by side.
NETCDF_LOCK = threading.RLock()
#: Global attributes every segment must hold.
REQUIRED_ATTRS = ("platform", "sensor", "bands", "time_coverage_start", "time_coverage_end")


def band_names(ds: xr.Dataset) -> list[str]:
    """Band variable names of a swath or tile dataset (attribute ``bands``, space separated)."""
    return str(ds.attrs.get("bands", "")).split()


def validate_segment(ds: xr.Dataset, source: str = "segment") -> xr.Dataset:
    """Check that a dataset has the L1B segment layout.

    Args:
        ds: the dataset.
        source: name used in messages.

    Returns:
        The same dataset.

    Raises:
        ProcessParameterInvalid: missing attributes, variables, or geolocation.
    """

    def bad(reason: str) -> ProcessParameterInvalid:
        return ProcessParameterInvalid(
            process="tile_project", parameter="data", reason=f"corrupt segment {source}: {reason}"
        )

    missing_attrs = [a for a in REQUIRED_ATTRS if a not in ds.attrs]
    if missing_attrs:
        raise bad(f"missing attributes {missing_attrs}")
    names = [*REQUIRED, *band_names(ds)]
    missing = [v for v in names if v not in ds.data_vars]
    if missing or "lat" not in ds.coords or "lon" not in ds.coords or "time" not in ds.coords:
        raise bad(f"missing variables {missing or ['lat/lon/time']}")
    if any(ds[v].dims != ("y", "x") for v in names) or ds["lat"].dims != ("y", "x"):
        raise bad("per-pixel variables must have dims (y, x)")
    lat, lon = ds["lat"].values, ds["lon"].values
    if not np.isfinite(lat).any() or np.nanmax(np.abs(lat)) > 90 or np.nanmax(np.abs(lon)) > 180:
        raise bad("geolocation is empty or out of range")
    return ds


def write_segment(ds: xr.Dataset, path: str | Path) -> Path:
    """Write a swath dataset as an L1B NetCDF-4 file (compressed).

    Args:
        ds: swath dataset in the layout of ``validate_segment``.
        path: output file.

    Returns:
        The path written.
    """
    path = Path(path)
    encoding = {v: {"zlib": True, "complevel": 1} for v in ds.data_vars}
    encoding.update({c: {"zlib": True, "complevel": 1} for c in ("lat", "lon")})
    with NETCDF_LOCK:
        ds.to_netcdf(path, engine="netcdf4", encoding=encoding)
    return path


def open_segment(path: str | Path) -> xr.Dataset:
    """Read and validate an L1B segment file into memory.

    Args:
        path: the NetCDF file.

    Returns:
        The loaded dataset.

    Raises:
        ProcessParameterInvalid: the file cannot be read or lacks the layout.
    """
    path = Path(path)
    try:
        with NETCDF_LOCK, xr.open_dataset(path, engine="netcdf4") as ds:
            loaded = ds.load()
    except (OSError, ValueError, RuntimeError) as err:
        raise ProcessParameterInvalid(
            process="tile_project", parameter="data", reason=f"corrupt segment {path.name}: {err}"
        ) from err
    return validate_segment(loaded, path.name)


def segment_time(ds: xr.Dataset) -> np.datetime64:
    """Central acquisition time of a swath or tile dataset."""
    start = np.datetime64(ds.attrs["time_coverage_start"].rstrip("Z"), "ns")
    end = np.datetime64(ds.attrs["time_coverage_end"].rstrip("Z"), "ns")
    return start + (end - start) / 2
