"""openEO ``/collections``: the pgstac collections with openEO datacube metadata."""

from __future__ import annotations

from fastapi import APIRouter, Request

from backend.collection_metadata import openeo_collection
from backend.deps import CataloguePoolDep
from backend.routers.capabilities import API_PREFIX, api_url, stac_url
from processes.exceptions import CollectionNotFound

router = APIRouter(prefix=API_PREFIX, tags=["collections"])


@router.get("/collections", summary="Basic metadata for all datasets")
async def list_collections(request: Request, pool: CataloguePoolDep) -> dict:
    """All collections of the catalogue, sorted by id."""
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT content FROM pgstac.collections ORDER BY id")
    base, stac = api_url(request), stac_url(request)
    return {
        "collections": [openeo_collection(r["content"], base, stac, full=False) for r in rows],
        "links": [
            {"rel": "self", "href": base + "collections", "type": "application/json"},
            {"rel": "root", "href": base, "type": "application/json"},
        ],
    }


@router.get("/collections/{collection_id}", summary="Full metadata for a specific dataset")
async def describe_collection(collection_id: str, request: Request, pool: CataloguePoolDep) -> dict:
    """One collection with cube:dimensions and summaries.

    Raises:
        CollectionNotFound: no collection has this id.
    """
    async with pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT content FROM pgstac.collections WHERE id = $1", collection_id
        )
    if row is None:
        raise CollectionNotFound(collection_id=collection_id)
    return openeo_collection(row["content"], api_url(request), stac_url(request), full=True)
