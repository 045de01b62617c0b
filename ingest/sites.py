"""Test-data sites (seed tables tds/tds_year): CSV loader, footprints, STAC items, DB table."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import psycopg

from ingest.grid import PROBAV_1KM, TileGrid

SITES_FILE = Path(__file__).parent / "sites" / "sites.csv"
"""The sites shipped with Canopy."""

SITES_COLLECTION = "vp-sites"
"""STAC collection id of the site footprints."""

FOOTPRINT_PIXELS = 3
"""Footprint side in grid pixels (~3×3 km on the 1 km grid), centred on the site's pixel."""


class SiteError(ValueError):
    """A sites file row is invalid; names the file, row, field and reason."""


@dataclass(frozen=True)
class Site:
    """One validation site."""

    code: str
    """Network site code, e.g. ``DE-Hai``."""
    name: str
    """Human-readable name."""
    network: str
    """Network(s) the site belongs to (the seed's "collection")."""
    country: str
    """ISO country code."""
    land_cover: str
    """Dominant land cover."""
    lon: float
    """Tower longitude (degrees east)."""
    lat: float
    """Tower latitude (degrees north)."""
    years: tuple[int, ...]
    """Years of interest."""
    coord_source: str = ""
    """Where ``lon``/``lat`` were checked (keys of the source table in docs/discovery.md)."""

    def footprint(self, grid: TileGrid = PROBAV_1KM) -> tuple[float, float, float, float]:
        """Return ``(west, south, east, north)`` of the 3×3-pixel block around the site pixel."""
        tile, row, col = grid.lonlat_to_pixel(self.lon, self.lat)
        lon, lat = grid.pixel_to_lonlat(tile, row, col)
        half = FOOTPRINT_PIXELS * grid.pixel_size / 2
        return lon - half, lat - half, lon + half, lat + half

    def tile(self, grid: TileGrid = PROBAV_1KM) -> str:
        """Return the tile holding the site's pixel."""
        return grid.lonlat_to_pixel(self.lon, self.lat)[0]


def _years(text: str) -> tuple[int, ...]:
    years: list[int] = []
    for part in text.split(";"):
        lo, _, hi = part.strip().partition("-")
        years.extend(range(int(lo), int(hi or lo) + 1))
    return tuple(years)


def load_sites(path: str | Path = SITES_FILE) -> list[Site]:
    """Load and validate a sites CSV (``years`` as ``2014-2020`` or ``2015;2018``).

    Raises:
        SiteError: naming the file, row, field and reason.
    """
    path = Path(path)
    sites: list[Site] = []
    with path.open(newline="") as fh:
        for n, row in enumerate(csv.DictReader(fh), start=2):
            for field in ("lon", "lat", "years"):
                try:
                    value = _years(row[field]) if field == "years" else float(row[field])
                except (KeyError, TypeError, ValueError) as e:
                    raise SiteError(f"{path}: row {n}: {field}: {e}") from e
                row[field] = value
            if not (-180 <= row["lon"] <= 180 and -90 <= row["lat"] <= 90):
                raise SiteError(f"{path}: row {n}: lon/lat: outside the globe")
            try:
                sites.append(Site(**row))
            except TypeError as e:
                raise SiteError(f"{path}: row {n}: <columns>: {e}") from e
    codes = [s.code for s in sites]
    if len(set(codes)) != len(codes):
        raise SiteError(f"{path}: code: duplicate site codes")
    return sites


def site_item(site: Site) -> dict:
    """Return the STAC item of a site footprint."""
    w, s, e, n = site.footprint()
    return {
        "type": "Feature",
        "stac_version": "1.0.0",
        "stac_extensions": [],
        "id": site.code,
        "collection": SITES_COLLECTION,
        "bbox": [w, s, e, n],
        "geometry": {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]},
        "properties": {
            "title": site.name,
            "datetime": None,
            "start_datetime": f"{min(site.years)}-01-01T00:00:00Z",
            "end_datetime": f"{max(site.years)}-12-31T23:59:59Z",
            "canopy:network": site.network,
            "canopy:country": site.country,
            "canopy:land_cover": site.land_cover,
            "canopy:tile": site.tile(),
            "canopy:years": list(site.years),
            "canopy:tower": [site.lon, site.lat],
            "canopy:tower_source": site.coord_source,
        },
        "links": [],
        "assets": {},
    }


def sites_collection(sites: list[Site]) -> dict:
    """Return the STAC collection of the site footprints."""
    years = [y for s in sites for y in s.years]
    return {
        "type": "Collection",
        "stac_version": "1.0.0",
        "id": SITES_COLLECTION,
        "title": "VP validation sites",
        "description": "Footprints (3x3 km on the 1 km grid) of vegetation validation sites.",
        "license": "proprietary",
        "extent": {
            "spatial": {"bbox": [[-180.0, -90.0, 180.0, 90.0]]},
            "temporal": {
                "interval": [[f"{min(years)}-01-01T00:00:00Z", f"{max(years)}-12-31T23:59:59Z"]]
            },
        },
        "links": [],
    }


_UPSERT = """
INSERT INTO canopy.sites (code, name, network, country, land_cover, lon, lat, tile, years, geom)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, ST_MakeEnvelope(%s, %s, %s, %s, 4326))
ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, network = EXCLUDED.network,
  country = EXCLUDED.country, land_cover = EXCLUDED.land_cover, lon = EXCLUDED.lon,
  lat = EXCLUDED.lat, tile = EXCLUDED.tile, years = EXCLUDED.years, geom = EXCLUDED.geom,
  updated_at = now()
"""


def store_sites(dsn: str, sites: list[Site]) -> int:
    """Upsert sites into ``canopy.sites``; return how many rows were written."""
    rows = [
        (
            s.code,
            s.name,
            s.network,
            s.country,
            s.land_cover,
            s.lon,
            s.lat,
            s.tile(),
            list(s.years),
            *s.footprint(),
        )
        for s in sites
    ]
    with psycopg.connect(dsn) as conn:
        conn.execute("SET search_path TO canopy, public")
        with conn.cursor() as cur:
            cur.executemany(_UPSERT, rows)
    return len(rows)
