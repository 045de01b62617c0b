"""C3S L2B product file names: build and parse ``c3s_L2B_<date>_<tile>_<time>_1KM_<SENSOR>_V<v>.nc``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property

_NAME_RE = re.compile(
    r"^c3s_L2B_(?P<date>\d{8})_(?P<tile>X\d{2}Y\d{2})_(?P<time>\d{6})_1KM_"
    r"(?P<token>[A-Z0-9-]+)_V(?P<version>[0-9][0-9.]*)\.nc$"
)


@dataclass(frozen=True)
class ProductName:
    """The fields encoded in a product file name."""

    start: datetime
    """Acquisition segment start (UTC, naive in the name, aware here)."""
    tile: str
    """Grid tile, e.g. ``X18Y02``."""
    token: str
    """Sensor token, e.g. ``PROBAV`` (a registry ``product_token``)."""
    version: str
    """Product version without the ``V``."""

    @cached_property
    def filename(self) -> str:
        """The canonical file name."""
        return product_filename(self.start, self.tile, self.token, self.version)

    @cached_property
    def item_id(self) -> str:
        """The STAC item id: the file name without ``.nc``."""
        return self.filename[:-3]


def product_filename(start: datetime, tile: str, token: str, version: str) -> str:
    """Return the file name of a product."""
    # explicit fields, not strftime: this runs once per scanned file
    day = f"{start.year:04d}{start.month:02d}{start.day:02d}"
    clock = f"{start.hour:02d}{start.minute:02d}{start.second:02d}"
    return f"c3s_L2B_{day}_{tile}_{clock}_1KM_{token}_V{version}.nc"


def parse_product_name(name: str) -> ProductName | None:
    """Parse a file name; return ``None`` when it is not an L2B product name."""
    m = _NAME_RE.match(name)
    if not m:
        return None
    d, t = m["date"], m["time"]
    try:  # not strptime: ten times slower, and this runs for every file of a walk
        start = datetime(
            int(d[:4]), int(d[4:6]), int(d[6:]), int(t[:2]), int(t[2:4]), int(t[4:]), tzinfo=UTC
        )
    except ValueError:  # e.g. a 13th month: looks like a product, is not one
        return None
    return ProductName(start=start, tile=m["tile"], token=m["token"], version=m["version"])
