"""The openEO process ``load_collection``, bound to a catalogue."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import xarray as xr

from processes.cubes import extents
from processes.cubes.bands import BandSet, declared_bands
from processes.cubes.catalogue import Catalogue
from processes.cubes.dims import DimNames, finish
from processes.cubes.l2b import l2b_bands, load_l2b
from processes.cubes.properties import to_cql2
from processes.cubes.raster import load_rasters
from processes.exceptions import CollectionNotFound, NoDataAvailable

PROCESS = "load_collection"


def band_set(collection: Mapping[str, Any]) -> BandSet:
    """The bands a collection offers: for L2B sensor collections (with a ``vp`` block) every
    layer of the observation cube, reflectances addressable by common name too."""
    vp = collection.get("vp")
    if vp:
        refl = [{"name": b["name"], "common_name": b.get("common_name")} for b in vp["bands"]]
        return BandSet.from_bands(refl, [b.name for b in l2b_bands(vp)])
    return BandSet.from_bands(declared_bands(collection))


def item_interval(item: Mapping[str, Any]) -> tuple[Any, Any]:
    """``(start, end)`` of an item in UTC (``end`` None for an instant)."""
    props = item.get("properties") or {}
    start = extents.to_utc(props.get("start_datetime") or props.get("datetime"))
    end = extents.to_utc(props.get("end_datetime")) if props.get("end_datetime") else None
    return start, end


def in_time(item: Mapping[str, Any], times: extents.TemporalExtent) -> bool:
    """Whether an item overlaps a half-open interval (items without time never match)."""
    start, end = item_interval(item)
    return start is not None and times.contains(start, end)


def make_load_collection(catalogue: Catalogue) -> Callable[..., xr.DataArray]:
    """Bind ``load_collection`` to a catalogue.

    Args:
        catalogue: where collections and items come from (``stac.cube_catalogue`` on pgstac).

    Returns:
        The process function ``load_collection(id, spatial_extent, temporal_extent, bands,
        properties)``.
    """

    def load_collection(
        id: str,
        spatial_extent: Any = None,
        temporal_extent: Any = None,
        bands: list[str] | None = None,
        properties: Mapping[str, Any] | None = None,
        **_: Any,
    ) -> xr.DataArray:
        """openEO process ``load_collection``: a lazy ``(t, bands, y, x)`` cube.

        Raises:
            CollectionNotFound: unknown ``id``.
            ProcessParameterInvalid: a bad extent, an unknown band or an untranslatable filter.
            NoDataAvailable: no item meets the extents and filters.
        """
        collection = catalogue.collection(str(id))
        if collection is None:
            raise CollectionNotFound(collection_id=id)
        box = extents.spatial_extent(spatial_extent, PROCESS)
        times = extents.temporal_extent(temporal_extent, PROCESS)
        pairs = band_set(collection).resolve(bands, PROCESS)
        cql = to_cql2(properties, PROCESS)
        found = catalogue.search(str(id), box.wgs84() if box else None, times.start, times.end, cql)
        items = [it for it in found if in_time(it, times)]
        vp = collection.get("vp")
        built = None
        if items:
            if vp:
                built = load_l2b(items, vp, box, pairs)
            else:
                built = load_rasters(items, pairs, box, process=PROCESS)
        if built is None:
            where = f"spatial extent {box}" if box else "any place"
            raise NoDataAvailable(
                reason=f"collection '{id}' has no data in {where} and temporal extent {times}"
                + (" matching the property filters" if cql else "")
            )
        cube, grid = built
        attrs = {**cube.attrs, "collection": str(id)}
        return finish(cube, grid, DimNames.of(collection), attrs)

    return load_collection
