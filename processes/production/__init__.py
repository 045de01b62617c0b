"""Systematic LAI/fAPAR production: the ``vp_lai_fapar`` process with its site and tile paths."""

from processes.production.outcome import DateOutcome, RunReport
from processes.production.process import (
    PROCESS,
    make_vp_lai_fapar,
    plan_production,
    run_production,
)

__all__ = [
    "PROCESS",
    "DateOutcome",
    "RunReport",
    "make_vp_lai_fapar",
    "plan_production",
    "run_production",
]
