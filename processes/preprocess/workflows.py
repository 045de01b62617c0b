"""The seed's two pre-processing orders, run per segment and in parallel over segments with Dask."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import dask
import xarray as xr

from processes.exceptions import OpenEOError
from processes.preprocess.l1b import NETCDF_LOCK, open_segment
from processes.preprocess.l2b import adapt, write_l2b
from processes.preprocess.process import smac_correct, tile_project

log = logging.getLogger(__name__)

Segment = str | Path | xr.Dataset


@dataclasses.dataclass(frozen=True)
class SegmentReport:
    """Outcome of one segment."""

    segment: str
    """File name (or the dataset's start time)."""
    outputs: tuple[Path, ...] = ()
    """L2B files written."""
    error_code: str | None = None
    """openEO error code when the segment was skipped."""
    message: str = ""
    """Why it was skipped."""

    @property
    def ok(self) -> bool:
        """True when the segment produced its tiles."""
        return self.error_code is None


def _load(segment: Segment) -> xr.Dataset:
    return segment if isinstance(segment, xr.Dataset) else open_segment(segment)


def _load_aux(obj):
    # Meteo/DEM may come as paths so that a distributed worker opens them itself.
    if obj is None or isinstance(obj, xr.Dataset | xr.DataArray):
        return obj
    with NETCDF_LOCK, xr.open_dataset(obj) as ds:
        loaded = ds.load()
    return loaded[next(iter(loaded.data_vars))] if len(loaded.data_vars) == 1 else loaded


def avhrr_workflow(segment: Segment, meteo, dem, out_dir: str | Path, **options) -> list[Path]:
    """AVHRR order: SMAC on the swath, then tiling, then adapt and write.

    Args:
        segment: L1B file or dataset.
        meteo: meteo grid (dataset or path).
        dem: elevation (data array or path).
        out_dir: folder for the L2B files.
        **options: ``aerosol_model``, ``bands``, ``tiles``, ``radius``, ``product_version``.

    Returns:
        The L2B files written.
    """
    swath = _load(segment)
    toc = smac_correct(swath, _load_aux(meteo), _load_aux(dem), bands=options.get("bands"),
                       aerosol_model=options.get("aerosol_model", "continental"))  # fmt: skip
    tiles = tile_project(toc, tiles=options.get("tiles"), radius=options.get("radius"))
    version = options.get("product_version", "1.0")
    return [write_l2b(adapt(t, version), out_dir) for t in tiles.values()]


def viirs_workflow(segment: Segment, meteo, dem, out_dir: str | Path, **options) -> list[Path]:
    """VIIRS order: tiling of TOA, SMAC per tile, then adapt and write.

    Args and Returns: as ``avhrr_workflow``.
    """
    swath = _load(segment)
    meteo, dem = _load_aux(meteo), _load_aux(dem)
    tiles = tile_project(swath, tiles=options.get("tiles"), radius=options.get("radius"))
    version = options.get("product_version", "1.0")
    paths = []
    for tile in tiles.values():
        toc = smac_correct(tile, meteo, dem, bands=options.get("bands"),
                           aerosol_model=options.get("aerosol_model", "continental"))  # fmt: skip
        paths.append(write_l2b(adapt(toc, version), out_dir))
    return paths


WORKFLOWS: dict[str, Callable[..., list[Path]]] = {"AVHRR": avhrr_workflow, "VIIRS": viirs_workflow}


def run_segment(
    workflow: Callable[..., list[Path]], segment: Segment, meteo, dem, out_dir, **options
) -> SegmentReport:
    """Run one segment; an openEO error or an unreadable file becomes a report, not a crash."""
    name = (
        segment.attrs.get("time_coverage_start", "?")
        if isinstance(segment, xr.Dataset)
        else Path(segment).name
    )
    try:
        return SegmentReport(
            segment=name, outputs=tuple(workflow(segment, meteo, dem, out_dir, **options))
        )
    except OpenEOError as err:
        log.warning("segment %s skipped: %s: %s", name, err.code, err.message)
        return SegmentReport(segment=name, error_code=err.code, message=err.message)


def preprocess_segments(
    segments: Sequence[Segment],
    meteo,
    dem,
    out_dir: str | Path,
    workflow: str | Callable[..., list[Path]] = "AVHRR",
    client=None,
    **options,
) -> list[SegmentReport]:
    """Turn L1B segments into tiled TOC products, in parallel over segments.

    Args:
        segments: L1B files (or datasets).
        meteo: meteo grid, or a path to it (opened by each worker).
        dem: elevation, or a path to it.
        out_dir: folder for the L2B files.
        workflow: ``"AVHRR"`` (SMAC then tiling), ``"VIIRS"`` (tiling, SMAC per tile, adapt)
            or a workflow function.
        client: a ``distributed.Client``; the default Dask scheduler when None.
        **options: passed to the workflow.

    Returns:
        One report per segment, in input order; failed segments are reported and skipped.
    """
    func = WORKFLOWS[workflow.upper()] if isinstance(workflow, str) else workflow
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    if client is not None:
        futures = [client.submit(run_segment, func, s, meteo, dem, out_dir, pure=False, **options)
                   for s in segments]  # fmt: skip
        return client.gather(futures)
    tasks = [dask.delayed(run_segment)(func, s, meteo, dem, out_dir, **options) for s in segments]
    return list(dask.compute(*tasks))
