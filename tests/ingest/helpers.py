"""Helpers shared by the ingest tests."""

from __future__ import annotations

from ingest.grid import PROBAV_1KM


def crop_bbox(tile: str, row0: int, col0: int, size: int) -> tuple[float, float, float, float]:
    """A bbox selecting exactly ``size``×``size`` pixels starting at (row0, col0) of a tile."""
    lon0, lat0 = PROBAV_1KM.pixel_to_lonlat(tile, row0, col0)
    px = PROBAV_1KM.pixel_size
    return (
        lon0 - 0.4 * px,
        lat0 - (size - 1 + 0.4) * px,
        lon0 + (size - 1 + 0.4) * px,
        lat0 + 0.4 * px,
    )
