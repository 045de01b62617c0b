"""The ``esa-cci-lc`` collection: map file names and the STAC documents of land-cover maps."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from ingest.collections import EO, FILE, ITEM_ASSETS, PROJ
from ingest.hrefs import ALTERNATE, data_asset_hrefs
from processes.retrieval.landcover import CCI_LC_CLASSES

COLLECTION = "esa-cci-lc"
"""Collection id of the land-cover maps."""
BAND = "lccs_class"
"""Band name and asset key (as in the ESA CCI-LC products)."""
NODATA = 0
"""Fill value of the maps (CCI-LC's ``no data`` code)."""
COG = "image/tiff; application=geotiff; profile=cloud-optimized"
RASTER = "https://stac-extensions.github.io/raster/v1.1.0/schema.json"
CLASSIFICATION = "https://stac-extensions.github.io/classification/v2.0.0/schema.json"
LEGEND = {code: CCI_LC_CLASSES[code] for code in (10, 60, 70, 130, 200, 210)}
"""CCI-LC names of the codes a simulated map holds (the CCI-LC PUGS legend)."""
_NAME = re.compile(r"landcover_(X\d{2}Y\d{2})_(\d{8})_(\d{8})\.tif")


@dataclass(frozen=True)
class MapName:
    """What a map's file name says."""

    tile: str
    start: date
    """First day of the simulated period."""
    end: date
    """Last day (inclusive)."""

    @property
    def item_id(self) -> str:
        """Item id: the file name without ``.tif``."""
        return f"landcover_{self.tile}_{self.start:%Y%m%d}_{self.end:%Y%m%d}"

    @property
    def file_name(self) -> str:
        """``landcover_<tile>_<start>_<end>.tif`` (the tag of the simulation's truth files)."""
        return self.item_id + ".tif"


def parse_map_name(name: str) -> MapName | None:
    """Parse a map file name; ``None`` when it is not one (or names impossible dates)."""
    m = _NAME.fullmatch(name)
    if m is None:
        return None
    try:
        start, end = (date(int(g[:4]), int(g[4:6]), int(g[6:])) for g in m.group(2, 3))
    except ValueError:
        return None
    return MapName(m.group(1), start, end) if start <= end else None


def _classes() -> list[dict]:
    # classification v2: ``name`` is a slug, the CCI-LC wording goes to ``description``
    return [
        {"value": code, "name": re.sub(r"[^a-z0-9]+", "_", text).strip("_"), "description": text}
        for code, text in LEGEND.items()
    ]


def _band() -> dict:
    return {"name": BAND, "description": "land cover class, ESA CCI-LC legend (LCCS)"}


def landcover_collection() -> dict:
    """Return the ``esa-cci-lc`` collection document."""
    return {
        "type": "Collection",
        "stac_version": "1.0.0",
        "stac_extensions": [EO, PROJ, FILE, ITEM_ASSETS, RASTER, CLASSIFICATION],
        "id": COLLECTION,
        "title": "Land cover (ESA CCI-LC legend), simulated",
        "description": (
            "Land-cover maps written by `canopy simulate` next to its L2B products: the "
            "simulated classes in the ESA CCI Land Cover legend, with realistic map errors "
            "(a share of land pixels, 12 % by default, shows a neighbouring class). One map "
            "per simulation, on the L2B products' 1/112° grid; the retrieval reads it to "
            "choose land-cover dependent priors."
        ),
        "license": "CC-BY-4.0",
        "keywords": ["land cover", "ESA CCI", "LCCS", "simulated"],
        "providers": [{"name": "Canopy simulate", "roles": ["producer", "host"]}],
        "extent": {
            "spatial": {"bbox": [[-180.0, -90.0, 180.0, 90.0]]},
            # the CCI-LC series starts in 1992; simulated periods lie anywhere after it
            "temporal": {"interval": [["1992-01-01T00:00:00Z", None]]},
        },
        "summaries": {
            "eo:bands": [_band()],
            "proj:epsg": [4326],
            "classification:classes": _classes(),
        },
        "item_assets": {
            BAND: {
                "type": COG,
                "roles": ["data"],
                "title": "Land cover class (CCI-LC codes)",
                "eo:bands": [_band()],
                "raster:bands": [{"nodata": NODATA, "data_type": "uint8"}],
                "classification:classes": _classes(),
            }
        },
        "links": [],
    }


def map_item(path: str, name: MapName, checksum: str, size: int, public_url: str) -> dict:
    """Build the STAC item of a map file (reads its header).

    Args:
        path: absolute path of the GeoTIFF.
        name: its parsed file name.
        checksum: ``file:checksum`` multihash.
        size: bytes.
        public_url: base of the asset's HTTP href.

    Raises:
        rasterio.errors.RasterioIOError: not a readable raster.
        ValueError: not a one-band EPSG:4326 map.
    """
    import rasterio  # here, not above: the scan workers import this module for the names only

    with rasterio.open(path) as src:
        if src.count != 1 or src.crs is None or src.crs.to_epsg() != 4326:
            raise ValueError("a land-cover map is one band in EPSG:4326")
        t, (ny, nx) = src.transform, src.shape
        w, s, e, n = src.bounds
    start, end = f"{name.start:%Y-%m-%d}T00:00:00Z", f"{name.end:%Y-%m-%d}T23:59:59Z"
    bw, be = max(w, -180.0), min(e, 180.0)  # GeoJSON longitudes stop at ±180
    return {
        "type": "Feature",
        "stac_version": "1.0.0",
        "stac_extensions": [EO, PROJ, FILE, RASTER, CLASSIFICATION, ALTERNATE],
        "id": name.item_id,
        "collection": COLLECTION,
        "bbox": [bw, s, be, n],
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[bw, s], [be, s], [be, n], [bw, n], [bw, s]]],
        },
        "properties": {
            # a static map, valid for the period simulated: temporal filters find it there
            "datetime": start,
            "start_datetime": start,
            "end_datetime": end,
            "proj:epsg": 4326,
            "proj:shape": [ny, nx],
            "proj:transform": [t.a, t.b, t.c, t.d, t.e, t.f, 0.0, 0.0, 1.0],
            "canopy:tile": name.tile,
        },
        "links": [],
        "assets": {
            BAND: {
                **data_asset_hrefs(public_url, COLLECTION, name.item_id, path),
                "type": COG,
                "roles": ["data"],
                "title": "Land cover class (CCI-LC codes)",
                "file:checksum": checksum,
                "file:size": size,
                "eo:bands": [_band()],
                "raster:bands": [{"nodata": NODATA, "data_type": "uint8"}],
                "classification:classes": _classes(),
            }
        },
    }
