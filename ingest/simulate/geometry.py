"""Sun position (NOAA general solar position formulas) and a simple polar-orbiter view geometry."""

from __future__ import annotations

import numpy as np

HALF_SWATH_KM = 1150.0
"""Half swath width mapped onto ``max_vza`` (PROBA-V / VGT ~2250 km swath)."""


def _fractional_year(doy: np.ndarray, hour_utc: np.ndarray) -> np.ndarray:
    return 2 * np.pi / 365 * (doy - 1 + (hour_utc - 12) / 24)


def declination(doy, hour_utc=12.0) -> np.ndarray:
    """Solar declination (radians), NOAA series."""
    g = _fractional_year(np.asarray(doy, float), np.asarray(hour_utc, float))
    return (
        0.006918 - 0.399912 * np.cos(g) + 0.070257 * np.sin(g) - 0.006758 * np.cos(2 * g)
        + 0.000907 * np.sin(2 * g) - 0.002697 * np.cos(3 * g) + 0.00148 * np.sin(3 * g)
    )  # fmt: skip


def equation_of_time(doy, hour_utc=12.0) -> np.ndarray:
    """Equation of time (minutes), NOAA series."""
    g = _fractional_year(np.asarray(doy, float), np.asarray(hour_utc, float))
    return 229.18 * (
        0.000075 + 0.001868 * np.cos(g) - 0.032077 * np.sin(g)
        - 0.014615 * np.cos(2 * g) - 0.040849 * np.sin(2 * g)
    )  # fmt: skip


def solar_position(doy, hour_utc, lat, lon) -> tuple[np.ndarray, np.ndarray]:
    """Solar zenith and azimuth (degrees, azimuth clockwise from north), broadcast over inputs.

    Args:
        doy: day of year (1-366).
        hour_utc: UTC time of day (hours).
        lat: latitude (degrees).
        lon: longitude (degrees east).
    """
    decl = declination(doy, hour_utc)
    tst = np.asarray(hour_utc) * 60 + equation_of_time(doy, hour_utc) + 4 * np.asarray(lon)
    ha = np.radians(tst / 4 - 180)
    phi = np.radians(lat)
    cosz = np.sin(phi) * np.sin(decl) + np.cos(phi) * np.cos(decl) * np.cos(ha)
    zen = np.degrees(np.arccos(np.clip(cosz, -1, 1)))
    az = np.degrees(np.arctan2(np.sin(ha), np.cos(ha) * np.sin(phi) - np.tan(decl) * np.cos(phi)))
    return zen, (az + 180) % 360


def noon_zenith(doy, lat) -> np.ndarray:
    """Solar zenith (degrees) at local solar noon."""
    return np.abs(np.asarray(lat) - np.degrees(declination(doy)))


def overpass_utc(local_time_h: float, lon) -> np.ndarray:
    """UTC hour at which a sun-synchronous orbit with a given local solar time passes ``lon``."""
    return local_time_h - np.asarray(lon) / 15.0


def view_geometry(
    track_offset: float,
    lat: np.ndarray,
    lon: np.ndarray,
    max_vza: float,
    view_azimuths: tuple[float, float],
    extra: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """View zenith/azimuth of a crop seen from a ground track ``track_offset`` × half swath away.

    The scene centre lies ``track_offset`` (-1 … 1) of the half swath east of the track; VZA
    grows linearly with the across-track distance, the view azimuth points across the track
    (``view_azimuths[0]`` west of the track, ``[1]`` east of it). ``extra`` tilts the view
    (another detector's geometry, e.g. PROBA-V SWIR).
    """
    lat2, lon2 = np.meshgrid(lat, lon, indexing="ij")
    km_per_deg = 111.32 * np.cos(np.radians(lat2))
    d = track_offset * HALF_SWATH_KM + (lon2 - lon2.mean()) * km_per_deg
    signed = max_vza * d / HALF_SWATH_KM + extra
    vza = np.clip(np.abs(signed), 0, max_vza + extra)
    vaa = np.where(signed >= 0, view_azimuths[1], view_azimuths[0])
    return vza, vaa.astype(float)
