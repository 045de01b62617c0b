"""Job statuses (stored seed names ↔ openEO names) and the openEO view of a job row."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    """Stored job status; the seed's task names (DESIGN.md §4)."""

    CREATED = "CREATED"
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    SUCCESS = "SUCCESS"
    INCOMPLETE = "INCOMPLETE"
    FAILURE = "FAILURE"
    CANCELLED = "CANCELLED"

    @property
    def openeo(self) -> str:
        """The status the openEO API shows."""
        return _OPENEO[self]

    @property
    def active(self) -> bool:
        """Queued or running: the job may not be edited and its results are not final."""
        return self in (Status.PENDING, Status.RUNNING)

    @property
    def final(self) -> bool:
        """The job has stopped and will not change by itself."""
        return self in (Status.SUCCESS, Status.INCOMPLETE, Status.FAILURE, Status.CANCELLED)


_OPENEO = {
    Status.CREATED: "created",
    Status.PENDING: "queued",
    Status.RUNNING: "running",
    Status.SUCCESS: "finished",
    Status.INCOMPLETE: "finished",
    Status.FAILURE: "error",
    Status.CANCELLED: "canceled",
}

LOG_LEVELS = ("debug", "info", "warning", "error")
"""openEO log levels, least severe first."""


def rfc3339(value: datetime | None) -> str | None:
    """A timestamp as the API writes it: UTC with a ``Z``."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def job_summary(row: dict[str, Any]) -> dict[str, Any]:
    """The fields of a job in ``GET /jobs`` (openEO ``batch_job`` without the process)."""
    status = Status(row["status"])
    out: dict[str, Any] = {
        "id": row["id"],
        "title": row["title"],
        "description": row["description"],
        "status": status.openeo,
        "created": rfc3339(row["created"]),
        "updated": rfc3339(row["updated"]),
    }
    if row.get("progress") is not None:
        out["progress"] = round(float(row["progress"]), 1)
    elif status in (Status.SUCCESS, Status.INCOMPLETE):
        out["progress"] = 100.0
    if row.get("plan"):
        out["plan"] = row["plan"]
    if row.get("budget") is not None:
        out["budget"] = row["budget"]
    out["costs"] = 0
    return out


def job_document(row: dict[str, Any]) -> dict[str, Any]:
    """``GET /jobs/{id}``: the summary plus the process, usage and Canopy's task fields."""
    out = job_summary(row)
    out["process"] = row["process"]
    if row.get("usage"):
        out["usage"] = row["usage"]
    out["canopy:type"] = row["type"]
    out["canopy:status"] = row["status"]
    if outcomes := merged_outcomes(row):
        out["canopy:outcomes"] = outcomes
    return out


def merged_outcomes(row: dict[str, Any]) -> dict[str, str]:
    """Per-date outcomes over a task's runs: dates kept from earlier runs, then the last run."""
    kept = dict((row.get("conf") or {}).get("kept_outcomes") or {})
    return dict(sorted({**kept, **(row.get("outcomes") or {})}.items()))
