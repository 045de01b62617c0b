"""The openEO process ``optisail``: LAI/fAPAR every ``interval`` days from one or more sensors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import dask.array as da
import numpy as np
import xarray as xr

from processes.exceptions import ProcessParameterInvalid
from processes.retrieval.cube import PROCESS, CubeLayout, latitude, layout
from processes.retrieval.landcover import (
    DEFAULT_PRIOR_TABLE,
    class_climatology,
    validate_table,
)
from processes.retrieval.products import COVARIANCE_OUTPUTS
from processes.retrieval.window import (
    CHEAP_OUTPUTS,
    CORE_OUTPUTS,
    DRIFT_ALONE,
    OPTIONAL_OUTPUTS,
    SOIL_WETNESS,
    PosteriorState,
    RetrievalConfig,
    SensorObservations,
    retrieve_window,
)

DAY = np.timedelta64(1, "D")


def noon_sza(lat: np.ndarray, day: np.datetime64) -> np.ndarray:
    """Solar zenith (degrees) at local solar noon (Cooper's declination), capped at 85°."""
    doy = (
        day.astype("datetime64[D]") - day.astype("datetime64[Y]").astype("datetime64[D]")
    ).astype(int) + 1
    decl = 23.44 * np.sin(2 * np.pi * (284 + doy) / 365.0)
    return np.minimum(np.abs(lat - decl), 85.0)


def step_dates(times: np.ndarray, interval: int, start=None, end=None) -> np.ndarray:
    """Step dates every ``interval`` days from the first observation day to the last.

    Args:
        times: Observation datetimes of all sensors.
        interval: Step in days.
        start: First step date (default: day of the first observation).
        end: Last possible step date (default: day of the last observation).

    Returns:
        datetime64[D] array.
    """
    t0 = np.datetime64(start, "D") if start is not None else times.min().astype("datetime64[D]")
    t1 = np.datetime64(end, "D") if end is not None else times.max().astype("datetime64[D]")
    return np.arange(t0, t1 + DAY, interval * DAY)


def window_observations(
    sub: np.ndarray, lay: CubeLayout, first_view: int, days: np.ndarray | None = None
) -> list[SensorObservations]:
    """One sensor's observations ``(O, bands, y, x)`` of a window, one entry per band geometry.

    Every slot gets the overpass id ``first_view + its position``, shared by the geometries;
    ``days`` (O,) is each slot's time from the step date (None: the state is held constant).
    """
    npix = sub.shape[2] * sub.shape[3]
    flat = np.moveaxis(sub.reshape(sub.shape[0], sub.shape[1], npix), 2, 0)  # (P, O, bands)
    sza, saa = flat[:, :, lay.angles[0]], flat[:, :, lay.angles[1]]
    clear = np.nan_to_num(flat[:, :, lay.clear], nan=0.0) == 1
    snow = None if lay.snow is None else np.nan_to_num(flat[:, :, lay.snow], nan=0.0) == 1
    views = first_view + np.arange(sub.shape[0])
    return [
        SensorObservations(
            g.bands,
            flat[:, :, list(g.refl)],
            flat[:, :, list(g.unc)],
            sza,
            flat[:, :, g.view[0]],
            saa - flat[:, :, g.view[1]],
            clear,
            snow,
            g.uncertainty_factor,
            g.min_rel_uncertainty,
            view_index=views,
            days=days,
        )
        for g in lay.groups
    ]


def water_mask(blocks, layouts) -> np.ndarray | None:
    """Pixels whose ``land`` layer is 0 in every observation that has one, (y·x,); None if no
    cube carries ``land``."""
    land_any, seen = None, None
    for blk, lay in zip(blocks, layouts, strict=True):
        if lay.land is None:
            continue
        land = np.asarray(blk[:, lay.land], dtype=float).reshape(blk.shape[0], -1)
        is_land = np.any(land == 1, axis=0)
        has = np.any(np.isfinite(land), axis=0)
        land_any = is_land if land_any is None else land_any | is_land
        seen = has if seen is None else seen | has
    return None if land_any is None else seen & ~land_any


def _block(
    *blocks, layouts, steps, window, config, outputs, lat, fapar_sza, codes=None, table=None
):
    """Retrieve every step for one (y, x) block; the posterior is carried from step to step."""
    ny, nx = blocks[0].shape[2:]
    blocks = [np.asarray(b, dtype=float) for b in blocks]
    res = np.full((len(steps), len(outputs), ny, nx), np.nan)
    water = water_mask(blocks, layouts)
    clim = None if codes is None else class_climatology(np.asarray(codes).ravel(), table)
    extras = [o for o in outputs if o not in CORE_OUTPUTS]
    posterior: PosteriorState | None = None
    for k, day in enumerate(steps):
        centre = day.astype("datetime64[ns]")
        obs, first_view = [], 0
        for blk, lay in zip(blocks, layouts, strict=True):
            sel = np.flatnonzero(
                (lay.times >= centre - window * DAY) & (lay.times < centre + window * DAY)
            )
            days = (lay.times[sel] - centre) / DAY
            obs += window_observations(blk[sel], lay, first_view, days)
            first_view += sel.size
        if fapar_sza is not None:
            sza = np.full(ny * nx, float(fapar_sza))
        elif lat is not None:
            sza = noon_sza(np.asarray(lat).ravel(), day)
        else:  # no latitude: the mean observed solar zenith of the window stands in
            with np.errstate(invalid="ignore"), np.testing.suppress_warnings() as sup:
                sup.filter(RuntimeWarning)
                sza = np.nanmean(np.concatenate([o.sza for o in obs], axis=1), axis=1)
            sza = np.nan_to_num(sza, nan=45.0)
        out, posterior = retrieve_window(
            obs, sza, posterior, config, outputs=extras, water=water, climatology=clim
        )
        for j, name in enumerate(outputs):
            res[k, j] = out[name].reshape(ny, nx)
    return res


#: Shorthands of the ``outputs`` parameter.
GROUPS = {"albedo": tuple(n for n in OPTIONAL_OUTPUTS if n[:3] in ("BHR", "DHR")),
          "covariance": COVARIANCE_OUTPUTS}  # fmt: skip


def expand_outputs(outputs: Sequence[str] | None) -> list[str]:
    """The output band names of an ``outputs`` parameter (shorthands expanded, order kept).

    Raises:
        ProcessParameterInvalid: for unknown names or an empty list.
    """
    names: list[str] = []
    for o in CORE_OUTPUTS if outputs is None else outputs:
        for n in GROUPS.get(o, (o,)):
            if n not in names:
                names.append(n)
    unknown = [n for n in names if n not in CORE_OUTPUTS + OPTIONAL_OUTPUTS]
    if unknown or not names:
        raise ProcessParameterInvalid(
            parameter="outputs", process=PROCESS,
            reason=f"unknown {unknown}; choose from {list(CORE_OUTPUTS + CHEAP_OUTPUTS)}, "
            f"'albedo', 'covariance' or their bands",
        )  # fmt: skip
    return names


def landcover_codes(landcover: xr.DataArray | None, ref: xr.DataArray):
    """The class codes (y, x) of a ``landcover`` cube on ``ref``'s grid (None passes through).

    A land-cover map is static: any ``t`` or ``bands`` dimension must have one label (or the
    first band is the class code and a ``t`` of several labels must agree, e.g. the same map
    merged onto every date).

    Raises:
        ProcessParameterInvalid: not a cube, other dimensions, or another y/x grid.
    """
    if landcover is None:
        return None
    if not isinstance(landcover, xr.DataArray):
        raise ProcessParameterInvalid(
            parameter="landcover", process=PROCESS, reason="must be a raster cube of class codes"
        )
    extra = [d for d in landcover.dims if d not in ("y", "x")]
    if set(extra) - {"t", "bands"} or not {"y", "x"} <= set(landcover.dims):
        raise ProcessParameterInvalid(
            parameter="landcover", process=PROCESS,
            reason=f"needs dimensions y, x (and at most t, bands); got {list(landcover.dims)}",
        )  # fmt: skip
    if "bands" in landcover.dims:
        landcover = landcover.isel(bands=0)
    if "t" in landcover.dims:
        landcover = landcover.isel(t=0)
    if landcover.sizes["y"] != ref.sizes["y"] or landcover.sizes["x"] != ref.sizes["x"]:
        raise ProcessParameterInvalid(
            parameter="landcover", process=PROCESS,
            reason=f"grid {landcover.sizes['y']}×{landcover.sizes['x']} differs from the "
            f"observations' {ref.sizes['y']}×{ref.sizes['x']}; resample it first",
        )  # fmt: skip
    return landcover.transpose("y", "x").data


def parse_prior_table(table: Mapping[str, Mapping[str, Any]] | None):
    """The default class priors overridden by a ``prior_table`` argument.

    ``{"70": {"cm": {"mean": 0.016, "sd": 0.004}, "lai": [3, 1.5, 0.25]}, ...}``: per class
    code, per parameter a ``{mean, sd[, q]}`` object or a ``[mean, sd[, q]]`` list (q: the
    random-walk σ per 5 days); classes and parameters not named keep the defaults
    (:data:`processes.retrieval.landcover.DEFAULT_PRIOR_TABLE`).

    Raises:
        ProcessParameterInvalid: a malformed table.
    """
    merged = {code: dict(entries) for code, entries in DEFAULT_PRIOR_TABLE.items()}
    if table is None:
        return merged
    try:
        if not isinstance(table, Mapping):
            raise ValueError("give an object keyed by class code")
        for key, entries in table.items():
            code = int(key)
            if not isinstance(entries, Mapping):
                raise ValueError(f"class {key}: give an object of parameters")
            for name, value in entries.items():
                if isinstance(value, Mapping):
                    keys = ("mean", "sd", "q") if "q" in value else ("mean", "sd")
                    value = [value[k] for k in keys]
                merged.setdefault(code, {})[name] = tuple(value)
        validate_table(merged)
    except (KeyError, TypeError, ValueError) as e:
        raise ProcessParameterInvalid(
            parameter="prior_table", process=PROCESS, reason=str(e).strip("'\"")
        ) from None
    return {c: {n: tuple(map(float, v)) for n, v in e.items()} for c, e in merged.items()}


def optisail(
    data: xr.DataArray | Sequence[xr.DataArray],
    interval: int = 5,
    window: int = 5,
    prior: str = "previous",
    outputs: Sequence[str] | None = None,
    start: str | None = None,
    end: str | None = None,
    fapar_sza: float | None = None,
    leaf_angle_bins: str = "prosail18",
    srf_step: float = 10.0,
    max_iterations: int = 10,
    soil_wetness: float = SOIL_WETNESS,
    landcover: xr.DataArray | None = None,
    prior_table: Mapping[str, Mapping[str, Any]] | None = None,
) -> xr.DataArray:
    """openEO process ``optisail`` (spec: processes/specs/optisail.json)."""
    cubes = [data] if isinstance(data, xr.DataArray) else list(data)
    if not cubes:
        raise ProcessParameterInvalid(
            parameter="data", process=PROCESS, reason="no data cube given"
        )
    outputs = expand_outputs(outputs)
    if prior not in ("previous", "climatology"):
        raise ProcessParameterInvalid(
            parameter="prior", process=PROCESS, reason="use 'previous' or 'climatology'"
        )
    if leaf_angle_bins not in ("prosail18", "fortran13"):
        raise ProcessParameterInvalid(
            parameter="leaf_angle_bins", process=PROCESS, reason="use prosail18|fortran13"
        )
    if interval < 1 or window < 1 or srf_step < 1 or max_iterations < 1:
        raise ProcessParameterInvalid(
            parameter="interval",
            process=PROCESS,
            reason="interval, window, srf_step, max_iterations must be ≥ 1",
        )
    if not 0.0 <= soil_wetness <= 1.0:
        raise ProcessParameterInvalid(
            parameter="soil_wetness", process=PROCESS, reason="must lie in [0, 1]"
        )
    layouts = [layout(c, srf_step) for c in cubes]
    ref = cubes[0]
    for c in cubes[1:]:
        if c.sizes["y"] != ref.sizes["y"] or c.sizes["x"] != ref.sizes["x"]:
            raise ProcessParameterInvalid(
                parameter="data", process=PROCESS, reason="cubes must share the y/x grid"
            )
    cubes = [c.transpose("t", "bands", "y", "x") for c in cubes]
    steps = step_dates(np.concatenate([lay.times for lay in layouts]), interval, start, end)
    # the per-overpass soil offsets replace the in-window drift term: calibrated together,
    # drift on top left σ too wide (docs/retrieval.md, "Per-overpass soil wetness")
    config = RetrievalConfig(
        binning=leaf_angle_bins, max_iter=max_iterations, temporal=prior == "previous",
        soil_wetness=soil_wetness, drift=0.0 if soil_wetness > 0 else DRIFT_ALONE,
    )  # fmt: skip
    lat = latitude(ref)
    codes = landcover_codes(landcover, ref)
    kwargs = {
        "layouts": layouts, "steps": steps, "window": window, "config": config,
        "outputs": outputs, "fapar_sza": fapar_sza, "table": parse_prior_table(prior_table),
    }  # fmt: skip
    if any(isinstance(c.data, da.Array) for c in cubes):
        arrays = [da.asarray(c.data) for c in cubes]
        ychunks, xchunks = arrays[0].chunks[2], arrays[0].chunks[3]
        arrays = [a.rechunk((-1, -1, ychunks, xchunks)) for a in arrays]
        shape = (ref.sizes["y"], ref.sizes["x"])
        lat_arr = da.asarray(lat if lat is not None else np.zeros(shape))
        lc_arr = da.asarray(codes if codes is not None else np.zeros(shape))
        lat_arr, lc_arr = (a.rechunk((ychunks, xchunks)) for a in (lat_arr, lc_arr))

        def block(*b, **kw):
            return _block(
                *b[:-2], lat=b[-2] if lat is not None else None,
                codes=b[-1] if codes is not None else None, **kw,
            )  # fmt: skip

        result = da.map_blocks(
            block, *arrays, lat_arr[None, None], lc_arr[None, None],
            dtype=float, chunks=((len(steps),), (len(outputs),), ychunks, xchunks), **kwargs,
        )  # fmt: skip
    else:
        result = _block(*(c.values for c in cubes), lat=lat, codes=codes, **kwargs)
    coords = {"t": steps.astype("datetime64[ns]"), "bands": outputs}
    for dim in ("y", "x"):
        if dim in ref.coords:
            coords[dim] = ref.coords[dim].values
    return xr.DataArray(
        result, dims=("t", "bands", "y", "x"), coords=coords,
        attrs={"source": "OptiSAIL-like retrieval (PROSPECT-D + 4SAIL), Canopy", "fapar": "black-sky at local solar noon"},
    )  # fmt: skip
