"""Write one L2B product in the DESIGN.md §5 layout, driven by the sensor's registry entry."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import netCDF4
import numpy as np

from ingest.products import product_filename
from ingest.registry import BitTest, Sensor

SCALE = 0.0005
"""Scale factor of the int16 TOC and TOC_ERR layers."""
FILL = -1
"""Fill value of the int16 layers."""

CLEAR, SHADOW, CLOUD = 0, 1, 2
"""Cloud states of ``Observation.cloud_state``."""


@dataclass
class Observation:
    """Everything one product file holds, as float/bool arrays of shape (lat, lon)."""

    sensor: Sensor
    tile: str
    lat: np.ndarray
    lon: np.ndarray
    time: np.ndarray
    """Per-pixel observation time, seconds after 00:00 UTC of ``date``."""
    date: datetime
    """UTC midnight of the acquisition day (aware)."""
    reflectance: dict[str, np.ndarray]
    uncertainty: dict[str, np.ndarray]
    sza: np.ndarray
    saa: np.ndarray
    vza: dict[str, np.ndarray]
    """Per band-geometry name."""
    vaa: dict[str, np.ndarray]
    cloud_state: np.ndarray
    snow: np.ndarray
    land: np.ndarray
    quality_ok: dict[str, np.ndarray]
    attrs: dict = field(default_factory=dict)

    @property
    def start(self) -> datetime:
        """Segment start: the earliest pixel time, whole seconds."""
        return self.date + timedelta(seconds=int(np.floor(np.nanmin(self.time))))

    @property
    def end(self) -> datetime:
        """Segment end: the latest pixel time, whole seconds."""
        return self.date + timedelta(seconds=int(np.ceil(np.nanmax(self.time))))

    @property
    def filename(self) -> str:
        """The product file name."""
        s = self.sensor
        return product_filename(self.start, self.tile, s.product_token, s.product_version)


def _var(ds: netCDF4.Dataset, path: str, dtype, **kw) -> netCDF4.Variable:
    group = ds
    *parents, name = path.strip("/").split("/")
    for p in parents:
        group = group.groups.get(p) or group.createGroup(p)
    return group.createVariable(name, dtype, ("lat", "lon"), **kw)


def _pack(x: np.ndarray) -> np.ndarray:
    dn = np.round(np.clip(x, 0.0, 16.0) / SCALE)
    return np.where(np.isfinite(x), dn, FILL).astype(np.int16)


def _bit_layers(obs: Observation) -> dict[str, np.ndarray]:
    """Build every integer flag layer from the truth booleans and the registry bit tests.

    The layer's dtype is the narrowest unsigned type holding all masks that address it.
    """
    tests: list[tuple[BitTest, np.ndarray]] = []
    for geom in obs.sensor.geometries.values():
        state = obs.cloud_state
        c = geom.cloud
        low = c.bitmask & -c.bitmask
        cloud_bits = np.select(
            [state == CLEAR, state == SHADOW],
            [c.bitvalue, c.bitvalue ^ low],
            c.bitvalue ^ c.bitmask,
        )
        tests.append((c, cloud_bits))
        tests.append(
            (
                geom.snow,
                np.where(obs.snow, geom.snow.bitvalue, geom.snow.bitvalue ^ geom.snow.bitmask),
            )
        )
        if geom.land is not None:
            g = geom.land
            tests.append((g, np.where(obs.land, g.bitvalue, g.bitvalue ^ g.bitmask)))
    for b in obs.sensor.bands:
        q = b.quality
        tests.append((q, np.where(obs.quality_ok[b.name], q.bitvalue, q.bitvalue ^ q.bitmask)))
    layers: dict[str, np.ndarray] = {}
    masks: dict[str, int] = {}
    for test, bits in tests:
        layer = layers.setdefault(test.path, np.zeros(obs.lat.shape + obs.lon.shape, np.int64))
        layer &= ~test.bitmask  # geometries repeat the same test: set, never OR twice
        layer |= bits.astype(np.int64)
        masks[test.path] = masks.get(test.path, 0) | test.bitmask
    dtypes = {p: "u1" if m < 1 << 8 else "u2" if m < 1 << 16 else "u4" for p, m in masks.items()}
    return {p: layer.astype(dtypes[p]) for p, layer in layers.items()}


def write_product(obs: Observation, out_dir: Path, compress: bool = True) -> Path:
    """Write ``obs`` as ``<out_dir>/<file name>`` and return the path."""
    s = obs.sensor
    path = Path(out_dir) / obs.filename
    tmp = path.with_suffix(".nc.part")  # never leave a half-written product under its real name
    kw = {"zlib": True, "complevel": 1} if compress else {}
    half = 0.5 * abs(float(obs.lon[1] - obs.lon[0])) if obs.lon.size > 1 else 0.5 / 112
    with netCDF4.Dataset(tmp, "w", format="NETCDF4") as ds:
        ds.createDimension("lat", obs.lat.size)
        ds.createDimension("lon", obs.lon.size)
        lat = ds.createVariable("lat", "f8", ("lat",))
        lat[:] = obs.lat
        lat.setncatts({"units": "degrees_north", "standard_name": "latitude"})
        lon = ds.createVariable("lon", "f8", ("lon",))
        lon[:] = obs.lon
        lon.setncatts({"units": "degrees_east", "standard_name": "longitude"})
        crs = ds.createVariable("crs", "i4")
        crs.setncatts({"grid_mapping_name": "latitude_longitude", "epsg_code": "EPSG:4326"})
        ds.setncatts(
            {
                "Conventions": "CF-1.8",
                "title": f"{s.title} (simulated)",
                "platform": s.platform,
                "sensor": s.instrument,
                "product_token": s.product_token,
                "product_level": s.product_level,
                "product_version": s.product_version,
                "tile": obs.tile,
                "time_coverage_start": f"{obs.start:%Y-%m-%dT%H:%M:%SZ}",
                "time_coverage_end": f"{obs.end:%Y-%m-%dT%H:%M:%SZ}",
                "geospatial_lat_min": float(obs.lat.min()) - half,
                "geospatial_lat_max": float(obs.lat.max()) + half,
                "geospatial_lon_min": float(obs.lon.min()) - half,
                "geospatial_lon_max": float(obs.lon.max()) + half,
                **obs.attrs,
            }
        )
        for b in s.bands:
            for p, arr in (
                (b.sdr, obs.reflectance[b.name]),
                (b.sdr_uncertainty, obs.uncertainty[b.name]),
            ):
                v = _var(ds, p, "i2", fill_value=FILL, **kw)
                v.set_auto_maskandscale(False)
                v.setncatts({"scale_factor": SCALE, "add_offset": 0.0, "units": "1"})
                v[:] = _pack(arr)
        geom_layers = {}
        for name, g in s.geometries.items():
            geom_layers.update(
                {g.sza: obs.sza, g.saa: obs.saa, g.vza: obs.vza[name], g.vaa: obs.vaa[name]}
            )
        for p, arr in geom_layers.items():
            v = _var(ds, p, "f4", fill_value=np.float32(np.nan), **kw)
            v.units = "degrees"
            v[:] = arr.astype(np.float32)
        for p, arr in _bit_layers(obs).items():
            v = _var(ds, p, arr.dtype, **kw)
            v.set_auto_maskandscale(False)
            v[:] = arr
        t = ds.createVariable("TIME", "i4", ("lat", "lon"), fill_value=np.int32(-1), **kw)
        t.set_auto_maskandscale(False)
        t.units = f"seconds since {obs.date:%Y-%m-%d} 00:00:00"
        t[:] = np.where(np.isfinite(obs.time), np.round(obs.time), -1).astype(np.int32)
    tmp.replace(path)
    return path
