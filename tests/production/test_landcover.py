"""``vp_lai_fapar`` takes each pixel's climatological prior from the catalogue's land-cover map."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

from processes.grid import PROBAV_1KM
from processes.production import run_production
from processes.production.chain import ChainHooks, ChainState
from processes.production.plan import Chunk, Plan
from processes.production.settings import ProductionSettings
from processes.production.snapshot import SnapshotCatalogue
from processes.production.step import OUTPUTS, Carry, StepSpec, chunk_climatology, run_step
from processes.retrieval.landcover import DEFAULT_PRIOR_TABLE
from processes.retrieval.prior import PosteriorState
from processes.retrieval.state import NAMES, PARAMETERS
from processes.retrieval.window import (
    BIT_NO_OBS,
    BIT_PRIOR_CLIMATOLOGY,
    BIT_PRIOR_PREVIOUS,
    RetrievalConfig,
)
from stac.catalog import load_items, upsert_collections
from tests.production.conftest import COL0, ROW0, SENSORS, TILE, roi

LC = "esa-cci-lc"
PERIOD = ("2019-06-06", "2019-06-16")
CM = NAMES.index("cm")
# needleleaf evergreen, cropland, unmapped (nodata), grassland: neighbours get other priors
PATTERN = (70, 10, 0, 130)


def _codes(size: int) -> np.ndarray:
    r, c = np.indices((size, size))
    return np.asarray(PATTERN, np.uint8)[(r + 2 * c) % len(PATTERN)]


def register_map(
    dsn: str, folder: Path, codes: np.ndarray, pixel: float | None = None, col0: int = 0
) -> None:
    """A one-item ``esa-cci-lc`` collection: ``codes`` from column ``col0`` of the simulated
    crop on (on the PROBA-V grid unless another ``pixel`` size is given)."""
    px = PROBAV_1KM.pixel_size
    lon0, lat0 = PROBAV_1KM.pixel_to_lonlat(TILE, ROW0, COL0 + col0)
    step = pixel or px
    west, north = lon0 - px / 2, lat0 + px / 2
    rows, cols = codes.shape
    east, south = west + cols * step, north - rows * step
    path = folder / "landcover.tif"
    profile = {"driver": "GTiff", "width": cols, "height": rows, "count": 1, "dtype": "uint8",
               "crs": "EPSG:4326", "transform": from_origin(west, north, step, step), "nodata": 0}  # fmt: skip
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(codes, 1)
    band = {"name": "lccs_class"}
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    upsert_collections(dsn, [{
        "type": "Collection", "stac_version": "1.0.0", "id": LC, "description": "land cover",
        "license": "other", "links": [], "summaries": {"eo:bands": [band]},
        "extent": {"spatial": {"bbox": [[west, south, east, north]]},
                   "temporal": {"interval": [["2019-01-01T00:00:00Z", "2019-12-31T23:59:59Z"]]}},
    }])  # fmt: skip
    load_items(dsn, [{
        "type": "Feature", "stac_version": "1.0.0", "id": "lc-2019", "collection": LC,
        "bbox": [west, south, east, north], "geometry": {"type": "Polygon", "coordinates": [ring]},
        "properties": {"datetime": None, "start_datetime": "2019-01-01T00:00:00Z",
                       "end_datetime": "2019-12-31T23:59:59Z"},
        "links": [], "assets": {"lccs_class": {
            "href": f"file://{path}", "type": "image/tiff; application=geotiff", "roles": ["data"],
            "eo:bands": [band], "raster:bands": [{"nodata": 0, "data_type": "uint8"}]}},
    }])  # fmt: skip


def _run(catalogue, size=8, **kwargs):
    notes: list[str] = []
    hooks = kwargs.pop("hooks", None) or ChainHooks()
    hooks.on_note = notes.append
    cube, report = run_production(
        catalogue, roi(size), *PERIOD, sensors=list(SENSORS), hooks=hooks, **kwargs
    )
    return cube, report, notes


def test_site_and_tile_runs_take_each_pixels_class_prior(catalogue, pgstac_dsn, tmp_path):
    # the map reaches beyond the 8×8 px run to the south but starts at its third column
    register_map(pgstac_dsn, tmp_path, _codes(16)[:, 2:], col0=2)
    codes = _codes(8)
    codes[:, :2] = 0
    state = tmp_path / "state.npz"
    site, report, notes = _run(catalogue, mode="site", hooks=ChainHooks(save_to=state))
    assert report.landcover == site.attrs["landcover"] == LC
    assert notes[0].startswith(f"by land-cover class from land-cover collection '{LC}'")
    assert f"{(codes > 0).sum()} of 64 pixels mapped" in notes[0]
    off = ProductionSettings(landcover_collection="")
    plain, plain_report, plain_notes = _run(catalogue, mode="site", settings=off)
    assert plain_report.landcover == plain.attrs["landcover"] == "none"
    assert "disabled" in plain_notes[0]

    lai, plain_lai = site.sel(bands="LAI").values, plain.sel(bands="LAI").values
    assert np.isfinite(lai).mean() > 0.8
    # unmapped pixels keep the global prior: the numbers of a run without a map
    np.testing.assert_allclose(
        site.values[..., codes == 0], plain.values[..., codes == 0], rtol=1e-6, equal_nan=True
    )
    # mapped pixels move (needleleaf Cm 0.016 ± 0.004 and ALA 45° against 0.006 ± 0.003, 57°)
    mapped = (codes > 0) & np.isfinite(lai) & np.isfinite(plain_lai)
    assert np.mean(np.abs(lai - plain_lai)[mapped] > 1e-3) > 0.5

    # the retrieved leaf dry matter follows each pixel's class (Cm is weakly observed; measured
    # medians 0.0130 needleleaf, 0.0050 crop; 0.0060 both without a map)
    cm = ChainState.load(state).x[:, CM].reshape(codes.shape)
    assert np.median(cm[codes == 70]) > 0.011 and np.median(cm[codes == 10]) < 0.0055

    # the tile path (4 chunks, each with its slice of the map) gives the site path's pixels
    tile, tile_report, _ = _run(catalogue, mode="tile", chunk_size=5, scheduler="threads")
    assert tile_report.chunks == 4 and tile_report.landcover == LC
    np.testing.assert_allclose(site.values, tile.values, rtol=1e-6, atol=0, equal_nan=True)


def test_no_map_or_a_map_off_the_grid_falls_back_to_the_global_prior(
    catalogue, pgstac_dsn, tmp_path
):
    absent, report, notes = _run(catalogue, size=4, mode="site")
    assert report.landcover == absent.attrs["landcover"] == "none"
    assert notes == [f"global (no land-cover collection '{LC}' in the catalogue)."]
    off = ProductionSettings(landcover_collection="")
    plain, _, _ = _run(catalogue, size=4, mode="site", settings=off)
    np.testing.assert_array_equal(absent.values, plain.values)

    # a 300 m map (CCI-LC's native grid) is not resampled silently: noted, global prior
    register_map(pgstac_dsn, tmp_path, np.full((48, 48), 70, np.uint8), PROBAV_1KM.pixel_size / 3)
    other, report, notes = _run(catalogue, size=4, mode="site")
    assert report.landcover == "none"
    assert notes[0].startswith("global (the map of land-cover collection") and "grid" in notes[0]
    np.testing.assert_array_equal(other.values, plain.values)


def _chunk(size: int) -> Chunk:
    ys, xs = np.arange(size, 0, -1.0), np.arange(size, dtype=float)
    return Plan(ys, xs, "EPSG:4326", (), None).chunk(slice(None), slice(None))


@pytest.mark.parametrize("valid", [False, True])
def test_a_window_without_observations_passes_each_pixels_class_prior_on(valid):
    codes = np.array([[70, 10], [0, 130]], np.float32)
    # a sensor collection without items in the window: no observation slot at all
    snapshot = SnapshotCatalogue({"probav": {"id": "probav"}}, {"probav": ()})
    spec = StepSpec(("probav",), timedelta(days=5), RetrievalConfig())
    x = np.tile([p.prior_mean for p in PARAMETERS], (4, 1))
    x[:, CM] = 0.002  # a previous posterior far from every class prior
    cov = np.tile(np.eye(len(NAMES)) * 1e-8, (4, 1, 1))
    carry = Carry(PosteriorState(x, cov, np.full(4, valid)))
    day = datetime(2019, 6, 6, tzinfo=UTC)
    res, after = run_step(snapshot, spec, _chunk(2), day, carry, chunk_climatology(codes))
    assert res.ok and np.isnan(res.values[OUTPUTS.index("LAI")]).all()
    flags = res.values[OUTPUTS.index("quality_flag")].astype(int)
    prior_bit = BIT_PRIOR_PREVIOUS if valid else BIT_PRIOR_CLIMATOLOGY
    assert (flags == (1 << BIT_NO_OBS) | (1 << prior_bit)).all()
    post = after.posterior
    assert not post.valid.any()  # the next date starts from each pixel's climatology
    if valid:  # what retrieve_window passes on: the previous posterior, inflated
        np.testing.assert_allclose(post.x[:, CM], 0.002)
        assert (np.diagonal(post.cov, axis1=1, axis2=2)[:, CM] > 1e-8).all()
    else:  # nothing to carry: the class climatology of every pixel (code 0: the global one)
        expected = [DEFAULT_PRIOR_TABLE[70]["cm"][0], DEFAULT_PRIOR_TABLE[10]["cm"][0],
                    PARAMETERS[CM].prior_mean, DEFAULT_PRIOR_TABLE[130]["cm"][0]]  # fmt: skip
        np.testing.assert_allclose(post.x[:, CM], expected)
