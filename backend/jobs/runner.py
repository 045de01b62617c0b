"""Runs one claimed job in a worker thread and says how it ended (no database access here)."""

from __future__ import annotations

import json
import logging
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backend.execution import execute
from backend.jobs.model import Status
from backend.jobs.restart_merge import merge_restart
from backend.jobs.tracking import JobCancelled, JobTracker
from processes.exceptions import Internal, OpenEOError
from processes.production import chain

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """How a run ended."""

    status: Status
    result: dict[str, Any] | None = None
    usage: dict[str, Any] | None = None
    outcomes: dict[str, str] | None = None
    """Per-date outcomes of production graphs (``{"2019-06-05": "ok" | "failed: ..."}``)."""


def run_job(row: dict[str, Any], tracker: JobTracker, *, dsn: str, jobs_dir: Path) -> Outcome:
    """Execute the job's process graph, writing results into ``jobs_dir/<id>/results``.

    Errors never escape: an openEO error is logged with its code, anything else as an Internal
    error with the exception type (no traceback reaches the user), and the outcome is FAILURE.
    """
    job_id = row["id"]
    job_dir = jobs_dir / job_id
    out_dir = job_dir / "results"
    tmp_dir = job_dir / f"results.tmp-{row['attempts']}"
    # A claimed job is this worker's alone: any unpublished results are a dead attempt's.
    for leftover in job_dir.glob("results.tmp-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    started = time.monotonic()
    outcomes: dict[str, str] = {}
    conf = row.get("conf") or {}

    def on_date(date, ok: bool, error: str | None = None) -> None:
        day = f"{date:%Y-%m-%d}"
        outcomes[day] = "ok" if ok else f"failed: {error}"
        if ok:
            tracker.log("info", f"Date {day} produced.")
        else:
            tracker.log("warning", f"Date {day} failed: {error}")
        tracker.check_cancelled()  # a cancel stops between dates; dropped futures are released

    try:
        tracker.log("info", "Parsing and running the process graph.")
        result = execute(
            row["process"],
            owner=row["owner"],
            dsn=dsn,
            output_dir=tmp_dir,
            compute=tracker.compute,
            client=tracker.client,
            on_date=on_date,
            hooks=chain_hooks(conf, jobs_dir, job_id, tracker),
        )
        tracker.check_cancelled()
        files = list(result.files)
        if not files:
            files.append(_json_result(tmp_dir, result.value))
        if conf.get("kept_outcomes"):
            merged = merge_restart(job_dir, tmp_dir, files)
            if merged:
                tracker.log("info", f"Merged with the earlier run's dates: {', '.join(merged)}.")
        # Publish atomically: the results a user sees are complete or absent.
        shutil.rmtree(out_dir, ignore_errors=True)
        tmp_dir.rename(out_dir)
        for f in files:
            f["href"] = str(out_dir / Path(f["href"]).name)
        size = sum(int(f.get("file:size", 0)) for f in files)
        failed = sorted(d for d, o in outcomes.items() if o != "ok")
        status = Status.INCOMPLETE if failed else Status.SUCCESS
        if failed:
            tracker.log(
                "warning", f"Incomplete: {len(failed)} date(s) failed: {', '.join(failed)}."
            )
        tracker.log("info", f"Finished: {len(files)} file(s), {size / 1e6:.1f} MB.")
        return Outcome(
            status,
            result={"files": files, "failed_dates": failed},
            usage=_usage(started, size),
            outcomes=outcomes or None,
        )
    except JobCancelled:
        shutil.rmtree(tmp_dir, ignore_errors=True)
        tracker.log("info", "Job canceled; its Dask work was stopped.")
        return Outcome(Status.CANCELLED, usage=_usage(started, 0))
    except OpenEOError as e:
        shutil.rmtree(tmp_dir, ignore_errors=True)
        tracker.log("error", e.message, code=e.code)
        return Outcome(Status.FAILURE, usage=_usage(started, 0))
    except Exception as e:  # the root cause goes to the job's log, not a traceback
        shutil.rmtree(tmp_dir, ignore_errors=True)
        log.exception("job %s failed", job_id)
        error = Internal(reason=f"{type(e).__name__}: {e}")
        tracker.log("error", error.message, code=error.code)
        return Outcome(Status.FAILURE, usage=_usage(started, 0))


def chain_hooks(
    conf: dict[str, Any], jobs_dir: Path, job_id: str, tracker: JobTracker
) -> chain.ChainHooks:
    """What a production run of this job reads and reports besides its graph.

    Progress goes from 5 to 95 % with the produced dates. A job whose conf asks to
    ``keep_state`` saves its final posterior in ``<job>/state/``; one naming a ``prior_job``
    starts from that job's saved posterior when it exists (else the chain spins up as usual).
    """
    prior = conf.get("prior_job")
    return chain.ChainHooks(
        prior=jobs_dir / prior / STATE_FILE if prior else None,
        save_to=jobs_dir / job_id / STATE_FILE if conf.get("keep_state") else None,
        on_progress=lambda done, total: tracker.set_progress(5.0 + 90.0 * done / max(total, 1)),
        on_note=lambda message: tracker.log("info", f"Prior: {message}"),
    )


STATE_FILE = "state/posterior.npz"
"""Where a job keeps the posterior of its last date (relative to its directory)."""


def _json_result(directory: Path, value: Any) -> dict[str, Any]:
    """A graph without save_result: its value becomes a JSON asset."""
    from processes.executor import to_json

    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "result.json"
    path.write_text(json.dumps(to_json(value)))
    return {
        "href": str(path),
        "type": "application/json",
        "roles": ["data"],
        "title": "Result of the process graph",
        "file:size": path.stat().st_size,
    }


def _usage(started: float, size_bytes: int) -> dict[str, Any]:
    return {
        "duration": {"value": round(time.monotonic() - started, 3), "unit": "seconds"},
        "storage": {"value": round(size_bytes / 1e6, 3), "unit": "mb"},
    }
