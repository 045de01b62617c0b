"""Input-cube convention of ``optisail``: validation and extraction of one sensor's cube."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from processes.exceptions import BandsMissing, DimensionNotAvailable, ProcessParameterInvalid
from processes.retrieval.bands import SpectralBands, make_bands

DIMS = ("t", "bands", "y", "x")
ANGLES = ("sza", "saa", "vza", "vaa")
PROCESS = "optisail"


@dataclass(frozen=True)
class BandGroup:
    """Reflectance bands of one cube seen with the same view angles (one band geometry)."""

    refl: tuple[int, ...]
    """Positions of the reflectance bands."""
    unc: tuple[int, ...]
    """Positions of their ``<band>_unc`` layers (same order)."""
    view: tuple[int, int]
    """Positions of this geometry's vza and vaa (``vza_<geometry>`` or the shared ones)."""
    bands: SpectralBands
    """Sampled spectral responses of the bands."""
    uncertainty_factor: np.ndarray
    """Per band, (B,)."""
    min_rel_uncertainty: np.ndarray
    """Per band, (B,)."""

    def __dask_tokenize__(self) -> tuple:
        return (type(self).__name__, self.refl, self.unc, self.view,
                self.bands.__dask_tokenize__(), self.uncertainty_factor.tobytes(),
                self.min_rel_uncertainty.tobytes())  # fmt: skip


@dataclass(frozen=True)
class CubeLayout:
    """Where one sensor's layers sit along ``bands`` (positions) and how to model its bands."""

    times: np.ndarray
    """Observation datetimes, datetime64[ns], (t,)."""
    groups: tuple[BandGroup, ...]
    """Reflectance bands by band geometry."""
    angles: tuple[int, int, int, int]
    """Positions of sza, saa, vza, vaa."""
    clear: int
    """Position of ``clear``."""
    snow: int | None
    """Position of ``snow`` or None."""
    land: int | None
    """Position of ``land`` (1 land, 0 water/non-land) or None."""

    def __dask_tokenize__(self) -> tuple:
        return (type(self).__name__, self.times.tobytes(),
                tuple(g.__dask_tokenize__() for g in self.groups), self.angles, self.clear,
                self.snow, self.land)  # fmt: skip


def _coord(cube: xr.DataArray, name: str, default: float | None) -> np.ndarray | None:
    if name in cube.coords and cube.coords[name].dims == ("bands",):
        return np.asarray(cube.coords[name].values, dtype=float)
    return None if default is None else np.full(cube.sizes["bands"], default)


def layout(cube: xr.DataArray, srf_step: float) -> CubeLayout:
    """Validate a cube against the convention and locate its layers.

    Args:
        cube: DataArray with dims ``("t", "bands", "y", "x")`` (see docs/retrieval.md).
        srf_step: Sampling interval (nm) of the spectral responses.

    Returns:
        The layout.

    Raises:
        DimensionNotAvailable: a dimension of the convention is missing.
        ProcessParameterInvalid: no reflectance band (no finite ``wavelength``) or no ``fwhm``.
        BandsMissing: naming every missing uncertainty, angle or ``clear`` band.
    """
    if not isinstance(cube, xr.DataArray):
        raise ProcessParameterInvalid(
            parameter="data", process=PROCESS, reason="expected a raster data cube"
        )
    for dim in DIMS:
        if dim not in cube.dims:
            raise DimensionNotAvailable(dimension=dim)
    labels = [str(v) for v in cube.coords["bands"].values] if "bands" in cube.coords else []
    wavelength = _coord(cube, "wavelength", None)
    if wavelength is None or not np.any(np.isfinite(wavelength)):
        raise ProcessParameterInvalid(
            parameter="data", process=PROCESS,
            reason="no reflectance band: none has a finite 'wavelength' coordinate along 'bands'",
        )  # fmt: skip
    fwhm = _coord(cube, "fwhm", None)
    refl = [i for i, w in enumerate(wavelength) if np.isfinite(w)]
    if fwhm is None or not np.all(np.isfinite(fwhm[refl])):
        raise ProcessParameterInvalid(
            parameter="data",
            process=PROCESS,
            reason="reflectance bands need a finite 'fwhm' coordinate",
        )
    names = [labels[i] for i in refl]
    needed = [f"{n}_unc" for n in names] + list(ANGLES) + ["clear"]
    missing = [b for b in needed if b not in labels]
    if missing:
        raise BandsMissing(bands=missing, process=PROCESS)
    pos = {label: i for i, label in enumerate(labels)}
    factor = np.nan_to_num(_coord(cube, "uncertainty_factor", 1.0), nan=1.0)
    minrel = np.nan_to_num(_coord(cube, "min_rel_uncertainty", 0.0), nan=0.0)
    geometry = (
        [str(g) for g in cube.coords["geometry"].values]
        if "geometry" in cube.coords and cube.coords["geometry"].dims == ("bands",)
        else [""] * len(labels)
    )
    by_view: dict[tuple[int, int], list[int]] = {}
    for i in refl:
        # a band geometry with its own angles (e.g. PROBA-V SWIR) has vza_<g>/vaa_<g> layers
        g = geometry[i].lower()
        own = (pos.get(f"vza_{g}"), pos.get(f"vaa_{g}"))
        view = own if g and None not in own else (pos["vza"], pos["vaa"])
        by_view.setdefault(view, []).append(i)  # type: ignore[arg-type]
    groups = tuple(
        BandGroup(
            refl=tuple(idx),
            unc=tuple(pos[f"{labels[i]}_unc"] for i in idx),
            view=view,
            bands=make_bands([labels[i] for i in idx], wavelength[idx], fwhm[idx], step=srf_step),
            uncertainty_factor=factor[idx],
            min_rel_uncertainty=minrel[idx],
        )
        for view, idx in by_view.items()
    )
    return CubeLayout(
        times=np.asarray(cube.coords["t"].values).astype("datetime64[ns]"),
        groups=groups,
        angles=tuple(pos[a] for a in ANGLES),  # type: ignore[arg-type]
        clear=pos["clear"],
        snow=pos.get("snow"),
        land=pos.get("land"),
    )


def latitude(cube: xr.DataArray) -> np.ndarray | None:
    """Latitude (degrees) of every pixel, shape (y, x), or None when the grid does not give it.

    Uses a ``lat`` coordinate when present; otherwise ``y`` when the cube is geographic
    (``crs`` attribute/coordinate naming EPSG:4326 or OGC:CRS84, or no CRS and |y| ≤ 90).
    """
    ny, nx = cube.sizes["y"], cube.sizes["x"]
    if "lat" in cube.coords:
        lat = cube.coords["lat"].reset_coords(drop=True)
        grid = xr.DataArray(np.zeros((ny, nx)), dims=("y", "x"))
        return np.asarray(lat.broadcast_like(grid).transpose("y", "x").values, dtype=float)
    crs = str(cube.attrs.get("crs", cube.coords["crs"].item() if "crs" in cube.coords else ""))
    y = np.asarray(cube.coords["y"].values, dtype=float) if "y" in cube.coords else None
    if y is None:
        return None
    named = any(k in crs.upper() for k in ("4326", "CRS84"))
    if not (named or (crs == "" and np.all(np.abs(y) <= 90))):
        return None
    return np.broadcast_to(y[:, None], (ny, nx)).astype(float)
