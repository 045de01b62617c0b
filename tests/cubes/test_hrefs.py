"""Where asset bytes come from: a local alternate of an http href, or the URL itself."""

from __future__ import annotations

import json

import numpy as np

from processes.cubes import make_load_collection, make_load_stac
from processes.io import open_l2b_many
from stac.migrate import connect
from tests.conftest import free_port
from tests.cubes.helpers import serve

S2 = "SENTINEL2_L2A_SYNTHETIC"


def _local(asset: dict) -> str:
    """The product file of an ingested asset (ingest may already give an http href)."""
    return ((asset.get("alternate") or {}).get("local") or {}).get("href") or asset["href"]


def _rewrite(dsn, catalogue, collection, change) -> list[dict]:
    items = catalogue.search(collection, None, None, None, None)
    for item in items:
        change(item["assets"]["data"])
    with connect(dsn, autocommit=True) as conn:
        conn.execute("SELECT pgstac.upsert_items(%s::jsonb)", [json.dumps(items)])
    return items


def test_l2b_reads_the_local_alternate_of_an_http_href(pgstac_dsn, l2b, l2b_products, probav):
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens: only the alternate can work

    def change(asset):
        path = _local(asset)
        asset["href"] = f"{dead}/files/{path.rsplit('/', 1)[1]}"
        asset["alternate"] = {"local": {"href": path}}

    _rewrite(pgstac_dsn, l2b, "probav", change)
    cube = make_load_collection(l2b)("probav", None, None, ["NIR", "clear"])
    reference = open_l2b_many(sorted(l2b_products.products), probav.vp())
    np.testing.assert_array_equal(cube.values, reference.sel(bands=["NIR", "clear"]).values)


def test_l2b_and_cogs_read_through_http_when_no_local_file(
    pgstac_dsn, l2b, l2b_products, probav, demo, demo_dir
):
    folder = l2b_products.products[0].parent
    with serve(folder) as url:

        def change(asset):
            asset["href"] = f"{url}/{asset['href'].rsplit('/', 1)[1]}"
            asset["alternate"] = {"local": {"href": "/nonexistent/file.nc"}}

        _rewrite(pgstac_dsn, l2b, "probav", change)
        cube = make_load_collection(l2b)("probav", None, None, ["RED"]).compute()
    reference = open_l2b_many(sorted(l2b_products.products), probav.vp())
    np.testing.assert_array_equal(cube.values, reference.sel(bands=["RED"]).values)

    item = demo.search(S2, None, None, None, None)[0]
    with serve(demo_dir / S2) as url:
        for asset in item["assets"].values():
            asset["href"] = f"{url}/{asset['href'].rsplit('/', 1)[1]}"
        remote = make_load_stac(lambda u: item)("http://stac.test/item").compute()
    local = make_load_collection(demo)(S2, None, ["2022-06-01", "2022-06-02"])
    np.testing.assert_array_equal(remote.values, local.values)
