"""Spatial and temporal extents of load requests: pg-parser objects or plain JSON, normalised."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
from pyproj import CRS
from pyproj.exceptions import CRSError
from rasterio.warp import transform_bounds

from processes.exceptions import ProcessParameterInvalid

WGS84 = "EPSG:4326"


def crs_code(crs: Any) -> str:
    """``EPSG:<n>`` when the CRS has an EPSG code, else its WKT2 text."""
    parsed = CRS.from_user_input(crs)
    epsg = parsed.to_epsg()
    return f"EPSG:{epsg}" if epsg else parsed.to_wkt()


@dataclass(frozen=True)
class SpatialExtent:
    """A bounding box in a named CRS (``crs`` as ``EPSG:<n>`` or WKT)."""

    west: float
    """Minimum x (longitude, easting)."""
    south: float
    """Minimum y."""
    east: float
    """Maximum x."""
    north: float
    """Maximum y."""
    crs: str = WGS84
    """CRS of the four numbers."""

    def bounds_in(self, crs: Any) -> tuple[float, float, float, float]:
        """The envelope ``(minx, miny, maxx, maxy)`` of this box in ``crs`` (edges densified)."""
        target = crs_code(crs)
        box = (self.west, self.south, self.east, self.north)
        if CRS.from_user_input(target) == CRS.from_user_input(self.crs):
            return box
        return tuple(transform_bounds(self.crs, target, *box, densify_pts=21))  # type: ignore[return-value]

    def wgs84(self) -> tuple[float, float, float, float]:
        """The envelope in longitude/latitude."""
        return self.bounds_in(WGS84)

    def __str__(self) -> str:
        return f"[{self.west}, {self.south}, {self.east}, {self.north}] ({self.crs})"


def spatial_extent(value: Any, process: str = "load_collection") -> SpatialExtent | None:
    """Normalise a ``spatial_extent`` argument.

    Accepts pg-parser's ``BoundingBox``, a plain ``{west, south, east, north, crs}`` dict, a
    GeoJSON geometry/Feature/FeatureCollection (its envelope; openEO allows polygons) or None.

    Raises:
        ProcessParameterInvalid: unknown CRS, west > east, south > north or an unknown shape.
    """
    if value is None:
        return None
    parameter = (process, "spatial_extent")
    dump = getattr(value, "model_dump", None)
    raw = dump() if callable(dump) else value
    if not isinstance(raw, Mapping):
        raise _invalid(parameter, f"expected a bounding box or GeoJSON, got {type(value).__name__}")
    if "type" in raw and "west" not in raw:
        return _geojson_envelope(raw, parameter)
    try:
        west, south, east, north = (float(raw[k]) for k in ("west", "south", "east", "north"))
    except (KeyError, TypeError, ValueError) as e:
        raise _invalid(parameter, f"needs numeric west, south, east and north ({e})") from e
    try:
        crs = crs_code(raw.get("crs") if raw.get("crs") not in (None, "") else 4326)
    except CRSError as e:
        raise _invalid(parameter, f"unknown crs {raw.get('crs')!r}") from e
    if west > east or south > north:
        raise _invalid(parameter, "west must not exceed east, nor south north")
    return SpatialExtent(west, south, east, north, crs)


def _geojson_envelope(geojson: Mapping[str, Any], parameter: tuple[str, str]) -> SpatialExtent:
    coords: list[float] = []

    def walk(node: Any) -> None:
        if isinstance(node, Mapping):
            kind = node.get("type")
            if kind == "FeatureCollection":
                for f in node.get("features") or []:
                    walk(f)
            elif kind == "Feature":
                walk(node.get("geometry"))
            elif kind == "GeometryCollection":
                for g in node.get("geometries") or []:
                    walk(g)
            elif "coordinates" in node:
                coords.extend(np.asarray(node["coordinates"], dtype=float).reshape(-1).tolist())
        elif node is not None:
            raise _invalid(parameter, "not a GeoJSON object")

    try:
        walk(geojson)
        xy = np.asarray(coords, dtype=float).reshape(-1, 2)
    except (ValueError, TypeError) as e:
        raise _invalid(parameter, f"cannot read GeoJSON coordinates ({e})") from e
    if xy.size == 0:
        raise _invalid(parameter, "GeoJSON without coordinates")
    (w, s), (e, n) = xy.min(axis=0), xy.max(axis=0)
    return SpatialExtent(float(w), float(s), float(e), float(n), WGS84)


@dataclass(frozen=True)
class TemporalExtent:
    """A half-open interval ``[start, end)`` in UTC; either bound may be open (None)."""

    start: datetime | None
    """First instant included."""
    end: datetime | None
    """First instant excluded."""

    def contains(self, start: datetime, end: datetime | None = None) -> bool:
        """Whether an instant (or a range ``[start, end]``) overlaps the interval."""
        end = end or start
        if self.start is not None and end < self.start:
            return False
        return not (self.end is not None and start >= self.end)

    def __str__(self) -> str:
        return f"[{_iso(self.start) or '..'}, {_iso(self.end) or '..'})"


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def to_utc(value: Any) -> datetime | None:
    """A datetime in UTC from a pg-parser time object, a datetime/date or an ISO 8601 string."""
    if value is None:
        return None
    value = getattr(value, "root", value)  # pg-parser Year/Date/DateTime RootModels
    if isinstance(value, datetime):
        stamp = value
    elif isinstance(value, date):
        stamp = datetime(value.year, value.month, value.day, tzinfo=UTC)
    elif isinstance(value, np.datetime64):
        stamp = datetime.fromisoformat(str(value.astype("datetime64[us]")))
    elif isinstance(value, str):
        text = value.strip().replace("Z", "+00:00")
        if len(text) == 4 and text.isdigit():  # a bare year
            text += "-01-01"
        stamp = datetime.fromisoformat(text)
    else:
        raise TypeError(f"not a time: {value!r}")
    if stamp.tzinfo is None:
        return stamp.replace(tzinfo=UTC)
    # pendulum datetimes are datetime subclasses; a plain datetime keeps comparisons simple
    return datetime.fromtimestamp(stamp.timestamp(), UTC)


def temporal_extent(value: Any, process: str = "load_collection") -> TemporalExtent:
    """Normalise a ``temporal_extent``: pg-parser ``TemporalInterval``, a two-item list or None.

    Raises:
        ProcessParameterInvalid: not two items, unparsable instants, or start not before end.
    """
    if value is None:
        return TemporalExtent(None, None)
    parameter = (process, "temporal_extent")
    items = list(getattr(value, "root", value))
    if len(items) != 2:
        raise _invalid(parameter, "expected [start, end]")
    try:
        start, end = (to_utc(v) for v in items)
    except (TypeError, ValueError) as e:
        raise _invalid(parameter, str(e)) from e
    if start is not None and end is not None and start >= end:
        raise _invalid(parameter, f"start {_iso(start)} is not before end {_iso(end)}")
    return TemporalExtent(start, end)


def _invalid(where: tuple[str, str], reason: str) -> ProcessParameterInvalid:
    process, parameter = where
    return ProcessParameterInvalid(parameter=parameter, process=process, reason=reason)
