"""Demo catalogue: the two synthetic collections the openEO conformance suite asks for.

``CGLS_SSM_1KM`` (band B01, soil moisture over 16.19–16.58 E, 48.09–48.29 N in 2020) and
``SENTINEL2_L2A_SYNTHETIC`` (B04/B08 over the suite's Bolzano box in June 2022). Values are
smooth synthetic fields written as small Cloud-Optimised GeoTIFFs under the Canopy home.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import rasterio
from pyproj import Transformer
from rasterio.transform import from_origin

from stac.migrate import connect

SSM_ID = "CGLS_SSM_1KM"
S2_ID = "SENTINEL2_L2A_SYNTHETIC"
LICENSE = "CC-BY-4.0"


def _cog(path: Path, data: np.ndarray, transform, crs: str, nodata) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    profile = {
        "driver": "COG",
        "width": data.shape[1],
        "height": data.shape[0],
        "count": 1,
        "dtype": data.dtype.name,
        "crs": crs,
        "transform": transform,
        "nodata": nodata,
        "compress": "deflate",
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data, 1)


def _checksum(path: Path) -> str:
    # multihash: 0x12 = sha2-256, 0x20 = 32 bytes
    return "1220" + hashlib.sha256(path.read_bytes()).hexdigest()


def _field(shape: tuple[int, int], phase: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0 : shape[0], 0 : shape[1]] / max(shape)
    base = np.sin(6 * xx + phase) * np.cos(4 * yy - phase / 2)
    return base + 0.05 * rng.standard_normal(shape)


def _asset(path: Path, title: str, band: dict, extra: dict) -> dict:
    return {
        "href": str(path.absolute()),
        "type": "image/tiff; application=geotiff; profile=cloud-optimized",
        "title": title,
        "roles": ["data"],
        "eo:bands": [band],
        "file:checksum": _checksum(path),
        "file:size": path.stat().st_size,
        **extra,
    }


EXTENSIONS = [
    "https://stac-extensions.github.io/eo/v1.1.0/schema.json",
    "https://stac-extensions.github.io/projection/v1.1.0/schema.json",
    "https://stac-extensions.github.io/file/v2.1.0/schema.json",
]


def _collection(cid: str, title: str, description: str, bbox, interval, bands) -> dict:
    return {
        "type": "Collection",
        "stac_version": "1.1.0",
        "stac_extensions": EXTENSIONS[:1],
        "id": cid,
        "title": title,
        "description": description,
        "license": LICENSE,
        "keywords": ["synthetic", "demo"],
        "providers": [{"name": "Canopy", "roles": ["producer", "processor", "host"]}],
        "extent": {"spatial": {"bbox": [bbox]}, "temporal": {"interval": [interval]}},
        "summaries": {"eo:bands": bands},
        "links": [],
    }


def _item(cid: str, item_id: str, when: datetime, bbox, assets: dict, proj: dict) -> dict:
    w, s, e, n = bbox
    return {
        "type": "Feature",
        "stac_version": "1.1.0",
        "stac_extensions": EXTENSIONS,
        "id": item_id,
        "collection": cid,
        "bbox": [w, s, e, n],
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]],
        },
        "properties": {"datetime": when.isoformat().replace("+00:00", "Z"), **proj},
        "assets": assets,
        "links": [],
    }


def soil_moisture(root: Path) -> tuple[dict, list[dict]]:
    """``CGLS_SSM_1KM``: one item every 10 days of 2020, band B01 (%, uint8, 255 = no data)."""
    res, (w, n) = 1 / 112, (16.0, 48.4)
    shape = (45, 90)
    bbox = [w, n - shape[0] * res, w + shape[1] * res, n]
    band = {"name": "B01", "description": "Surface soil moisture (%)"}
    coll = _collection(
        SSM_ID,
        "Surface soil moisture 1 km (synthetic)",
        "Synthetic stand-in for the Copernicus surface soil moisture product, for the openEO "
        "conformance suite.",
        bbox,
        ["2020-01-01T00:00:00Z", "2020-12-31T23:59:59Z"],
        [band],
    )
    items = []
    for k, day in enumerate(_days(date(2020, 1, 1), date(2020, 12, 31), 10)):
        data = np.clip(50 + 30 * _field(shape, k / 6, seed=k), 0, 100).astype("uint8")
        path = root / SSM_ID / f"{day:%Y%m%d}_B01.tif"
        _cog(path, data, from_origin(w, n, res, res), "EPSG:4326", 255)
        proj = {"proj:code": "EPSG:4326", "proj:shape": list(shape)}
        when = datetime(day.year, day.month, day.day, tzinfo=UTC)
        assets = {"B01": _asset(path, "Soil moisture", band, {})}
        items.append(_item(SSM_ID, f"ssm_{day:%Y%m%d}", when, bbox, assets, proj))
    return coll, items


def sentinel2(
    root: Path,
    shape: tuple[int, int] = (200, 200),
    step_days: int = 5,
    collection_id: str = S2_ID,
) -> tuple[dict, list[dict]]:
    """``SENTINEL2_L2A_SYNTHETIC``: B04/B08 at 10 m in EPSG:32632, every 5 days of June 2022.

    ``shape``, ``step_days`` and ``collection_id`` make larger look-alikes for benchmarks.
    """
    res, (x0, y1) = 10.0, (679000.0, 5152500.0)
    to_ll = Transformer.from_crs("EPSG:32632", "EPSG:4326", always_xy=True)
    xs, ys = [x0, x0 + shape[1] * res], [y1 - shape[0] * res, y1]
    corners = [to_ll.transform(x, y) for x in xs for y in ys]
    lons, lats = [c[0] for c in corners], [c[1] for c in corners]
    bbox = [min(lons), min(lats), max(lons), max(lats)]
    bands = [
        {"name": "B04", "common_name": "red", "center_wavelength": 0.665},
        {"name": "B08", "common_name": "nir", "center_wavelength": 0.842},
    ]
    coll = _collection(
        collection_id,
        "Sentinel-2 L2A-like reflectance (synthetic)",
        "Synthetic red/NIR surface reflectance near Bolzano for the openEO conformance "
        "workflow tests (scale 0.0001, 0 = no data).",
        bbox,
        ["2022-06-01T00:00:00Z", "2022-06-30T23:59:59Z"],
        bands,
    )
    items = []
    for k, day in enumerate(_days(date(2022, 6, 1), date(2022, 6, 30), step_days)):
        veg = np.clip(0.5 + 0.4 * _field(shape, k / 4, seed=100 + k), 0, 1)
        red = (10000 * (0.12 - 0.08 * veg)).astype("uint16")
        nir = (10000 * (0.15 + 0.35 * veg)).astype("uint16")
        when = datetime(day.year, day.month, day.day, 10, 20, tzinfo=UTC)
        assets = {}
        for band, data in zip(bands, (red, nir), strict=True):
            path = root / collection_id / f"{day:%Y%m%d}_{band['name']}.tif"
            _cog(path, data, from_origin(x0, y1, res, res), "EPSG:32632", 0)
            extra = {"raster:bands": [{"scale": 0.0001, "offset": 0, "nodata": 0}]}
            assets[band["name"]] = _asset(path, band["name"], band, extra)
        transform = [res, 0.0, x0, 0.0, -res, y1]
        proj = {"proj:code": "EPSG:32632", "proj:shape": list(shape), "proj:transform": transform}
        items.append(_item(collection_id, f"s2_{day:%Y%m%d}", when, bbox, assets, proj))
    return coll, items


def _days(start: date, end: date, step: int) -> Iterator[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=step)


def load_demo(dsn: str, data_dir: Path) -> dict[str, int]:
    """Write the demo rasters and upsert their collections and items (idempotent).

    Returns:
        Number of items per collection.
    """
    counts = {}
    with connect(dsn, autocommit=True) as conn:
        for build in (soil_moisture, sentinel2):
            coll, items = build(data_dir / "demo")
            conn.execute("SELECT pgstac.upsert_collection(%s::jsonb)", [json.dumps(coll)])
            conn.execute("SELECT pgstac.upsert_items(%s::jsonb)", [json.dumps(items)])
            counts[coll["id"]] = len(items)
    return counts
