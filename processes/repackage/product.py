"""Build CCI products from a retrieval output: tile-date and site-year datasets."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

import numpy as np
import pyproj
import xarray as xr

from processes.exceptions import ProcessParameterInvalid
from processes.repackage.attributes import CciMetadata, Coverage, global_attributes
from processes.repackage.contract import PROCESS, SITE_EXTRAS, RetrievalInfo, as_dataset
from processes.repackage.naming import site_relpath, tile_relpath
from processes.repackage.variables import COORD_ATTRS, ORDER, clip, encoding, variable_attrs

DEFAULT_PIXEL = 1 / 112
"""Pixel size (degrees) of the PROBA-V 1 km grid, used when a 1-pixel axis cannot tell it."""
TIME_UNITS = "days since 1970-01-01"
_DAY = np.timedelta64(1, "D")


@dataclass(frozen=True, eq=False)
class CciProduct:
    """One product file to write: its place in the tree, its dataset and its encoding."""

    kind: str
    """``tile`` or ``site``."""
    key: str
    """Tile (``X18Y02``) or site id."""
    relpath: str
    """Path below the publication root (``transect/…`` or ``sites/…``)."""
    dataset: xr.Dataset
    """The CF/CCI dataset (physical values; packing in ``encoding``)."""
    encoding: dict
    """netCDF4 encoding of every variable."""
    start: datetime
    """Start of the first window (UTC)."""
    end: datetime
    """End of the last window (UTC)."""
    info: RetrievalInfo
    """Provenance of the retrieval output it came from."""
    fingerprint: str
    """SHA-256 of what the file says (values, coordinates, metadata), without creation time."""

    @property
    def filename(self) -> str:
        """File name."""
        return self.relpath.rsplit("/", 1)[-1]

    @property
    def item_id(self) -> str:
        """STAC item id: the file name without ``.nc``."""
        return self.filename[:-3]

    @property
    def steps(self) -> np.ndarray:
        """Step dates, datetime64[D]."""
        return self.dataset["time"].values.astype("datetime64[D]")


def pixel_size(values: np.ndarray) -> float:
    """Pixel size (degrees) from coordinate spacing; the 1 km grid's when one pixel."""
    return float(np.median(np.abs(np.diff(values)))) if values.size > 1 else DEFAULT_PIXEL


def _bounds(values: np.ndarray, half: float) -> np.ndarray:
    """Cell bounds along the axis direction; neighbours share the identical edge (CF §7.1)."""
    sign = -1.0 if values.size > 1 and values[1] < values[0] else 1.0
    edges = np.concatenate(
        [[values[0] - sign * half], (values[:-1] + values[1:]) / 2, [values[-1] + sign * half]]
    )
    return np.stack([edges[:-1], edges[1:]], axis=1)


def _utc(t: np.datetime64) -> datetime:
    return datetime.fromisoformat(str(t.astype("datetime64[s]"))).replace(tzinfo=UTC)


def _crs() -> xr.DataArray:
    wgs84 = pyproj.CRS.from_epsg(4326)
    return xr.DataArray(
        np.int32(0),
        attrs={
            "grid_mapping_name": "latitude_longitude",
            "longitude_of_prime_meridian": 0.0,
            "semi_major_axis": 6378137.0,
            "inverse_flattening": 298.257223563,
            "crs_wkt": wgs84.to_wkt(),
            "long_name": "WGS 84",
        },
    )


def _fingerprint(sub: xr.Dataset, info: RetrievalInfo, meta: CciMetadata, extra: dict) -> str:
    h = hashlib.sha256()
    for name in ("t", "y", "x", *sub.data_vars):
        h.update(name.encode())
        h.update(np.ascontiguousarray(sub[name].values).tobytes())
    doc = {"info": asdict(info), "meta": asdict(meta) | {"software": meta.software}, **extra}
    h.update(json.dumps(doc, sort_keys=True, default=str).encode())
    return h.hexdigest()


def build_product(
    ds: xr.Dataset,
    info: RetrievalInfo,
    meta: CciMetadata,
    relpath: str,
    title: str,
    *,
    platform: str,
    sensor: str,
    created: datetime | None = None,
) -> CciProduct:
    """Turn steps of a retrieval output (``(t, y, x)``) into one CCI product."""
    keep = [v for v in ORDER if v in ds.data_vars and (info.kind == "site" or v not in SITE_EXTRAS)]
    sub = ds[keep]
    lat, lon = sub["y"].values.astype("f8"), sub["x"].values.astype("f8")
    py, px = pixel_size(lat), pixel_size(lon)
    steps = sub["t"].values.astype("datetime64[ns]")
    window = info.window_days * _DAY
    tb = np.stack([steps - window, steps + window], axis=1)
    cov = Coverage(
        west=float(lon.min() - px / 2), south=float(lat.min() - py / 2),
        east=float(lon.max() + px / 2), north=float(lat.max() + py / 2), pixel=py,
        start=_utc(tb[0, 0]), end=_utc(tb[-1, 1]),
        interval_days=info.interval_days, window_days=info.window_days,
    )  # fmt: skip
    dims = ("time", "lat", "lon")
    coords = {
        "time": ("time", steps, COORD_ATTRS["time"]),
        "lat": ("lat", lat, COORD_ATTRS["lat"]),
        "lon": ("lon", lon, COORD_ATTRS["lon"]),
    }
    data_vars = {
        name: (dims, clip(name, sub[name].values.astype("f8")), variable_attrs(name))
        for name in keep
    }
    data_vars |= {
        "time_bnds": (("time", "nv"), tb),
        "lat_bnds": (("lat", "nv"), _bounds(lat, py / 2)),
        "lon_bnds": (("lon", "nv"), _bounds(lon, px / 2)),
        "crs": _crs(),
    }
    name = relpath.rsplit("/", 1)[-1]
    attrs = global_attributes(
        meta, cov, name=name, title=title, platform=platform, sensor=sensor,
        job_ids=info.job_ids, created=created,
    )  # fmt: skip
    out = xr.Dataset(data_vars, coords=coords, attrs=attrs)
    shape = (1, lat.size, lon.size)
    enc = {v: encoding(v, shape) for v in keep}
    time_enc = {"units": TIME_UNITS, "calendar": "standard", "dtype": "float64", "_FillValue": None}
    enc |= {"time": time_enc, "time_bnds": time_enc}
    enc |= {v: {"_FillValue": None} for v in ("lat", "lon", "lat_bnds", "lon_bnds")}
    enc["crs"] = {"_FillValue": None}
    extra = {"relpath": relpath, "title": title, "platform": platform, "sensor": sensor}
    return CciProduct(
        kind=info.kind, key=info.tile if info.kind == "tile" else str(info.site_id),
        relpath=relpath, dataset=out, encoding=enc, start=cov.start, end=cov.end, info=info,
        fingerprint=_fingerprint(sub, info, meta, extra),
    )  # fmt: skip


def repackage(
    data: xr.Dataset | xr.DataArray,
    info: RetrievalInfo,
    meta: CciMetadata | None = None,
    *,
    platform: str | None = None,
    sensor: str | None = None,
    created: datetime | None = None,
) -> list[CciProduct]:
    """Split a retrieval output into CCI products: one per date (tile) or per year (site).

    Args:
        data: the retrieval output (contract of processes/repackage/contract.py).
        info: its provenance (``read_info(ds.attrs)``).
        meta: publisher metadata (DOI, version, institution).
        platform: platforms of the inputs for the ``platform`` attribute.
        sensor: sensors of the inputs for the ``sensor`` attribute.
        created: creation time written to ``date_created`` (default: now).

    Returns:
        Products in time order.

    Raises:
        ProcessParameterInvalid: duplicate or no step dates.
    """
    meta = meta or CciMetadata()
    ds = as_dataset(data).sortby("t")
    steps = ds["t"].values.astype("datetime64[D]")
    if steps.size == 0:
        raise ProcessParameterInvalid(parameter="data", process=PROCESS, reason="no step dates")
    if np.unique(steps).size != steps.size:
        raise ProcessParameterInvalid(
            parameter="data", process=PROCESS, reason="duplicate step dates"
        )
    platform = platform or str(ds.attrs.get("platform", "unknown"))
    sensor = sensor or str(ds.attrs.get("sensor", "unknown"))
    kw = {"platform": platform, "sensor": sensor, "created": created}
    v = meta.file_version
    if info.kind == "tile":
        title = "ESA CCI Vegetation Parameters: LAI and fAPAR, tile {}, {}"
        rels = [tile_relpath(info.tile, d.item(), v) for d in steps]
        return [
            build_product(ds.isel(t=[i]), info, meta, rel, title.format(info.tile, d), **kw)
            for i, (d, rel) in enumerate(zip(steps, rels, strict=True))
        ]
    years = steps.astype("datetime64[Y]").astype(int) + 1970
    out = []
    for year in np.unique(years):
        rel = site_relpath(str(info.site_id), str(info.site_name), int(year), v)
        title = (
            f"ESA CCI Vegetation Parameters: LAI and fAPAR {info.interval_days}-day series, "
            f"site {info.site_id} ({info.site_name}), {year}"
        )
        out.append(
            build_product(ds.isel(t=np.flatnonzero(years == year)), info, meta, rel, title, **kw)
        )
    return out


def write_product(product: CciProduct, path) -> None:
    """Write a product's dataset as NetCDF-4 to ``path`` (the caller renames it into place)."""
    product.dataset.to_netcdf(path, engine="netcdf4", format="NETCDF4", encoding=product.encoding)
