"""The land-cover map of a run: class codes on the plan's grid, read once from the catalogue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import rasterio
import xarray as xr

from processes.cubes.catalogue import Catalogue
from processes.cubes.dims import DimNames
from processes.cubes.load_collection import make_load_collection
from processes.exceptions import CollectionNotFound, NoDataAvailable, OpenEOError
from processes.production.plan import Plan

BAND = "lccs_class"
"""The class-code band of an ESA CCI-LC map."""

GRID_TOLERANCE = 1e-3
"""Largest offset (in pixels) between the map's and the run's pixel centres on one grid."""


@dataclass(frozen=True)
class LandCover:
    """What the run's priors come from."""

    codes: np.ndarray | None
    """Class code per pixel of the plan's grid, (y, x) float32 (NaN: unmapped); None: the
    global prior everywhere."""
    source: str
    """The collection id the codes come from, or ``none``."""
    note: str
    """Which prior, and why, for the job's log (it reads ``Prior: <note>``)."""


def _none(why: str) -> LandCover:
    # the job log prefixes notes with "Prior: "
    return LandCover(None, "none", f"global ({why}).")


def _axes(cube: xr.DataArray, collection: dict | None) -> xr.DataArray:
    """The cube with the internal dimension names (the collection may name them otherwise)."""
    names = DimNames.of(collection)
    rename = {getattr(names, k): k for k in ("t", "bands", "y", "x") if getattr(names, k) != k}
    return cube.rename(rename) if rename else cube


def _spacing(coords: np.ndarray) -> float | None:
    return float(abs(coords[1] - coords[0])) if coords.size > 1 else None


def _onto_grid(codes: xr.DataArray, plan: Plan) -> tuple[np.ndarray | None, str]:
    """The map's codes on the plan's pixels, (y, x) float32 (NaN where it does not reach), or
    None and why it is not on the plan's grid. A map on another grid is not resampled: nearest
    neighbour would quietly pick one class of a block, and a class is a pixel's, not a mean."""
    crs = str(codes.attrs.get("crs") or "")
    if crs and plan.crs and crs != plan.crs:
        return None, f"CRS {crs}, the run's is {plan.crs}"
    found = {}
    for dim, want in (("y", plan.ys), ("x", plan.xs)):
        got = codes.coords[dim].values
        mine, theirs = _spacing(got), _spacing(want)
        if mine is not None and theirs is not None and not np.isclose(mine, theirs, rtol=1e-6):
            return None, f"pixel size {mine:.6g} along {dim}, the run's is {theirs:.6g}"
        tolerance = GRID_TOLERANCE * (theirs or mine or 1.0)
        found[dim] = codes.indexes[dim].get_indexer(want, method="nearest", tolerance=tolerance)
        if not (found[dim] >= 0).any():
            return None, f"no pixel centre along {dim} within {GRID_TOLERANCE} px of the run's"
    rows, cols = found["y"] >= 0, found["x"] >= 0
    # one small read on the driver: the map's window over the region (a whole tile is 1120² px)
    values = np.asarray(codes.compute(scheduler="synchronous").values, np.float32)
    out = np.full(plan.shape, np.nan, np.float32)
    out[np.ix_(rows, cols)] = values[np.ix_(found["y"][rows], found["x"][cols])]
    return out, ""


def _in_effect(times: np.ndarray, start: datetime) -> int:
    """Index of the map in effect at ``start``: the latest one not after it, else the first."""
    day = np.datetime64(start.replace(tzinfo=None), "ns")
    before = np.flatnonzero(times <= day)
    return int(before[-1]) if before.size else 0


def read_landcover(
    catalogue: Catalogue, collection_id: str, plan: Plan, start: datetime
) -> LandCover:
    """The class codes of a land-cover collection on the plan's grid; never raises.

    A map that is missing, has no item over the grid, cannot be read or lies on another grid
    gives ``codes=None`` (the global prior) and a note saying why: the land-cover prior is a
    refinement, not a reason to fail a production job.

    Args:
        catalogue: Where the collection and its items are.
        collection_id: The land-cover collection ("" = disabled).
        plan: The run's grid.
        start: The run's first step date (selects the map of that year when there are several).

    Returns:
        The codes (one read of the map over the grid), their source and a note.
    """
    if not collection_id:
        return _none("land-cover priors disabled by CANOPY_PRODUCTION_LANDCOVER_COLLECTION")
    label = f"land-cover collection '{collection_id}'"
    try:
        cube = make_load_collection(catalogue)(collection_id, plan.extent, None, [BAND])
        cube = _axes(cube, catalogue.collection(collection_id))
        k = _in_effect(cube.coords["t"].values, start)
        values, why = _onto_grid(cube.isel(t=k).sel(bands=BAND), plan)
        if values is None:
            return _none(f"the map of {label} is not on the run's grid: {why}")
    except CollectionNotFound:
        return _none(f"no {label} in the catalogue")
    except NoDataAvailable:
        return _none(f"the {label} has no item over the region")
    except (OpenEOError, OSError, ValueError, KeyError, rasterio.errors.RasterioError) as e:
        return _none(f"the map of {label} cannot be read: {type(e).__name__}: {e}")
    mapped = int(np.isfinite(values).sum())
    if mapped == 0:
        return _none(f"the map of {label} has no class over the region")
    when = np.datetime_as_string(cube.coords["t"].values[k], unit="D")
    return LandCover(
        values, collection_id,
        f"by land-cover class from {label} (map of {when}; {mapped} of {values.size} "
        "pixels mapped, the others global).",
    )  # fmt: skip
