"""Real retrieval outputs for the repackage and publish tests: a simulated scene around a site,
read as the retrieval reads it, inverted with ``optisail`` (computed once per test session)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import xarray as xr

from ingest.grid import PROBAV_1KM
from ingest.registry import load_registry
from ingest.simulate.run import SimulationConfig, simulate
from ingest.sites import load_sites
from processes.io import open_l2b_many
from processes.repackage import RetrievalInfo, retrieval_output, write_retrieval
from processes.retrieval.process import optisail

SITE = "FR-Fon"
SENSORS = ("probav", "vgt2")
OUTPUTS = ["LAI", "LAI_unc", "fAPAR", "fAPAR_unc", "LAI_fAPAR_corr", "quality_flag", "n_obs",
           "Cab", "Cab_unc", "chi2"]  # fmt: skip
PARAMETERS = {"start": "2019-06-03", "end": "2019-06-12", "interval": 5, "window": 5}
TILE_JOB, SITE_JOB = "j-tile-0001", "j-site-0001"


@dataclass(frozen=True)
class Scene:
    """What the session computed once."""

    products: Path
    """Simulated L2B products (``<sensor>/<YYYY>/...``): ingest these."""
    refs: tuple[str, ...]
    """``<collection>/<item id>`` of every product."""
    retrieval: xr.DataArray
    """The optisail result over the 5×5 px crop, 2 steps (2019-06-03, 2019-06-08)."""
    tile: Path
    """Tile retrieval output file (the crop stands for part of tile X18Y02)."""
    site: Path
    """Site retrieval output file (the 3×3 px footprint of FR-Fon)."""
    tile_info: RetrievalInfo
    site_info: RetrievalInfo


_CACHE: dict[str, Scene] = {}


def _bbox(row: int, col: int, size: int) -> tuple[float, float, float, float]:
    px = PROBAV_1KM.pixel_size
    lon0, lat0 = PROBAV_1KM.pixel_to_lonlat("X18Y02", row, col)
    return (lon0 - 0.4 * px, lat0 - (size - 1 + 0.4) * px,
            lon0 + (size - 1 + 0.4) * px, lat0 + 0.4 * px)  # fmt: skip


def scene(tmp_path_factory) -> Scene:
    """The session's scene (simulate 12 days × 2 sensors, 5×5 px; optisail; write outputs)."""
    if "scene" in _CACHE:
        return _CACHE["scene"]
    root = tmp_path_factory.mktemp("publish-scene")
    registry = load_registry()
    site = next(s for s in load_sites() if s.code == SITE)
    tile, row, col = PROBAV_1KM.lonlat_to_pixel(site.lon, site.lat)
    cfg = SimulationConfig(
        tile=tile, start=date(2019, 6, 1), end=date(2019, 6, 12),
        sensors=tuple(registry[s] for s in SENSORS), out=root / "l2b", seed=5,
        bbox=_bbox(row - 2, col - 2, 5), workers=1,
    )  # fmt: skip
    sim = simulate(cfg)
    cubes, refs = [], []
    for s in SENSORS:
        paths = sorted(p for p in sim.products if registry[s].product_token in p.name)
        cubes.append(open_l2b_many(paths, registry[s].vp()))
        refs += [f"{s}/{p.stem}" for p in paths]
    result = optisail(cubes, outputs=OUTPUTS, start="2019-06-03", end="2019-06-10")
    common = {"input_items": tuple(refs), "parameters": PARAMETERS}
    tile_info = RetrievalInfo(kind="tile", tile=tile, job_ids=(TILE_JOB,), **common)
    site_info = RetrievalInfo(
        kind="site", tile=tile, site_id=site.code, site_name=site.name, job_ids=(SITE_JOB,),
        **common,
    )  # fmt: skip
    tile_path = write_retrieval(retrieval_output(result, tile_info), root / "tile.nc")
    footprint = result.isel(y=slice(1, 4), x=slice(1, 4))
    site_path = write_retrieval(retrieval_output(footprint, site_info), root / "site.nc")
    _CACHE["scene"] = Scene(root / "l2b", tuple(refs), result, tile_path, site_path,
                            tile_info, site_info)  # fmt: skip
    return _CACHE["scene"]


LEVELS = ("high_priorities", "medium_priorities", "low_priorities")


def compliance(
    path: Path, suite: str, tmp: Path, levels: tuple[str, ...] = LEVELS
) -> list[tuple[str, list[str]]]:
    """Run the IOOS compliance checker; return ``(check, messages)`` of every failed check."""
    from compliance_checker.runner import CheckSuite, ComplianceChecker

    CheckSuite.load_all_available_checkers()
    report = tmp / f"{path.stem}-{suite.replace(':', '_')}.json"
    ComplianceChecker.run_checker(
        str(path), [suite], 0, "strict", output_filename=str(report), output_format="json"
    )
    doc = json.loads(report.read_text())[suite]
    failed = []
    for level in levels:
        for r in doc[level]:
            passed, total = r["value"] if isinstance(r["value"], list) else (r["value"], True)
            if passed != total:
                failed.append((r["name"], r["msgs"]))
    return failed
