"""CCI product file names and the publication directory tree (DESIGN.md §7)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

PREFIX = "ESACCI-VEGETATION-L3S-VP_PRODUCTS-MERGED"
"""CCI project, processing level, data type and product string of every VP product."""

_NAME_RE = re.compile(
    rf"^{PREFIX}-(?:tile_(?P<tile>X\d{{2}}Y\d{{2}})-(?P<day>\d{{8}})"
    r"|site_(?P<site>[A-Za-z0-9-]+)_(?P<name>[A-Za-z0-9-]+)-(?P<year>\d{4}))"
    r"-fv(?P<version>[0-9][0-9.]*)\.nc$"
)


def name_token(text: str) -> str:
    """A file-name-safe token: ASCII letters, digits and ``-`` (``_`` separates id and name)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-") or "unnamed"


def tile_filename(tile: str, day: date, version: str) -> str:
    """``ESACCI-VEGETATION-L3S-VP_PRODUCTS-MERGED-tile_<tile>-<YYYYMMDD>-fv<version>.nc``."""
    return f"{PREFIX}-tile_{tile}-{day:%Y%m%d}-fv{version}.nc"


def site_filename(site_id: str, site_name: str, year: int, version: str) -> str:
    """``ESACCI-VEGETATION-L3S-VP_PRODUCTS-MERGED-site_<id>_<name>-<YYYY>-fv<version>.nc``."""
    return f"{PREFIX}-site_{name_token(site_id)}_{name_token(site_name)}-{year:04d}-fv{version}.nc"


def tile_relpath(tile: str, day: date, version: str) -> str:
    """Path of a tile product below the publication root: ``transect/<YYYY>/<tile>/<name>``."""
    return f"transect/{day:%Y}/{tile}/{tile_filename(tile, day, version)}"


def site_relpath(site_id: str, site_name: str, year: int, version: str) -> str:
    """Path of a site product below the publication root: ``sites/<YYYY>/<name>``."""
    return f"sites/{year:04d}/{site_filename(site_id, site_name, year, version)}"


@dataclass(frozen=True)
class ProductName:
    """The fields of a product file name."""

    kind: str
    """``tile`` or ``site``."""
    key: str
    """Tile (``X18Y02``) or site id token (``FR-Fon``)."""
    period: str
    """``YYYYMMDD`` (tile) or ``YYYY`` (site)."""
    version: str
    """File version without ``fv``."""
    site_name: str | None = None
    """Site name token (site products)."""


def parse_filename(name: str) -> ProductName | None:
    """Parse a product file name; ``None`` when it is not one."""
    m = _NAME_RE.match(name)
    if not m:
        return None
    if m["tile"]:
        return ProductName("tile", m["tile"], m["day"], m["version"])
    return ProductName("site", m["site"], m["year"], m["version"], m["name"])
