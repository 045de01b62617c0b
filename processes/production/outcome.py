"""What a run reports: per-date outcomes and where the time went."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class DateOutcome:
    """Outcome of one step date (over every chunk)."""

    date: datetime
    """Step date."""
    ok: bool
    """True when every chunk produced the date."""
    error: str | None = None
    """First error message when not ok."""


@dataclass
class RunReport:
    """Summary of a run: the path taken, the outcomes and the time split (seconds)."""

    mode: str = ""
    """``site`` or ``tile``."""
    chunks: int = 0
    """Number of chunks."""
    outcomes: list[DateOutcome] = field(default_factory=list)
    """Per step date, in date order."""
    seconds: dict[str, float] = field(
        default_factory=lambda: {"plan": 0.0, "load": 0.0, "retrieval": 0.0, "merge": 0.0}
    )
    """``plan`` and ``merge`` wall time on the caller; ``load`` and ``retrieval`` summed over
    chunk tasks (task-seconds, on whatever worker ran them)."""
    landcover: str = "none"
    """Land-cover collection whose map gave the climatological priors, or ``none`` (global)."""
    final: list = field(default_factory=list)
    """``(chunk, carry)`` of every chunk after its last date, when the run was asked to keep
    them (the state a later run can resume from); else empty."""

    @property
    def failed(self) -> list[datetime]:
        """Dates that failed."""
        return [o.date for o in self.outcomes if not o.ok]
