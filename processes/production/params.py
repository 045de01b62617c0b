"""Parameters of ``vp_lai_fapar``: durations, modes and the validated request."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from processes.cubes.extents import SpatialExtent, spatial_extent, to_utc
from processes.exceptions import ProcessParameterInvalid, ProcessParameterRequired

PROCESS = "vp_lai_fapar"
MODES = ("auto", "site", "tile")
_DURATION = re.compile(r"^\s*(\d+)\s*D\s*$", re.IGNORECASE)


def _invalid(parameter: str, reason: str) -> ProcessParameterInvalid:
    return ProcessParameterInvalid(parameter=parameter, process=PROCESS, reason=reason)


def days(value: Any, parameter: str) -> int:
    """Whole days of a duration such as ``"5D"`` (an integer is taken as days).

    Raises:
        ProcessParameterInvalid: not ``<n>D`` with n ≥ 1.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        n = value
    else:
        match = _DURATION.match(str(value))
        if not match:
            raise _invalid(parameter, f"expected a duration in days such as '5D', got {value!r}")
        n = int(match.group(1))
    if n < 1:
        raise _invalid(parameter, "must be at least 1 day")
    return n


@dataclass(frozen=True)
class Request:
    """A validated ``vp_lai_fapar`` call."""

    extent: SpatialExtent
    """Region of interest (its envelope)."""
    start: datetime
    """First step date (UTC midnight)."""
    end: datetime
    """First excluded instant: steps are ``start, start+interval, … < end``."""
    interval: int
    """Days between step dates."""
    window: int
    """Full width of the observation window in days (centred on each step date)."""
    sensors: tuple[str, ...]
    """Sensor collection ids, pooled."""
    mode: str
    """``auto``, ``site`` or ``tile``."""
    chunk_size: int
    """Pixels per chunk side on the tile path."""
    dates: tuple[datetime, ...] = ()
    """Step dates to produce (empty: all). The chain still runs from ``start``, so each
    produced date gets the prior carried through every earlier date."""

    @property
    def half_window(self) -> timedelta:
        """Half of the window: observations in ``[date − half, date + half)`` are used."""
        return timedelta(days=self.window / 2)


def request(
    geometry: Any,
    start: Any,
    end: Any,
    interval: Any,
    window: Any,
    sensors: Any,
    mode: str,
    chunk_size: Any,
    dates: Any = None,
) -> Request:
    """Validate the arguments of a call.

    Raises:
        ProcessParameterRequired: no geometry, start, end or sensors.
        ProcessParameterInvalid: anything malformed.
    """
    for name, value in (("geometry", geometry), ("start", start), ("end", end)):
        if value is None:
            raise ProcessParameterRequired(process=PROCESS, parameter=name)
    if not sensors:
        raise ProcessParameterRequired(process=PROCESS, parameter="sensors")
    if isinstance(sensors, str):
        sensors = [sensors]
    extent = spatial_extent(geometry, PROCESS)
    try:
        t0, t1 = to_utc(start), to_utc(end)
    except (TypeError, ValueError) as e:
        raise _invalid("start", str(e)) from e
    t0 = t0.replace(hour=0, minute=0, second=0, microsecond=0)
    if t1 <= t0:
        raise _invalid("end", "end must be after start")
    if mode not in MODES:
        raise _invalid("mode", f"use one of {list(MODES)}")
    try:
        chunk = int(chunk_size)
    except (TypeError, ValueError) as e:
        raise _invalid("chunk_size", f"expected an integer, got {chunk_size!r}") from e
    if chunk < 1:
        raise _invalid("chunk_size", "must be at least 1 pixel")
    return Request(
        dates=_dates(dates),
        extent=extent,  # type: ignore[arg-type]
        start=t0,
        end=t1,
        interval=days(interval, "interval"),
        window=days(window, "window"),
        sensors=tuple(dict.fromkeys(str(s) for s in sensors)),
        mode=mode,
        chunk_size=chunk,
    )


def _dates(value: Any) -> tuple[datetime, ...]:
    """The ``dates`` argument as sorted UTC midnights (None or empty: every step date)."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    out = set()
    for item in value:
        try:
            day = to_utc(item)
        except (TypeError, ValueError) as e:
            raise _invalid("dates", f"expected dates such as '2019-06-06', got {item!r}") from e
        out.add(day.replace(hour=0, minute=0, second=0, microsecond=0))
    return tuple(sorted(out))
