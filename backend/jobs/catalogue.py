"""Job results in the STAC catalogue: one item per result file in ``openeo-job-results``.

The items point at the authenticated asset route (their data stays the owner's), carry the
file's local path as an ``alternate`` for Canopy's own loaders, and the process graph.
"""

from __future__ import annotations

from typing import Any

from backend.jobs.model import rfc3339
from backend.jobs.results import STAC_VERSION, asset_name
from stac import catalog

COLLECTION_ID = "openeo-job-results"
ALTERNATE = "https://stac-extensions.github.io/alternate-assets/v1.2.0/schema.json"


def results_collection() -> dict[str, Any]:
    """The collection all job results are registered in."""
    return {
        "type": "Collection",
        "stac_version": STAC_VERSION,
        "id": COLLECTION_ID,
        "title": "openEO batch job results",
        "description": "Files written by openEO batch jobs on this Canopy back-end. The data "
        "is downloadable by the job's owner; load it again with load_stac.",
        "license": "proprietary",
        "extent": {
            "spatial": {"bbox": [[-180.0, -90.0, 180.0, 90.0]]},
            "temporal": {"interval": [[None, None]]},
        },
        "links": [],
    }


def result_items(row: dict[str, Any], api_url: str) -> list[dict[str, Any]]:
    """STAC items for the spatial result files of a finished job."""
    job_url = f"{api_url.rstrip('/')}/jobs/{row['id']}"
    items = []
    for file in (row.get("result") or {}).get("files", []):
        if not file.get("geometry") or not file.get("bbox"):
            continue  # e.g. a JSON value: nothing to put on a map
        name = asset_name(file)
        asset = {
            k: v
            for k, v in file.items()
            if k not in {"href", "bbox", "geometry", "datetime", "start_datetime", "end_datetime"}
        }
        asset["href"] = f"{job_url}/results/assets/{name}"
        asset["alternate"] = {"local": {"href": file["href"], "title": "Path on the back-end"}}
        properties: dict[str, Any] = {
            "datetime": file.get("datetime"),
            "openeo:job_id": row["id"],
            "processing:expression": {"format": "openeo", "expression": row["process"]},
        }
        for key in ("start_datetime", "end_datetime"):
            if file.get(key):
                properties[key] = file[key]
        if properties["datetime"] is None and "start_datetime" not in properties:
            # a result without a time dimension (e.g. reduced over t): when it was made
            properties["datetime"] = rfc3339(row["finished_at"] or row["updated"])
        items.append(
            {
                "type": "Feature",
                "stac_version": STAC_VERSION,
                "stac_extensions": [ALTERNATE],
                "id": f"{row['id']}-{name}",
                "collection": COLLECTION_ID,
                "geometry": file["geometry"],
                "bbox": file["bbox"],
                "properties": properties,
                "assets": {name: asset},
                "links": [{"rel": "via", "href": f"{job_url}/results", "type": "application/json"}],
            }
        )
    return items


def register(dsn: str, row: dict[str, Any], api_url: str) -> int:
    """Replace the job's items in the catalogue with those of its current results."""
    unregister(dsn, row["id"])
    items = result_items(row, api_url)
    if items:
        catalog.upsert_collections(dsn, [results_collection()])
        catalog.load_items(dsn, items, method="upsert")
    return len(items)


def unregister(dsn: str, job_id: str) -> None:
    """Remove a job's items (job deleted or run again)."""
    with catalog._connect(dsn) as conn:
        conn.execute(
            "DELETE FROM pgstac.items WHERE collection = %s AND id LIKE %s",
            [COLLECTION_ID, f"{job_id}-%"],
        )
