"""Job estimates from a documented cost model: time ∝ values loaded, size = values written.

The model (docs/jobs.md): ``duration_s = OVERHEAD_S + SECONDS_PER_MVALUE · loaded / 1e6 +
RETRIEVAL_S_PER_PIXEL_DATE · pixel-dates of vp_lai_fapar`` and ``size = output bytes``. The constants come from ``benchmarks/api.py``, which measures a
load → NDVI → save chain on this kind of machine and prints the fitted values; re-run it on the
production hardware and set ``CANOPY_ESTIMATE_*`` if they differ.
"""

from __future__ import annotations

from typing import Any

from backend.execution import Plan

OVERHEAD_S = 2.0
"""Claim, parse, start-up and result registration of a job (benchmarks/api.py)."""

SECONDS_PER_MVALUE = 0.19
"""Seconds per million loaded values, load → NDVI → netCDF on 2 cores (benchmarks/api.py: 0.19)."""


RETRIEVAL_S_PER_PIXEL_DATE = 0.013
"""vp_lai_fapar: one core's time per inverted pixel-date (benchmarks/production.py, idle core)."""


def estimate(plan: Plan) -> dict[str, Any]:
    """The ``GET /jobs/{id}/estimate`` body for a planned graph."""
    seconds = OVERHEAD_S + SECONDS_PER_MVALUE * plan.loaded_values / 1e6
    seconds += RETRIEVAL_S_PER_PIXEL_DATE * plan.retrieval_pixel_dates
    return {
        "costs": 0,
        "duration": iso_duration(seconds),
        "size": int(plan.output_bytes),
        "canopy:loaded_values": plan.loaded_values,
        "canopy:output_values": plan.output_values,
        "canopy:retrieval_pixel_dates": plan.retrieval_pixel_dates,
    }


def iso_duration(seconds: float) -> str:
    """ISO 8601 duration (``PT1H2M3S``)."""
    total = max(1, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    out = "PT"
    if hours:
        out += f"{hours}H"
    if minutes:
        out += f"{minutes}M"
    if secs or out == "PT":
        out += f"{secs}S"
    return out
