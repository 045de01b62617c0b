"""``canopy simulate``: daily L2B products and truth files for a crop of a tile, seeded."""

from __future__ import annotations

import multiprocessing
import zlib
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import xarray as xr

from ingest.registry import Sensor
from ingest.simulate.forward import (
    MODEL_ERROR,
    TWIN,
    GeneratingModel,
    Leaves,
    fapar_truth,
    par_wavelengths,
)
from ingest.simulate.geometry import declination
from ingest.simulate.landcover import FOLDER, confuse, map_name, write_map
from ingest.simulate.observe import DayState, observe, sensor_wavelengths
from ingest.simulate.scene import CLASSES, make_landscape, phenology, smooth_field, weather
from ingest.simulate.writer import write_product

TRUTH_VERSION = "1"
"""Version attribute of the truth files."""


@dataclass(frozen=True)
class SimulationConfig:
    """What to simulate."""

    tile: str
    """Grid tile, e.g. ``X18Y02``."""
    start: date
    """First day (inclusive)."""
    end: date
    """Last day (inclusive)."""
    sensors: tuple[Sensor, ...]
    """Sensors to simulate (each needs a ``simulation`` block)."""
    out: Path
    """Output root: ``<out>/<sensor id>/<YYYY>/<product>.nc``, ``<out>/truth/`` and
    ``<out>/landcover/``."""
    seed: int = 0
    """Seed of every random draw."""
    bbox: tuple[float, float, float, float] | None = None
    """Crop ``(west, south, east, north)``; the whole tile when ``None``."""
    workers: int = 1
    """Worker processes."""
    twin: bool = False
    """Identical twin: generate with the retrieval's own model and flag every cloud and snow
    pixel (:data:`ingest.simulate.forward.TWIN`); default: with model error (``MODEL_ERROR``)."""
    landcover_error: float = 0.12
    """Fraction of land pixels the land-cover map gets wrong (:func:`confuse`)."""

    @property
    def model(self) -> GeneratingModel:
        """The generating model of this run."""
        return TWIN if self.twin else MODEL_ERROR


@dataclass
class SimulationResult:
    """What ``simulate`` wrote."""

    products: list[Path] = field(default_factory=list)
    truth: list[Path] = field(default_factory=list)
    landcover: Path | None = None
    """The land-cover map (``<out>/landcover/landcover_<tile>_<start>_<end>.tif``)."""


def _stable(text: str) -> int:
    return zlib.crc32(text.encode())  # str hash() is salted per process


def _run_days(task: dict) -> list[dict]:
    """Worker: simulate and write every product of a chunk of days."""
    cfg: SimulationConfig = task["config"]
    lat, lon = task["lat"], task["lon"]
    lat2 = np.broadcast_to(lat[:, None], (lat.size, lon.size))
    results = []
    for i, d in enumerate(task["dates"]):
        date_utc = datetime(d.year, d.month, d.day, tzinfo=UTC)
        base_rng = np.random.default_rng([cfg.seed, 2, d.toordinal()])
        land = task["land"]
        idx = np.flatnonzero(land)
        state = {k: v[i].ravel()[idx] for k, v in task["leaf"].items()}
        state |= {k: v.ravel()[idx] for k, v in task["static"].items()}
        state["soil_dry"] = task["soil_dry"][i].ravel()[idx]
        leaves = Leaves(state, task["wavelength"])
        leaf_index = np.full(land.size, -1)
        leaf_index[idx] = np.arange(idx.size)
        day = DayState(
            date=date_utc,
            doy=d.timetuple().tm_yday,
            leaves=leaves,
            leaf_index=leaf_index,
            snow_fraction=task["snow"][i],
            land=land,
            cloud_base=smooth_field(base_rng, land.shape, 4.0),
            model=cfg.model,
        )
        bs, ws = np.full(land.shape, np.nan), np.full(land.shape, np.nan)
        if idx.size:
            noon = np.abs(lat2 - task["decl"][i]).ravel()[idx]
            bs.flat[idx], ws.flat[idx] = fapar_truth(leaves, np.arange(idx.size), noon, cfg.model)
        out = {"date": d, "fapar_bs": bs, "fapar_ws": ws, "sensors": {}}
        for s in cfg.sensors:
            rng = np.random.default_rng([cfg.seed, 3, _stable(s.id), d.toordinal()])
            obs, truth = observe(s, cfg.tile, lat, lon, day, rng)
            folder = cfg.out / s.id / f"{d.year}"
            folder.mkdir(parents=True, exist_ok=True)
            path = write_product(obs, folder)
            out["sensors"][s.id] = {"path": path, **truth}
        results.append(out)
    return results


def _truth_files(cfg, lat, lon, dates, land, leaf, wx, chunks) -> list[Path]:
    folder = cfg.out / "truth"
    folder.mkdir(parents=True, exist_ok=True)
    days = [r for chunk in chunks for r in chunk]
    time = np.array([np.datetime64(d, "ns") for d in dates])
    coords = {"time": time, "lat": lat, "lon": lon}
    dims = ("time", "lat", "lon")
    tag = f"{cfg.tile}_{cfg.start:%Y%m%d}_{cfg.end:%Y%m%d}"
    state = xr.Dataset(
        {
            **{k: (dims, leaf[k].astype(np.float32)) for k in ("lai", "cab", "cbrown", "cw")},
            "fapar_bs": (dims, np.stack([r["fapar_bs"] for r in days]).astype(np.float32)),
            "fapar_ws": (dims, np.stack([r["fapar_ws"] for r in days]).astype(np.float32)),
            "soil_dry": (dims, wx["soil_dry"].astype(np.float32)),
            "snow_fraction": (dims, wx["snow_fraction"].astype(np.float32)),
            "soil_brightness": (("lat", "lon"), land.soil_brightness.astype(np.float32)),
            "land_cover": (("lat", "lon"), land.cover),
        },
        coords=coords,
        attrs={
            "title": "canopy simulate truth",
            "land_cover_classes": ",".join(CLASSES) + " (-1 water)",
            "fapar": "black-sky at local solar noon and white-sky, PAR 400-700 nm, energy weighted",
            "generating_model": cfg.model.name,
            "seed": cfg.seed,
            "truth_version": TRUTH_VERSION,
        },
    )
    paths = [folder / f"truth_{tag}.nc"]
    state.to_netcdf(paths[0], engine="netcdf4")
    for s in cfg.sensors:
        per = [r["sensors"][s.id] for r in days]
        data = {
            "cloud_state": (dims, np.stack([p["cloud_state"] for p in per])),
            "undetected_cloud": (
                dims,
                np.stack([p["undetected_cloud"] for p in per]).astype(np.int8),
            ),
            "undetected_c": (dims, np.stack([p["undetected_c"] for p in per]).astype(np.float32)),
        }
        for b in s.bands:
            data[f"clean_{b.name}"] = (
                dims,
                np.stack([p[f"clean_{b.name}"] for p in per]).astype(np.float32),
            )
        ds = xr.Dataset(data, coords={**coords, "product": ("time", [p["path"].name for p in per])})
        ds.attrs = {"sensor": s.id, "cloud_state": "0 clear, 1 shadow, 2 cloud", "seed": cfg.seed}
        paths.append(folder / f"truth_{tag}_{s.product_token}.nc")
        ds.to_netcdf(paths[-1], engine="netcdf4")
    return paths


def simulate(
    cfg: SimulationConfig, progress: Callable[[int], None] | None = None
) -> SimulationResult:
    """Write daily products of every sensor, truth files and a land-cover map; deterministic
    for ``cfg.seed``.

    Args:
        cfg: what to simulate.
        progress: called with the number of days just finished.

    Raises:
        ValueError: when a sensor lacks a ``simulation`` block, the sensors' grids differ or
            ``landcover_error`` is outside 0 … 1.
    """
    if not 0.0 <= cfg.landcover_error <= 1.0:
        raise ValueError(f"landcover_error {cfg.landcover_error} is not within 0 … 1")
    for s in cfg.sensors:
        if s.simulation is None:
            raise ValueError(f"sensor {s.id} has no simulation block")
    grids = {s.tile_grid for s in cfg.sensors}
    if len(grids) != 1:
        raise ValueError("all simulated sensors must share one grid")
    grid = grids.pop()
    rows, cols = grid.window(cfg.tile, cfg.bbox or grid.tile_bounds(cfg.tile))
    lat, lon = grid.pixel_centres(cfg.tile, rows, cols)
    dates = [cfg.start + timedelta(days=i) for i in range((cfg.end - cfg.start).days + 1)]
    doy = np.array([d.timetuple().tm_yday for d in dates])
    land = make_landscape(np.random.default_rng([cfg.seed, 0]), (lat.size, lon.size))
    pheno_doy = (doy + 182) % 365 if lat.mean() < 0 else doy  # southern seasons
    leaf = phenology(land, pheno_doy)
    wx = weather(np.random.default_rng([cfg.seed, 1]), doy, lat, land)
    decl = np.degrees(declination(doy))
    model = cfg.model
    n_leaf = land.params["n"] if model.leaf_n is None else np.full(land.cover.shape, model.leaf_n)
    static = {"n": n_leaf, "cm": land.params["cm"], "ala": land.params["ala"]}
    static["soil_brightness"] = land.soil_brightness
    wavelength = np.concatenate(
        [par_wavelengths(model), *(sensor_wavelengths(s, model) for s in cfg.sensors)]
    )
    size = max(1, min(15, -(-len(dates) // max(cfg.workers * 4, 1))))
    tasks = []
    for i0 in range(0, len(dates), size):
        sl = slice(i0, i0 + size)
        tasks.append(
            {
                "config": cfg, "lat": lat, "lon": lon, "dates": dates[sl], "land": land.land,
                "leaf": {k: v[sl] for k, v in leaf.items()}, "static": static,
                "soil_dry": wx["soil_dry"][sl], "snow": wx["snow_fraction"][sl], "decl": decl[sl],
                "wavelength": wavelength,
            }
        )  # fmt: skip
    chunks: list[list[dict]] = []
    if cfg.workers <= 1:
        for t in tasks:
            chunks.append(_run_days(t))
            if progress:
                progress(len(t["dates"]))
    else:
        ctx = multiprocessing.get_context("fork")  # fork: workers inherit the loaded tables
        with ProcessPoolExecutor(cfg.workers, mp_context=ctx) as pool:
            for t, chunk in zip(tasks, pool.map(_run_days, tasks), strict=True):
                chunks.append(chunk)
                if progress:
                    progress(len(t["dates"]))
    result = SimulationResult()
    result.products = [p["path"] for c in chunks for r in c for p in r["sensors"].values()]
    result.truth = _truth_files(cfg, lat, lon, dates, land, leaf, wx, chunks)
    result.landcover = _landcover_map(cfg, lat, lon, land.cover, grid.pixel_size)
    return result


def _landcover_map(cfg: SimulationConfig, lat, lon, cover, pixel_size: float) -> Path:
    # a stream of its own: every other draw, hence products and truth, stays bit-identical
    codes = confuse(cover, np.random.default_rng([cfg.seed, 4]), cfg.landcover_error)
    tags = {"confusion_rate": f"{cfg.landcover_error:g}", "seed": str(cfg.seed)}
    tags |= {"start": cfg.start.isoformat(), "end": cfg.end.isoformat(), "tile": cfg.tile}
    path = cfg.out / FOLDER / map_name(cfg.tile, cfg.start, cfg.end)
    return write_map(codes, lat, lon, path, pixel_size, tags)
