"""Recognise L2B product files and turn their metadata into STAC items (runs on Dask workers)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import netCDF4

from ingest.collections import EO, FILE, NETCDF, PROJ
from ingest.products import ProductName, parse_product_name

_CHUNK = 1 << 20
SHA256_MULTIHASH_PREFIX = "1220"
"""Multihash header of a SHA-256 digest (code 0x12, length 0x20): file extension v2."""


@dataclass(frozen=True)
class ScanOutcome:
    """What scanning one file gave."""

    path: str
    """Absolute file path."""
    collection: str
    """Sensor id (collection) the file name points to; empty when unknown."""
    item_id: str
    """Item id (file name without ``.nc``)."""
    checksum: str | None = None
    """Multihash SHA-256 of the file."""
    item: dict | None = None
    """The STAC item; ``None`` when unchanged (see ``unchanged``) or failed."""
    unchanged: bool = False
    """The catalogue already holds this checksum."""
    error: str | None = None
    """Why the file was skipped."""


def file_checksum(path: str | os.PathLike) -> str:
    """Return the SHA-256 multihash (hex) of a file, as ``file:checksum`` wants it."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return SHA256_MULTIHASH_PREFIX + h.hexdigest()


def _polygon(w: float, s: float, e: float, n: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}


def build_item(
    path: str,
    name: ProductName,
    vp: Mapping[str, Any],
    ds: netCDF4.Dataset,
    checksum: str,
    size: int,
) -> dict:
    """Build the STAC item of a product from its name and open dataset (metadata only).

    Raises:
        ValueError: when the file contradicts its name or the sensor's layout.
        KeyError: when a layer or attribute the sensor's layout names is missing.
    """
    attrs = {
        k: ds.getncattr(k)
        for k in (
            "time_coverage_start",
            "time_coverage_end",
            "tile",
            "product_token",
            "product_version",
        )
    }
    if (attrs["product_token"], attrs["tile"], attrs["product_version"]) != (
        name.token,
        name.tile,
        name.version,
    ):
        raise ValueError("file attributes (token, tile, version) contradict the file name")
    for band in vp["bands"]:
        for layer in (band["sdr"], band["sdr_uncertainty"], band["quality"]["path"]):
            ds[layer.lstrip("/")]  # KeyError names the missing layer
    w, e = float(ds.getncattr("geospatial_lon_min")), float(ds.getncattr("geospatial_lon_max"))
    s, n = float(ds.getncattr("geospatial_lat_min")), float(ds.getncattr("geospatial_lat_max"))
    if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
        raise ValueError(f"implausible footprint {(w, s, e, n)}")
    ny, nx = ds.dimensions["lat"].size, ds.dimensions["lon"].size
    bands = [
        {
            "name": b["name"],
            "center_wavelength": round(b["srf"]["centre"] / 1000, 6),
            "full_width_half_max": round(b["srf"]["fwhm"] / 1000, 6),
        }
        for b in vp["bands"]
    ]
    start, end = attrs["time_coverage_start"], attrs["time_coverage_end"]
    return {
        "type": "Feature",
        "stac_version": "1.0.0",
        "stac_extensions": [EO, PROJ, FILE],
        "id": name.item_id,
        "collection": vp["id"],
        "bbox": [w, s, e, n],
        "geometry": _polygon(w, s, e, n),
        "properties": {
            "datetime": start,
            "start_datetime": start,
            "end_datetime": end,
            "platform": vp["platform"],
            "instruments": [vp["instrument"]],
            "proj:epsg": 4326,
            "proj:shape": [ny, nx],
            "proj:transform": [(e - w) / nx, 0.0, w, 0.0, -(n - s) / ny, n, 0.0, 0.0, 1.0],
            "canopy:tile": name.tile,
            "canopy:product_version": name.version,
            "canopy:product_level": vp["product_level"],
        },
        "links": [],
        "assets": {
            "data": {
                # an absolute local path: readable by the openEO loader on this host; STAC
                # Browser needs an HTTP route serving it (see docs/discovery.md)
                "href": path,
                "type": NETCDF,
                "roles": ["data"],
                "title": f"{vp['product_level']} NetCDF-4 product",
                "file:checksum": checksum,
                "file:size": size,
                "eo:bands": bands,
            }
        },
    }


def scan_file(
    path: str, vps: Mapping[str, Mapping[str, Any]], known: Mapping[str, tuple] | None = None
) -> ScanOutcome:
    """Scan one file.

    Args:
        path: absolute path of a file whose name matched the product pattern.
        vps: ``{product token: vp block}`` of the registered sensors.
        known: ``{item id: (checksum, href)}`` already catalogued; the same checksum at the same
            path skips the open (a moved file gets its href updated).
    """
    name = parse_product_name(os.path.basename(path))
    if name is None:
        return ScanOutcome(path, "", "", error="not an L2B product name")
    vp = vps.get(name.token)
    if vp is None:
        return ScanOutcome(path, "", name.item_id, error=f"unknown sensor token {name.token!r}")
    collection = vp["id"]
    try:
        # read once: the checksum and the metadata describe the same bytes even if the file
        # is being replaced meanwhile
        with open(path, "rb") as fh:
            data = fh.read()
        checksum = SHA256_MULTIHASH_PREFIX + hashlib.sha256(data).hexdigest()
        if known and known.get(name.item_id) == (checksum, path):
            return ScanOutcome(path, collection, name.item_id, checksum, unchanged=True)
        with netCDF4.Dataset(path, memory=data) as ds:
            item = build_item(path, name, vp, ds, checksum, len(data))
    # a corrupt file must not stop the run: report it with the reason and go on
    except (OSError, KeyError, IndexError, ValueError, AttributeError, RuntimeError) as e:
        return ScanOutcome(path, collection, name.item_id, error=f"{type(e).__name__}: {e}")
    return ScanOutcome(path, collection, name.item_id, checksum, item=item)


def scan_batch(
    paths: Iterable[str], vps: Mapping[str, Mapping[str, Any]], known: Mapping[str, tuple]
) -> list[ScanOutcome]:
    """Scan a batch of files (one Dask task)."""
    return [scan_file(p, vps, known) for p in paths]


def discover(roots: Iterable[str | os.PathLike]) -> tuple[list[str], int]:
    """Walk directory trees (or take files) and return product-named files and the ignored count.

    Files are sorted within each root and roots keep their order, so when a product appears
    under two roots the first root wins.
    """
    found, ignored = [], 0
    for root in roots:
        root = Path(root)
        files = (
            [root] if root.is_file() else (Path(d) / f for d, _, fs in os.walk(root) for f in fs)
        )
        mine = []
        for f in files:
            if parse_product_name(f.name) is not None:
                mine.append(str(f.resolve()))
            else:
                ignored += 1
        found.extend(sorted(mine))
    return found, ignored
