"""The plan of a run: output grid, step dates and the split of the ROI into chunks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import xarray as xr

from processes.cubes.load_collection import make_load_collection
from processes.exceptions import NoDataAvailable
from processes.production.params import Request
from processes.production.snapshot import SnapshotCatalogue
from processes.retrieval.cube import latitude


@dataclass(frozen=True)
class Chunk:
    """A rectangle of the output grid, processed with all its dates in order."""

    rows: slice
    """Rows of the output grid."""
    cols: slice
    """Columns of the output grid."""
    ys: np.ndarray
    """Pixel-centre y coordinates, (rows,)."""
    xs: np.ndarray
    """Pixel-centre x coordinates, (cols,)."""
    lat: np.ndarray | None
    """Latitude of every pixel, (rows, cols), or None when the grid does not give it."""
    extent: dict
    """Spatial extent that selects exactly these pixel centres (grid CRS)."""

    @property
    def shape(self) -> tuple[int, int]:
        """``(rows, cols)``."""
        return len(self.ys), len(self.xs)

    def __dask_tokenize__(self) -> tuple:
        return ("Chunk", self.rows.start, self.rows.stop, self.cols.start, self.cols.stop)


@dataclass(frozen=True)
class Plan:
    """Everything both execution paths share."""

    ys: np.ndarray
    """Output y coordinates (pixel centres)."""
    xs: np.ndarray
    """Output x coordinates."""
    crs: str
    """CRS of the grid."""
    steps: tuple[datetime, ...]
    """Step dates."""
    lat: np.ndarray | None
    """Latitude of every output pixel or None."""
    landcover: np.ndarray | None = None
    """Land-cover class code of every output pixel, (y, x) (NaN: unmapped), or None for the
    global prior everywhere."""

    @property
    def shape(self) -> tuple[int, int]:
        """``(y, x)`` size of the output grid."""
        return len(self.ys), len(self.xs)

    def chunk(self, rows: slice, cols: slice) -> Chunk:
        """The chunk of these rows and columns, with a box a little inside its outer pixels."""
        ys, xs = self.ys[rows], self.xs[cols]
        dy = abs(self.ys[1] - self.ys[0]) if self.ys.size > 1 else 1e-6
        dx = abs(self.xs[1] - self.xs[0]) if self.xs.size > 1 else 1e-6
        extent = {
            "west": float(xs.min() - 0.4 * dx), "east": float(xs.max() + 0.4 * dx),
            "south": float(ys.min() - 0.4 * dy), "north": float(ys.max() + 0.4 * dy),
            "crs": self.crs,
        }  # fmt: skip
        lat = None if self.lat is None else self.lat[rows, cols]
        return Chunk(rows, cols, ys, xs, lat, extent)

    @property
    def extent(self) -> dict:
        """Spatial extent that selects exactly the grid's pixel centres (grid CRS)."""
        return self.chunk(slice(None), slice(None)).extent

    def chunks(self, size: int) -> list[Chunk]:
        """Split the grid into chunks of at most ``size``×``size`` pixels."""
        ny, nx = self.shape
        return [
            self.chunk(slice(r, min(r + size, ny)), slice(c, min(c + size, nx)))
            for r in range(0, ny, size)
            for c in range(0, nx, size)
        ]


def step_dates(req: Request) -> tuple[datetime, ...]:
    """``start, start + interval, …`` before ``end``."""
    out, day = [], req.start
    while day < req.end:
        out.append(day)
        day += timedelta(days=req.interval)
    return tuple(out)


def make_plan(req: Request, snapshot: SnapshotCatalogue) -> Plan:
    """The output grid: the union of every sensor's cube over the ROI (lazy loads only).

    Raises:
        NoDataAvailable: no sensor has an item in the ROI and period.
    """
    load = make_load_collection(snapshot)
    cubes: list[xr.DataArray] = []
    extent = {"west": req.extent.west, "south": req.extent.south, "east": req.extent.east,
              "north": req.extent.north, "crs": req.extent.crs}  # fmt: skip
    for sid in req.sensors:
        if not snapshot.items.get(sid):
            continue
        try:
            cubes.append(load(sid, spatial_extent=extent, bands=["clear"]))
        except NoDataAvailable:
            continue
    if not cubes:
        raise NoDataAvailable(reason=no_data_reason(req))
    ys = np.unique(np.round(np.concatenate([c.coords["y"].values for c in cubes]), 9))[::-1]
    xs = np.unique(np.round(np.concatenate([c.coords["x"].values for c in cubes]), 9))
    ref = cubes[0]
    grid = xr.DataArray(np.zeros((ys.size, xs.size)), dims=("y", "x"), coords={"y": ys, "x": xs})
    grid.attrs["crs"] = ref.attrs.get("crs", "")
    return Plan(ys, xs, str(ref.attrs.get("crs", "")), step_dates(req), latitude(grid))


def no_data_reason(req: Request) -> str:
    """Why nothing can be produced, naming sensors, period and area."""
    return (
        f"no input items of sensors {list(req.sensors)} in the period "
        f"[{req.start:%Y-%m-%d}, {req.end:%Y-%m-%d}) (± half the {req.window}-day window) "
        f"over {req.extent}"
    )
