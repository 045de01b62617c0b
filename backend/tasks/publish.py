"""A succeeded task's outputs repackaged to CCI products and published, as `canopy publish` does.

A task whose conf has ``publish: true`` (``CANOPY_TASKS_PUBLISH`` for generated tasks) is
published by its worker once it ends SUCCESS: its NetCDF results become retrieval outputs
(the contract of ``processes.repackage``: tile, site, window, the input items found for its
area and period, the job id), which ``ingest.publish.publish`` repackages (``repackage_cci``),
writes under ``CANOPY_PUBLISH_ROOT`` and registers in ``vp-lai-fapar-tiles``/``-sites``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import xarray as xr

from backend.tasks.conf import days
from ingest.publish.publisher import PublishReport, publish
from ingest.publish.settings import PublishSettings
from processes.production.settings import ProductionSettings
from processes.repackage import RetrievalInfo, retrieval_output
from stac.cube_catalogue import PgstacCubeCatalogue


def wants_publishing(row: dict[str, Any]) -> bool:
    """Whether a finished job is a task to publish (conf ``publish`` and SUCCESS)."""
    conf = row.get("conf") or {}
    return (
        bool(conf.get("publish")) and row["status"] == "SUCCESS" and row["type"] in ("site", "tile")
    )


def input_refs(dsn: str, conf: dict[str, Any]) -> list[str]:
    """``<collection>/<item id>`` of every input item of the task's area and windows: the
    sensors' observations and the land-cover maps (production's collection) over them."""
    half = timedelta(days=days(conf["window"]) / 2)
    start = datetime.fromisoformat(conf["start"]).replace(tzinfo=UTC) - half
    end = datetime.fromisoformat(conf["end"]).replace(tzinfo=UTC) + half
    g = conf["geom"]
    bbox = (g["west"], g["south"], g["east"], g["north"])
    catalogue = PgstacCubeCatalogue(dsn)
    collections = list(conf["sensors"])
    landcover = ProductionSettings().landcover_collection  # the map the priors came from
    if landcover and catalogue.collection(landcover) is not None:
        collections.append(landcover)
    return [
        f"{collection}/{item['id']}"
        for collection in collections
        for item in catalogue.search(collection, bbox, start, end, None)
    ]


def publish_task(
    dsn: str,
    row: dict[str, Any],
    site_name: str | None,
    home: Path | None = None,
    settings: PublishSettings | None = None,
) -> PublishReport:
    """Repackage and publish a finished task's NetCDF results.

    Args:
        dsn: Catalogue database.
        row: The job row (conf, type, result files).
        site_name: Name of the site (site tasks).
        home: Canopy home whose data roots get the publication root.
        settings: Publication settings (default: from the environment).

    Raises:
        NoDataAvailable, NotFound, StorageFailure, ProcessParameterInvalid: as ``publish``.
    """
    conf = row["conf"]
    info = RetrievalInfo(
        kind=row["type"], tile=conf["tile"], site_id=conf.get("site"), site_name=site_name,
        window_days=max(1, days(conf["window"]) // 2), interval_days=days(conf["interval"]),
        input_items=tuple(input_refs(dsn, conf)), job_ids=(row["id"],),
    )  # fmt: skip
    outputs = []
    for file in (row.get("result") or {}).get("files", []):
        if file["href"].endswith(".nc"):
            with xr.open_dataset(file["href"]) as ds:
                outputs.append(retrieval_output(ds.load(), info))
    return publish(outputs, dsn, settings, home=home)
