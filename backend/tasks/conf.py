"""A task's configuration (the seed's task conf) and the process graph built from it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from processes.grid import PROBAV_1KM

SAVE_FORMAT = "netCDF"


def tile_geom(tile: str) -> dict[str, float]:
    """Bounding box of a PROBA-V 1 km tile (pixel edges), as a ``vp_lai_fapar`` geometry."""
    w, s, e, n = PROBAV_1KM.tile_bounds(tile)
    return {"west": w, "south": s, "east": e, "north": n}


def make_conf(
    name: str,
    type_: str,
    geom: dict,
    start: date,
    end: date,
    sensors: tuple[str, ...],
    *,
    interval: str,
    window: str,
    basedir: str,
    dates: list[str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The conf of a task: the seed's fields (name, geom, type, start, end, interval, window,
    sensors, basedir), optional ``dates`` to produce, and any extra keys (e.g. ``site``).

    ``name`` is the task's dedup key: a unique index on ``conf->>'name'`` keeps one task per name.
    """
    conf = {
        "name": name, "type": type_, "geom": geom, "start": start.isoformat(),
        "end": end.isoformat(), "interval": interval, "window": window,
        "sensors": list(sensors), "basedir": basedir, **extra,
    }  # fmt: skip
    if dates:
        conf["dates"] = sorted(dates)
    return conf


def graph(conf: dict[str, Any]) -> dict[str, Any]:
    """``vp_lai_fapar(...) → save_result(netCDF)`` from a conf (mode = the task type)."""
    args: dict[str, Any] = {
        "geometry": conf["geom"], "start": conf["start"], "end": conf["end"],
        "interval": conf["interval"], "window": conf["window"], "sensors": list(conf["sensors"]),
        "mode": conf["type"] if conf["type"] in ("site", "tile") else "auto",
    }  # fmt: skip
    if conf.get("dates"):
        args["dates"] = list(conf["dates"])
    return {
        "process_graph": {
            "vp": {"process_id": "vp_lai_fapar", "arguments": args},
            "save": {
                "process_id": "save_result",
                "arguments": {"data": {"from_node": "vp"}, "format": SAVE_FORMAT},
                "result": True,
            },
        }
    }


def step_dates(start: date, end: date, interval_days: int) -> list[date]:
    """``start, start + interval, …`` before ``end`` (the dates vp_lai_fapar produces)."""
    out, day = [], start
    while day < end:
        out.append(day)
        day += timedelta(days=interval_days)
    return out


def days(duration: str) -> int:
    """Whole days of ``"5D"``."""
    text = str(duration).strip().upper()
    if not text.endswith("D") or not text[:-1].isdigit() or int(text[:-1]) < 1:
        raise ValueError(f"expected a duration in days such as '5D', got {duration!r}")
    return int(text[:-1])
