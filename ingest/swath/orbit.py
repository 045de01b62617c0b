"""Swath geolocation and sun/view angles of a near-polar scanner on a spherical Earth."""

from __future__ import annotations

import dataclasses

import numpy as np
from numpy.typing import NDArray

EARTH_RADIUS_KM = 6371.0088
_MU_KM3_S2 = 398600.4418
_EARTH_ROTATION = 7.2921159e-5  # rad/s


@dataclasses.dataclass(frozen=True)
class ScannerGeometry:
    """Orbit and scan geometry of a cross-track scanner."""

    altitude_km: float
    """Orbit altitude."""
    max_scan_deg: float
    """Largest scan angle from nadir."""
    n_pixels: int
    """Samples per scan line (uniform in scan angle)."""
    line_spacing_km: float
    """Ground distance between scan lines at nadir."""
    inclination_deg: float = 98.7
    """Orbit inclination (sun-synchronous)."""

    @property
    def ground_speed_km_s(self) -> float:
        """Speed of the sub-satellite point."""
        a = EARTH_RADIUS_KM + self.altitude_km
        return np.sqrt(_MU_KM3_S2 / a) * EARTH_RADIUS_KM / a


def _destination(lat, lon, bearing, angle):
    # Point at central angle ``angle`` (rad) from (lat, lon) along ``bearing`` (rad), sphere.
    la, lo = np.radians(lat), np.radians(lon)
    la2 = np.arcsin(np.sin(la) * np.cos(angle) + np.cos(la) * np.sin(angle) * np.cos(bearing))
    y = np.sin(bearing) * np.sin(angle) * np.cos(la)
    lo2 = lo + np.arctan2(y, np.cos(angle) - np.sin(la) * np.sin(la2))
    return np.degrees(la2), (np.degrees(lo2) + 180.0) % 360.0 - 180.0


def _bearing(lat1, lon1, lat2, lon2):
    la1, la2 = np.radians(lat1), np.radians(lat2)
    dl = np.radians(lon2 - lon1)
    y = np.sin(dl) * np.cos(la2)
    x = np.cos(la1) * np.sin(la2) - np.sin(la1) * np.cos(la2) * np.cos(dl)
    return np.arctan2(y, x)


def ground_track(
    geom: ScannerGeometry, lat0: float, lon0: float, ascending: bool, seconds: NDArray
) -> tuple[NDArray, NDArray, NDArray]:
    """Sub-satellite latitude, longitude and heading (rad) at times after passing (lat0, lon0)."""
    inc = np.radians(geom.inclination_deg)
    a = EARTH_RADIUS_KM + geom.altitude_km
    n = np.sqrt(_MU_KM3_S2 / a**3)
    u0 = np.arcsin(np.clip(np.sin(np.radians(lat0)) / np.sin(inc), -1, 1))
    if not ascending:
        u0 = np.pi - u0
    node = np.radians(lon0) - np.arctan2(np.cos(inc) * np.sin(u0), np.cos(u0))

    def at(t):
        u = u0 + n * t
        lat = np.degrees(np.arcsin(np.sin(inc) * np.sin(u)))
        lon = np.degrees(
            node + np.arctan2(np.cos(inc) * np.sin(u), np.cos(u)) - _EARTH_ROTATION * t
        )
        return lat, (lon + 180.0) % 360.0 - 180.0

    lat, lon = at(seconds)
    lat2, lon2 = at(seconds + 1.0)
    return lat, lon, _bearing(lat, lon, lat2, lon2)


def swath_geolocation(
    geom: ScannerGeometry, lat0: float, lon0: float, ascending: bool, n_lines: int
) -> dict[str, NDArray]:
    """Per-pixel lat/lon, view zenith and azimuth, and per-line seconds from the segment start.

    Args:
        geom: scanner geometry.
        lat0: latitude of the first line's nadir point.
        lon0: longitude of the first line's nadir point.
        ascending: northbound pass.
        n_lines: scan lines in the segment.

    Returns:
        ``lat``, ``lon``, ``vza``, ``vaa`` (lines, pixels) and ``seconds`` (lines).
    """
    seconds = np.arange(n_lines) * geom.line_spacing_km / geom.ground_speed_km_s
    slat, slon, heading = ground_track(geom, lat0, lon0, ascending, seconds)
    scan = np.radians(np.linspace(-geom.max_scan_deg, geom.max_scan_deg, geom.n_pixels))
    ratio = (EARTH_RADIUS_KM + geom.altitude_km) / EARTH_RADIUS_KM
    vza = np.arcsin(np.clip(ratio * np.sin(np.abs(scan)), -1, 1))
    central = vza - np.abs(scan)
    # Negative scan angles look left of the track, positive ones right.
    side = np.where(scan < 0, -np.pi / 2, np.pi / 2)
    bearing = heading[:, None] + side[None, :]
    lat, lon = _destination(slat[:, None], slon[:, None], bearing, central[None, :])
    vaa = np.degrees(_bearing(lat, lon, slat[:, None], slon[:, None])) % 360.0
    vza_deg = np.broadcast_to(np.degrees(vza), lat.shape).copy()
    return {"lat": lat, "lon": lon, "vza": vza_deg, "vaa": vaa, "seconds": seconds}


def solar_angles(lat: NDArray, lon: NDArray, time: NDArray) -> tuple[NDArray, NDArray]:
    """Solar zenith and azimuth (degrees, azimuth clockwise from north), NOAA formulas.

    Args:
        lat: latitudes.
        lon: longitudes.
        time: UTC times (datetime64), broadcastable to ``lat``.

    Returns:
        (sza, saa).
    """
    t = np.asarray(time, dtype="datetime64[ns]")
    day = (t - t.astype("datetime64[Y]")).astype("timedelta64[s]").astype(float) / 86400.0
    hours = (day % 1.0) * 24.0
    g = 2 * np.pi / 365.0 * (np.floor(day) + (hours - 12) / 24)
    eqtime = 229.18 * (0.000075 + 0.001868 * np.cos(g) - 0.032077 * np.sin(g)
                       - 0.014615 * np.cos(2 * g) - 0.040849 * np.sin(2 * g))  # fmt: skip
    decl = (0.006918 - 0.399912 * np.cos(g) + 0.070257 * np.sin(g) - 0.006758 * np.cos(2 * g)
            + 0.000907 * np.sin(2 * g) - 0.002697 * np.cos(3 * g) + 0.00148 * np.sin(3 * g))  # fmt: skip
    true_solar_min = hours * 60.0 + eqtime + 4.0 * np.asarray(lon)
    ha = np.radians(true_solar_min / 4.0 - 180.0)
    la = np.radians(lat)
    cos_z = np.sin(la) * np.sin(decl) + np.cos(la) * np.cos(decl) * np.cos(ha)
    zen = np.arccos(np.clip(cos_z, -1, 1))
    saa = np.degrees(np.arctan2(np.sin(ha), np.cos(ha) * np.sin(la) - np.tan(decl) * np.cos(la)))
    return np.degrees(zen), (saa + 180.0) % 360.0
