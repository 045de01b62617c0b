"""load_collection on an ingested L2B sensor collection: lazy blocks that equal open_l2b."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from ingest.collections import sensor_collection
from processes.cubes import make_load_collection
from processes.cubes.l2b import BAND_COORDS
from processes.exceptions import ProcessParameterInvalid
from processes.io import open_l2b_many
from processes.retrieval.cube import layout
from tests.cubes.helpers import ComputeCounter


@pytest.fixture
def reference(l2b_products, probav) -> xr.DataArray:
    """Oracle: every product read eagerly with the registry's own vp block."""
    return open_l2b_many(sorted(l2b_products.products), sensor_collection(probav)["vp"])


def test_whole_collection_equals_open_l2b(l2b, reference):
    with ComputeCounter() as counter:
        cube = make_load_collection(l2b)("probav", None, None)
    assert counter.computes == 0
    # one lazy block per acquisition, all layers in it
    assert cube.chunks[0] == (1,) * reference.sizes["t"] and cube.chunks[1] == (
        reference.sizes["bands"],
    )
    np.testing.assert_array_equal(cube.t.values, reference.t.values)
    assert list(cube.bands.values) == list(reference.bands.values)
    for name in BAND_COORDS:  # the collection's vp came back from jsonb with keys reordered
        np.testing.assert_array_equal(cube[name].values, reference[name].values)
    np.testing.assert_allclose(cube.x.values, reference.x.values, rtol=0, atol=1e-9)
    np.testing.assert_allclose(cube.y.values, reference.y.values, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(cube.values, reference.values)
    assert cube.rio.crs.to_epsg() == 4326 and cube.attrs["sensor"] == "probav"
    layout(cube, srf_step=10.0)  # the optisail input convention holds


def test_bbox_time_and_band_selection(l2b, reference):
    xs, ys = reference.x.values, reference.y.values
    box = {
        "west": xs[2] - 0.001,
        "east": xs[5] + 0.001,
        "south": ys[6] - 0.001,
        "north": ys[3] + 0.001,
    }
    days = [str(t)[:10] for t in reference.t.values]
    cube = make_load_collection(l2b)(
        "probav", box, [days[1], days[3]], ["red", "NIR_unc", "vza_swir", "clear"]
    )
    assert cube.shape == (2, 4, 4, 4)
    assert list(cube.bands.values) == ["red", "NIR_unc", "vza_swir", "clear"]
    assert cube.wavelength.values[0] == 658.0 and np.isnan(cube.wavelength.values[1])
    expected = reference.sel(bands=["RED", "NIR_unc", "vza_swir", "clear"]).isel(
        t=[1, 2], x=slice(2, 6), y=slice(3, 7)
    )
    np.testing.assert_array_equal(cube.values, expected.values)


def test_a_box_in_another_crs_and_unknown_layers(l2b, reference):
    load = make_load_collection(l2b)
    from rasterio.warp import transform_bounds

    xs, ys = reference.x.values, reference.y.values
    w, s, e, n = transform_bounds("EPSG:4326", "EPSG:3857", xs[0], ys[4], xs[3], ys[0])
    cube = load(
        "probav", {"west": w, "south": s, "east": e, "north": n, "crs": 3857}, None, ["NIR"]
    )
    assert cube.sizes["x"] == 4 and cube.sizes["y"] == 5
    np.testing.assert_array_equal(cube.x.values, reference.x.values[:4])
    with pytest.raises(ProcessParameterInvalid, match="'TOC'"):
        load("probav", None, None, ["NIR", "TOC"])
