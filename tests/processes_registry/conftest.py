"""Fixtures: a registry whose seams are bound to small in-memory stand-ins (tests only)."""

from __future__ import annotations

import dask
import dask.array as da
import numpy as np
import pandas as pd
import pytest
import xarray as xr

from processes.registry import build_registry


def make_cube(nt: int = 3, ny: int = 4, nx: int = 5, bands=("B04", "B08")) -> xr.DataArray:
    """A dask-backed (t, bands, y, x) cube with known values: value = t*100 + band*10 + y + x/10."""
    t, b, y, x = np.meshgrid(
        np.arange(nt), np.arange(len(bands)), np.arange(ny), np.arange(nx), indexing="ij"
    )
    values = (t * 100 + b * 10 + y + x / 10).astype("float64")
    return xr.DataArray(
        da.from_array(values, chunks=(1, len(bands), ny, nx)),
        dims=("t", "bands", "y", "x"),
        coords={
            "t": pd.date_range("2020-06-01", periods=nt, freq="5D"),
            "bands": list(bands),
            "y": 50.0 - np.arange(ny) * 0.01,
            "x": 10.0 + np.arange(nx) * 0.01,
        },
        attrs={"crs": "EPSG:4326"},
    )


class ComputeCounter:
    """A dask scheduler that counts how often something is computed (xarray's habit)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, dsk, keys, **kwargs):
        self.count += 1
        return dask.get(dsk, keys, **kwargs)


@pytest.fixture
def saved() -> list:
    """What the stand-in save_result received (computed values)."""
    return []


@pytest.fixture
def registry(saved):
    """The real registry with load_collection and save_result bound to stand-ins."""

    def load_collection(id, spatial_extent=None, temporal_extent=None, bands=None, properties=None):
        cube = make_cube()
        return cube.sel(bands=bands) if bands else cube

    def save_result(data, format, options=None):
        saved.append((format, data.compute()))
        return True

    return build_registry({"load_collection": load_collection, "save_result": save_result})
