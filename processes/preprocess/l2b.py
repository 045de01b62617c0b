"""``adapt`` (CF metadata, status map) and the C3S-style L2B tile writer of DESIGN.md §5."""

from __future__ import annotations

from pathlib import Path

import netCDF4
import numpy as np
import xarray as xr

from processes.exceptions import ProcessParameterInvalid
from processes.preprocess.bands import band_coefficients
from processes.preprocess.l1b import FLAG_CLOUD, FLAG_LAND, FLAG_SNOW, NETCDF_LOCK, band_names
from processes.preprocess.tilegrid import PIXEL_DEG
from processes.preprocess.tiling import FLAGS_FILL

SCALE = 0.0005
FILL = -1
#: TOC_ERR holds σ / UNCERTAINTY_FACTOR: the C3S convention that the sensor registry declares
#: (``uncertainty_factor: 2.236068`` = √5 for every band of ingest/sensors/*.yaml), so that
#: the reader's ``uncertainty_factor · TOC_ERR`` is the 1σ that SMAC propagated. A test checks
#: the registry entries of the swath sensors against it.
UNCERTAINTY_FACTOR = float(np.sqrt(5.0))
#: Cloud states of status-map bits 0-1.
CLEAR, UNDEFINED, CLOUD = 0b00, 0b10, 0b11
_WGS84_WKT = (
    'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],'
    'PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433],AUTHORITY["EPSG","4326"]]'
)


def _radiometry_ok(ds: xr.Dataset, band: str) -> np.ndarray:
    toc = ds[band].values
    return (ds["flags"].values != FLAGS_FILL) & np.isfinite(toc) & (toc >= 0) & (toc <= 1.5)


def status_map(ds: xr.Dataset) -> np.ndarray:
    """Build the uint8 L2B status map from the tile's flags and band validity."""
    flags = ds["flags"].values
    observed = flags != FLAGS_FILL
    sm = np.where(~observed, UNDEFINED, np.where(flags & FLAG_CLOUD, CLOUD, CLEAR)).astype(np.uint8)
    sm |= np.where(observed & (flags & FLAG_SNOW > 0), 0x04, 0).astype(np.uint8)
    sm |= np.where(observed & (flags & FLAG_LAND > 0), 0x08, 0).astype(np.uint8)
    for band in band_names(ds):
        bit = band_coefficients(ds.attrs["sensor"], band).quality_bit
        if bit is not None:
            sm |= np.where(_radiometry_ok(ds, band), 1 << bit, 0).astype(np.uint8)
    return sm


def qf_rad(ds: xr.Dataset) -> np.ndarray | None:
    """The uint16 ``QF_RAD`` layer (one "radiometry good" bit per band), or None when the
    sensor's bands all fit the status map (ingest/sensors/snpp-viirs.yaml)."""
    entries = [(b, band_coefficients(ds.attrs["sensor"], b)) for b in band_names(ds)]
    if all(e.qf_rad_bit is None for _, e in entries):
        return None
    out = np.zeros(ds["flags"].shape, np.uint16)
    for band, e in entries:
        if e.qf_rad_bit is not None:
            out |= np.where(_radiometry_ok(ds, band), 1 << e.qf_rad_bit, 0).astype(np.uint16)
    return out


def adapt(data: xr.Dataset, product_version: str = "1.0") -> xr.Dataset:
    """Process ``adapt``: restore CF metadata and the status map on a corrected tile.

    Per-tile SMAC (VIIRS order) computes with bare arrays; this puts back what the L2B reader
    expects: CF attributes of every layer, the SM status map, and the time coverage of the
    pixels actually observed in the tile.

    Raises:
        ProcessParameterInvalid: the data are not TOC tiles.
    """
    if data.attrs.get("reflectance_level") != "TOC" or "tile" not in data.attrs:
        raise ProcessParameterInvalid(
            process="adapt", parameter="data", reason="expects SMAC-corrected (TOC) tiles"
        )
    out = data.copy()
    for band in band_names(out):
        wl = band_coefficients(out.attrs["sensor"], band).wavelength_um
        out[band].attrs = {"long_name": f"Top-of-canopy reflectance {band}", "units": "1",
                           "standard_name": "surface_bidirectional_reflectance",
                           "wavelength_um": wl}  # fmt: skip
        out[f"{band}_err"].attrs = {
            "long_name": f"Uncertainty of TOC {band}: 1 sigma / uncertainty_factor",
            "units": "1",
        }
    for name, long in (("sza", "solar zenith"), ("saa", "solar azimuth"),
                       ("vza", "view zenith"), ("vaa", "view azimuth")):  # fmt: skip
        out[name].attrs = {"long_name": f"{long} angle", "units": "degree"}
    out["SM"] = (("lat", "lon"), status_map(out), {"long_name": "status map"})
    times = out["obs_time"].values
    times = times[~np.isnat(times)]
    if times.size:
        out.attrs["time_coverage_start"] = str(times.min().astype("datetime64[s]")) + "Z"
        out.attrs["time_coverage_end"] = str(times.max().astype("datetime64[s]")) + "Z"
    out["lat"].attrs = {"standard_name": "latitude", "units": "degrees_north"}
    out["lon"].attrs = {"standard_name": "longitude", "units": "degrees_east"}
    out.attrs.update(product_version=product_version, Conventions="CF-1.8", processing_level="L2B")
    return out


def l2b_name(ds: xr.Dataset) -> str:
    """File name ``c3s_L2B_<YYYYMMDD>_<tile>_<HHMMSS>_1KM_<SENSOR>_V<version>.nc``."""
    start = np.datetime64(ds.attrs["segment_start"].rstrip("Z"), "s")
    stamp = str(start).replace("-", "").replace(":", "")
    version = ds.attrs.get("product_version", "1.0")
    return f"c3s_L2B_{stamp[:8]}_{ds.attrs['tile']}_{stamp[9:15]}_1KM_{ds.attrs['sensor']}_V{version}.nc"


def _int16(group, name: str, values: np.ndarray, attrs: dict, min_dn: int = 0) -> None:
    var = group.createVariable(name, "i2", ("lat", "lon"), fill_value=FILL, zlib=True, complevel=1)
    var.set_auto_maskandscale(False)
    dn = np.maximum(np.round(np.clip(values, 0.0, 32767 * SCALE) / SCALE), min_dn)
    var[:] = np.where(np.isfinite(values), dn, FILL).astype(np.int16)
    var.setncatts({**attrs, "scale_factor": np.float32(SCALE), "add_offset": np.float32(0.0),
                   "grid_mapping": "crs"})  # fmt: skip


def _discovery_attrs(data: xr.Dataset) -> dict:
    """Root attributes ``canopy ingest`` reads (ingest/scan.py): token and pixel-edge footprint."""
    lat, lon = data["lat"].values, data["lon"].values
    half = PIXEL_DEG / 2
    return {
        "product_token": str(data.attrs["sensor"]),
        "geospatial_lon_min": float(lon.min() - half),
        "geospatial_lon_max": float(lon.max() + half),
        "geospatial_lat_min": float(lat.min() - half),
        "geospatial_lat_max": float(lat.max() + half),
    }


def write_l2b(data: xr.Dataset, out_dir: str | Path) -> Path:
    """Write an adapted TOC tile as one C3S-style L2B NetCDF-4 file (DESIGN.md §5).

    Args:
        data: output of ``adapt``.
        out_dir: folder for the file.

    Returns:
        The path written (written to a temporary name first, so no half file is left behind).
    """
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    path = Path(out_dir) / l2b_name(data)
    tmp = path.with_suffix(".nc.part")
    with NETCDF_LOCK, netCDF4.Dataset(tmp, "w", format="NETCDF4") as nc:
        nc.createDimension("lat", data.sizes["lat"])
        nc.createDimension("lon", data.sizes["lon"])
        for axis in ("lat", "lon"):
            v = nc.createVariable(axis, "f8", (axis,))
            v[:] = data[axis].values
            v.setncatts(data[axis].attrs)
        crs = nc.createVariable("crs", "i4")
        crs.setncatts({"grid_mapping_name": "latitude_longitude", "crs_wkt": _WGS84_WKT,
                       "semi_major_axis": 6378137.0, "inverse_flattening": 298.257223563})  # fmt: skip
        keep = ("platform", "sensor", "time_coverage_start", "time_coverage_end", "product_version",
                "tile", "Conventions", "processing_level", "aerosol_model", "history")  # fmt: skip
        nc.setncatts({k: str(data.attrs[k]) for k in keep if k in data.attrs})
        nc.setncatts(_discovery_attrs(data))
        for band in band_names(data):
            name = band_coefficients(data.attrs["sensor"], band).l2b_band
            grp = nc.createGroup(f"LEVEL2B/RADIOMETRY/{name}")
            _int16(grp, "TOC", data[band].values, data[band].attrs)
            err_attrs = {**data[f"{band}_err"].attrs, "uncertainty_factor": UNCERTAINTY_FACTOR}
            # σ/√5 below half a DN (dark water in the SWIR) would read as an exact 0: keep 1 DN
            _int16(grp, "TOC_ERR", data[f"{band}_err"].values / UNCERTAINTY_FACTOR, err_attrs,
                   min_dn=1)  # fmt: skip
        geo = nc.createGroup("LEVEL2B/GEOMETRY")
        for name, target in (("sza", geo), ("saa", geo)):
            v = target.createVariable(name.upper(), "f4", ("lat", "lon"), zlib=True, complevel=1,
                                      fill_value=np.float32(np.nan))  # fmt: skip
            v[:] = data[name].values
            v.setncatts(data[name].attrs)
        for sub in ("VNIR", "SWIR"):
            grp = nc.createGroup(f"LEVEL2B/GEOMETRY/{sub}")
            for name in ("vza", "vaa"):
                v = grp.createVariable(name.upper(), "f4", ("lat", "lon"), zlib=True, complevel=1,
                                       fill_value=np.float32(np.nan))  # fmt: skip
                v[:] = data[name].values
                v.setncatts(data[name].attrs)
        q = nc.createGroup("LEVEL2B/QUALITY")
        sm = q.createVariable("SM", "u1", ("lat", "lon"), zlib=True, complevel=1)
        sm[:] = data["SM"].values
        sm.setncatts({"long_name": "status map", "flag_masks": np.array([3, 3, 3, 4, 8, 16, 32, 64, 128], "u1"),
                      "flag_values": np.array([0, 2, 3, 4, 8, 16, 32, 64, 128], "u1"),
                      "flag_meanings": "clear undefined cloud snow_ice land swir_ok nir_ok red_ok blue_ok"})  # fmt: skip
        rad = qf_rad(data)
        if rad is not None:
            qf = q.createVariable("QF_RAD", "u2", ("lat", "lon"), zlib=True, complevel=1)
            qf[:] = rad
            qf.setncatts({"long_name": "radiometric quality per band (1 = TOC in 0-1.5)",
                          "bands": " ".join(band_names(data))})  # fmt: skip
    tmp.replace(path)
    return path
