"""Output STAC: the collections of published products and one item per product file."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from ingest.collections import FILE, NETCDF, PROJ
from ingest.hrefs import ALTERNATE, data_asset_hrefs
from ingest.publish.quicklook import NODATA, QUICKLOOKS
from ingest.publish.settings import PublishSettings
from processes.repackage import CciProduct
from processes.repackage.attributes import ALGORITHM
from stac import catalog

TILES = "vp-lai-fapar-tiles"
SITES = "vp-lai-fapar-sites"
COLLECTIONS = {"tile": TILES, "site": SITES}
"""Output collection of each product kind."""

PROCESSING = "https://stac-extensions.github.io/processing/v1.2.0/schema.json"
RASTER = "https://stac-extensions.github.io/raster/v1.1.0/schema.json"
SCIENTIFIC = "https://stac-extensions.github.io/scientific/v1.0.0/schema.json"
COG = "image/tiff; application=geotiff; profile=cloud-optimized"
PNG = "image/png"


@dataclass(frozen=True)
class FileInfo:
    """A written file: absolute final path, checksum (multihash hex) and size."""

    path: str
    checksum: str
    size: int


def _iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def output_collection(kind: str, settings: PublishSettings) -> dict:
    """The STAC collection of tile or site products."""
    what = (
        "one file per 1 km tile and 5-day step" if kind == "tile"
        else "one file per validation site and year holding the 5-day series"
    )  # fmt: skip
    doc = {
        "type": "Collection",
        "stac_version": "1.0.0",
        "stac_extensions": [PROJ, FILE, PROCESSING, RASTER],
        "id": COLLECTIONS[kind],
        "title": f"VP LAI/fAPAR {kind} products (ESA CCI format)",
        "description": f"Published LAI and fAPAR with uncertainties and quality bits, {what}; "
        f"CF-1.8 NetCDF to ESA CCI Data Standards, {ALGORITHM} retrieval.",
        "license": "proprietary",
        "keywords": ["LAI", "fAPAR", "ESA CCI", "vegetation parameters", kind],
        "providers": [{"name": settings.product_institution, "roles": ["producer", "processor"]}],
        "extent": {
            "spatial": {"bbox": [[-180.0, -90.0, 180.0, 90.0]]},
            "temporal": {"interval": [["1998-01-01T00:00:00Z", None]]},
        },
        "summaries": {"proj:epsg": [4326], "processing:level": ["L3S"]},
        "links": [],
    }
    if settings.product_doi:
        doc["stac_extensions"].append(SCIENTIFIC)
        doc["sci:doi"] = settings.product_doi
    return doc


def _quicklook_assets(files: Mapping[str, FileInfo], n_steps: int, hrefs) -> dict:
    assets = {}
    for var, q in QUICKLOOKS.items():
        f = files.get(var)
        if f is None:
            continue
        band = {"nodata": NODATA, "data_type": "uint8", "scale": q.scale, "offset": q.offset}
        assets[f"quicklook_{var.lower()}"] = {
            **hrefs(f.path), "type": COG, "roles": ["visual"],
            "title": f"{var} quicklook (physical = {q.scale}·DN + {q.offset}, DN {NODATA} = no data)",
            "raster:bands": [band] * n_steps, "file:checksum": f.checksum, "file:size": f.size,
        }  # fmt: skip
    if "thumbnail" in files:
        f = files["thumbnail"]
        assets["thumbnail"] = {
            **hrefs(f.path), "type": PNG, "roles": ["thumbnail"], "title": "LAI thumbnail",
            "file:checksum": f.checksum, "file:size": f.size,
        }  # fmt: skip
    return assets


def product_item(
    product: CciProduct,
    files: Mapping[str, FileInfo],
    derived_from: Sequence[str],
    settings: PublishSettings,
    fingerprint: str,
) -> dict:
    """The STAC item of one published product file.

    Args:
        product: the product.
        files: ``data`` (the NetCDF) and optional ``LAI``, ``fAPAR`` (COGs), ``thumbnail``.
        derived_from: input items (``<collection>/<id>``) whose dates (or periods) fall in its
            windows.
        settings: public URL (links) and DOI.
        fingerprint: what the item and file were made from (idempotent re-publication).
    """
    ds = product.dataset
    w, s = float(ds.attrs["geospatial_lon_min"]), float(ds.attrs["geospatial_lat_min"])
    e, n = float(ds.attrs["geospatial_lon_max"]), float(ds.attrs["geospatial_lat_max"])
    ny, nx = ds.sizes["lat"], ds.sizes["lon"]
    steps = [str(d) for d in product.steps]
    props = {
        "title": ds.attrs["title"],
        "datetime": f"{steps[0]}T00:00:00Z" if product.kind == "tile" else None,
        "start_datetime": _iso(product.start),
        # STAC intervals are inclusive, the window is not: it ends the second before
        "end_datetime": _iso(product.end - timedelta(seconds=1)),
        "created": ds.attrs["date_created"],
        "platform": ds.attrs["platform"],
        "instruments": ds.attrs["sensor"].split(", "),
        "proj:epsg": 4326,
        "proj:shape": [ny, nx],
        "proj:transform": [(e - w) / nx, 0.0, w, 0.0, -(n - s) / ny, n, 0.0, 0.0, 1.0],
        "processing:level": "L3S",
        "processing:software": {"canopy": settings.metadata().software},
        "processing:lineage": f"{ALGORITHM} retrieval of C3S L2B TOC reflectance, "
        "repackaged to ESA CCI Data Standards (repackage_cci)",
        "canopy:algorithm": ALGORITHM,
        "canopy:parameters": dict(product.info.parameters),
        "canopy:tile": product.info.tile,
        "canopy:steps": steps,
        "canopy:window_days": product.info.window_days,
        "canopy:interval_days": product.info.interval_days,
        "canopy:product_version": ds.attrs["product_version"],
        "canopy:tracking_id": ds.attrs["tracking_id"],
        "canopy:source_fingerprint": fingerprint,
    }
    if product.kind == "site":
        props |= {"canopy:site": product.info.site_id, "canopy:site_name": product.info.site_name}
    if product.info.job_ids:
        props["canopy:job_ids"] = list(product.info.job_ids)
    extensions = [PROJ, FILE, PROCESSING, RASTER, ALTERNATE]
    links = [
        {"rel": "derived_from", "href": f"{settings.stac_url}/collections/{ref.split('/')[0]}"
         f"/items/{ref.split('/')[1]}", "type": "application/geo+json", "title": ref}
        for ref in derived_from
    ]  # fmt: skip
    links += [
        {"rel": "related", "href": settings.job_url(job), "type": "application/json",
         "title": f"openEO batch job {job} that produced this product"}
        for job in product.info.job_ids
    ]  # fmt: skip
    if settings.product_doi:
        extensions.append(SCIENTIFIC)
        props["sci:doi"] = settings.product_doi
        links.append({"rel": "cite-as", "href": f"https://doi.org/{settings.product_doi}"})
    collection = COLLECTIONS[product.kind]

    def hrefs(path: str) -> dict:
        # served by the API's /data route; the local file is the alternate Canopy reads
        return data_asset_hrefs(settings.public_url, collection, product.item_id, path)

    data = files["data"]
    main = {
        **hrefs(data.path), "type": NETCDF, "roles": ["data"],
        "title": "CF-1.8 NetCDF-4 product (ESA CCI Data Standards)",
        "file:checksum": data.checksum, "file:size": data.size,
    }  # fmt: skip
    assets = {"data": main} | _quicklook_assets(files, len(steps), hrefs)
    return {
        "type": "Feature",
        "stac_version": "1.0.0",
        "stac_extensions": extensions,
        "id": product.item_id,
        "collection": collection,
        "bbox": [w, s, e, n],
        "geometry": {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]},
        "properties": props,
        "links": links,
        "assets": assets,
    }


def published_items(dsn: str, page_size: int = 1000) -> list[dict]:
    """Every item of the output collections, page by page (``next`` tokens of pgstac)."""
    items: list[dict] = []
    for collection in COLLECTIONS.values():
        query: dict = {"collections": [collection], "limit": page_size}
        while True:
            page = catalog.search(dsn, query)
            items += page.get("features", [])
            nxt = [lk["href"] for lk in page.get("links", []) if lk.get("rel") == "next"]
            if not nxt:
                break
            query = query | {"token": nxt[0].split("token=", 1)[1]}
    return items
