"""The STAC documents of a job's results: a Collection with assets and one Item per file."""

from __future__ import annotations

from typing import Any

from backend.jobs.links import LinkSigner
from backend.jobs.model import Status, rfc3339

STAC_VERSION = "1.1.0"
EXTENSIONS = [
    "https://stac-extensions.github.io/projection/v2.0.0/schema.json",
    "https://stac-extensions.github.io/raster/v1.1.0/schema.json",
    "https://stac-extensions.github.io/file/v2.1.0/schema.json",
    "https://stac-extensions.github.io/processing/v1.2.0/schema.json",
    "https://stac-extensions.github.io/alternate-assets/v1.2.0/schema.json",
]
_ASSET_FIELDS_DROPPED = {"href", "bbox", "geometry", "datetime", "start_datetime", "end_datetime"}


def asset_name(file: dict[str, Any]) -> str:
    """The key of a result file: its file name."""
    return file["href"].rsplit("/", 1)[-1]


def _asset(file: dict[str, Any], href: str) -> dict[str, Any]:
    asset = {k: v for k, v in file.items() if k not in _ASSET_FIELDS_DROPPED}
    asset["href"] = href
    asset.setdefault("roles", ["data"])
    # Canopy's own load_stac reads the file directly instead of downloading it again.
    asset["alternate"] = {"local": {"href": file["href"], "title": "Path on the back-end"}}
    return asset


def _union_bbox(files: list[dict[str, Any]]) -> list[float] | None:
    boxes = [f["bbox"] for f in files if f.get("bbox")]
    if not boxes:
        return None
    return [
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    ]


def _interval(files: list[dict[str, Any]]) -> list[str | None]:
    starts = [f.get("start_datetime") or f.get("datetime") for f in files]
    ends = [f.get("end_datetime") or f.get("datetime") for f in files]
    starts = [s for s in starts if s]
    ends = [e for e in ends if e]
    return [min(starts) if starts else None, max(ends) if ends else None]


class ResultDocuments:
    """Builds the results Collection and Items of a job with links under ``job_url``."""

    def __init__(self, row: dict[str, Any], job_url: str, signer: LinkSigner) -> None:
        self.row = row
        self.job_url = job_url.rstrip("/")
        self.signer = signer
        self.files: list[dict] = (row.get("result") or {}).get("files", [])

    def asset_href(self, name: str) -> str:
        """A signed download link."""
        query = self.signer.query(self.row["id"], name)
        return f"{self.job_url}/results/assets/{name}?{query}"

    def collection(self) -> dict[str, Any]:
        """``GET /jobs/{id}/results``."""
        row = self.row
        bbox = _union_bbox(self.files) or [-180.0, -90.0, 180.0, 90.0]
        assets = {asset_name(f): _asset(f, self.asset_href(asset_name(f))) for f in self.files}
        links = [
            {"rel": "self", "href": f"{self.job_url}/results", "type": "application/json"},
            {"rel": "job", "href": self.job_url, "type": "application/json"},
            {"rel": "logs", "href": f"{self.job_url}/logs", "type": "application/json"},
        ]
        links += [
            {
                "rel": "item",
                "href": f"{self.job_url}/results/items/{name}",
                "type": "application/geo+json",
                "title": name,
            }
            for name in assets
        ]
        status = Status(row["status"])
        return {
            "stac_version": STAC_VERSION,
            "stac_extensions": EXTENSIONS,
            "type": "Collection",
            "id": row["id"],
            "title": row["title"] or f"Results of batch job {row['id']}",
            "description": row["description"] or "Results of an openEO batch job.",
            "license": "proprietary",
            "extent": {
                "spatial": {"bbox": [bbox]},
                "temporal": {"interval": [_interval(self.files)]},
            },
            "assets": assets,
            "links": links,
            "openeo:status": "finished" if status.final and status != Status.FAILURE else "error",
            "expires": rfc3339_from_unix(self.signer.expiry()),
            "created": rfc3339(row["finished_at"] or row["updated"]),
            "updated": rfc3339(row["updated"]),
            "processing:expression": {"format": "openeo", "expression": row["process"]},
        }

    def item(self, name: str) -> dict[str, Any] | None:
        """``GET /jobs/{id}/results/items/{name}``; None for an unknown name."""
        file = next((f for f in self.files if asset_name(f) == name), None)
        if file is None:
            return None
        properties: dict[str, Any] = {
            "datetime": file.get("datetime"),
            "processing:expression": {"format": "openeo", "expression": self.row["process"]},
            "openeo:job_id": self.row["id"],
        }
        for key in ("start_datetime", "end_datetime"):
            if file.get(key):
                properties[key] = file[key]
        if properties["datetime"] is None and "start_datetime" not in properties:
            properties["datetime"] = rfc3339(self.row["finished_at"] or self.row["updated"])
        bbox = file.get("bbox")
        return {
            "stac_version": STAC_VERSION,
            "stac_extensions": EXTENSIONS,
            "type": "Feature",
            "id": name,
            "bbox": bbox,
            "geometry": file.get("geometry"),
            "properties": properties,
            "assets": {name: _asset(file, self.asset_href(name))},
            "collection": self.row["id"],
            "links": [
                {"rel": "self", "href": f"{self.job_url}/results/items/{name}"},
                {"rel": "collection", "href": f"{self.job_url}/results"},
                {"rel": "parent", "href": f"{self.job_url}/results"},
            ],
        }


def rfc3339_from_unix(seconds: int) -> str:
    """A Unix time as RFC 3339 UTC."""
    from datetime import UTC, datetime

    return rfc3339(datetime.fromtimestamp(seconds, UTC))
