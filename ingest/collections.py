"""STAC collections of the sensors: ``eo:bands`` plus the ``vp:`` block readers consume."""

from __future__ import annotations

from ingest.registry import Sensor

EO = "https://stac-extensions.github.io/eo/v1.1.0/schema.json"
PROJ = "https://stac-extensions.github.io/projection/v1.1.0/schema.json"
FILE = "https://stac-extensions.github.io/file/v2.1.0/schema.json"
ITEM_ASSETS = "https://stac-extensions.github.io/item-assets/v1.0.0/schema.json"

NETCDF = "application/x-netcdf"
"""Media type of the product assets."""


def eo_bands(sensor: Sensor) -> list[dict]:
    """Return the ``eo:bands`` list of a sensor (wavelengths in micrometres)."""
    bands = []
    for b in sensor.bands:
        entry = {
            "name": b.name,
            "center_wavelength": round(b.srf.centre / 1000, 6),
            "full_width_half_max": round(b.srf.fwhm / 1000, 6),
        }
        if b.common_name:
            entry["common_name"] = b.common_name
        bands.append(entry)
    return bands


def sensor_collection(sensor: Sensor) -> dict:
    """Return the STAC collection of a sensor's L2B products.

    The ``vp:`` field holds the whole registry entry (paths, factors, bitmasks) as plain JSON,
    so a reader needs only the collection, never the YAML files.
    """
    end = f"{sensor.mission_end}T23:59:59Z" if sensor.mission_end else None
    return {
        "type": "Collection",
        "stac_version": "1.0.0",
        "stac_extensions": [EO, PROJ, FILE, ITEM_ASSETS],
        "id": sensor.id,
        "title": sensor.title,
        "description": sensor.description,
        "license": "proprietary",
        "keywords": ["L2B", "TOC reflectance", sensor.platform, sensor.instrument],
        "providers": [{"name": "Canopy ingest", "roles": ["host"]}],
        "extent": {
            "spatial": {"bbox": [[-180.0, -90.0, 180.0, 90.0]]},
            "temporal": {"interval": [[f"{sensor.mission_start}T00:00:00Z", end]]},
        },
        "summaries": {
            "platform": [sensor.platform],
            "instruments": [sensor.instrument],
            "eo:bands": eo_bands(sensor),
            "proj:epsg": [4326],
        },
        "item_assets": {
            "data": {
                "type": NETCDF,
                "roles": ["data"],
                "title": f"{sensor.product_level} NetCDF-4 product",
                "eo:bands": eo_bands(sensor),
            }
        },
        "vp:cycle": sensor.cycle,
        "vp:product_token": sensor.product_token,
        "vp": sensor.vp(),
        "links": [],
    }
