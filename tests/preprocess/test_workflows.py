"""Both workflow orders end to end (L1B → L2B files), error reports, and Dask parallelism."""

from __future__ import annotations

import netCDF4
import numpy as np
import pytest
import xarray as xr

from processes.exceptions import BandsMissing, NoDataAvailable, ProcessParameterInvalid
from processes.preprocess import adapt, smac_correct, tile_project
from processes.preprocess.bands import SENSOR_BANDS
from processes.preprocess.l1b import open_segment, write_segment
from processes.preprocess.tilegrid import tile_coords
from processes.preprocess.workflows import preprocess_segments


def test_smac_correct_recovers_truth_on_the_swath(avhrr_segment, meteo, dem):
    l1b, truth = avhrr_segment
    toc = smac_correct(l1b, meteo, dem)
    clear = ~truth["cloud"].values
    for band in ("RED", "NIR", "SWIR"):
        err = np.abs(toc[band].values - truth[f"toc_{band}"].values)[clear]
        assert np.nanmax(err) < 1e-5  # float32 storage of TOA is the only loss
        sigma = toc[f"{band}_err"].values[clear]
        assert np.all(sigma > 0.025 * truth[f"toc_{band}"].values[clear])


def _read_l2b(path):
    with netCDF4.Dataset(path) as nc:
        out = {"attrs": {k: nc.getncattr(k) for k in nc.ncattrs()}, "lat": nc["lat"][:],
               "lon": nc["lon"][:], "SM": nc["LEVEL2B/QUALITY/SM"][:],
               "VZA": nc["LEVEL2B/GEOMETRY/SWIR/VZA"][:], "SZA": nc["LEVEL2B/GEOMETRY/SZA"][:]}  # fmt: skip
        sensor = nc.getncattr("sensor")
        for band, entry in SENSOR_BANDS[sensor].items():
            group = entry.l2b_band  # AVHRR RED is written as B1 (ingest/sensors/metop-avhrr.yaml)
            if group not in nc["LEVEL2B/RADIOMETRY"].groups:
                continue
            var = nc[f"LEVEL2B/RADIOMETRY/{group}/TOC"]
            assert var.dtype == np.int16 and var.scale_factor == np.float32(0.0005)
            assert var._FillValue == -1
            out[band] = var[:].filled(np.nan)
            out[f"{band}_err"] = nc[f"LEVEL2B/RADIOMETRY/{group}/TOC_ERR"][:].filled(np.nan)
    return out


@pytest.mark.parametrize(
    ("segment", "order"), [("avhrr_segment", "AVHRR"), ("viirs_segment", "VIIRS")]
)
def test_workflow_writes_l2b_tiles_that_match_the_truth(
    request, segment, order, meteo, dem, tmp_path
):
    l1b, truth = request.getfixturevalue(segment)
    reports = preprocess_segments([l1b], meteo, dem, tmp_path, workflow=order)
    assert reports[0].ok and reports[0].outputs
    truth_tiles = tile_project(truth.assign_attrs(bands=""))
    for path in reports[0].outputs:
        assert path.name.startswith("c3s_L2B_20200615_X") and path.name.endswith(
            f"_1KM_{order}_V1.0.nc"
        )
        tile = path.name.split("_")[3]
        got = _read_l2b(path)
        lat, lon = tile_coords(tile)
        np.testing.assert_allclose(got["lat"], lat)
        np.testing.assert_allclose(got["lon"], lon)
        assert got["attrs"]["sensor"] == order and got["attrs"]["product_version"] == "1.0"
        cloud_state = got["SM"] & 0x3
        ref = truth_tiles[tile]
        clear = (cloud_state == 0) & np.isfinite(ref["pressure"].values)
        assert clear.sum() > 1000
        np.testing.assert_array_equal(cloud_state[~np.isfinite(ref["pressure"].values)], 0b10)
        for band in l1b.attrs["bands"].split():
            toc_truth = ref[f"toc_{band}"].values[clear]
            # AVHRR: DN rounding only. VIIRS corrects on the tile, so meteo and DEM are taken at
            # the tile-pixel centre, not at the swath pixel (≤ 0.5 km apart): at lake shores the
            # DEM drops ~100 m in that distance (≈ 12 hPa), worth a few DN in the red, and more
            # in the blue and green M3/M4 (Rayleigh scattering ∝ pressure · λ⁻⁴; measured p99
            # 2 DN and max 9 DN in M3).
            err = np.abs(got[band][clear] - toc_truth)
            short = SENSOR_BANDS[order][band].wavelength_um < 0.6
            assert np.percentile(err, 99) <= (0.0012 if short else 0.0003)
            assert err.max() <= (0.0003 if order == "AVHRR" else 0.006 if short else 0.002)
            assert np.all(got[f"{band}_err"][clear] > 0)
        assert np.all((got["SM"][clear] & 0x70) == 0x70)  # SWIR, NIR, RED quality good


def test_errors_are_reported_and_the_rest_continues(avhrr_segment, meteo, dem, tmp_path):
    l1b, _ = avhrr_segment
    good = write_segment(l1b, tmp_path / "good.nc")
    corrupt = tmp_path / "corrupt.nc"
    corrupt.write_bytes(b"CDF\x01 this is not a netCDF file")
    no_band = write_segment(l1b.drop_vars("NIR"), tmp_path / "no_band.nc")
    late = write_segment(l1b.assign_attrs(time_coverage_start="2021-01-01T00:00:00Z",
                                          time_coverage_end="2021-01-01T00:01:00Z"),
                         tmp_path / "late.nc")  # fmt: skip
    out = tmp_path / "out"
    reports = preprocess_segments([corrupt, good, no_band, late], meteo, dem, out)
    assert [r.ok for r in reports] == [False, True, False, False]
    assert reports[0].error_code == "ProcessParameterInvalid" and "corrupt" in reports[0].message
    assert reports[2].error_code == "ProcessParameterInvalid"
    assert reports[3].error_code == "NoDataAvailable"
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in reports[1].outputs)
    truncated = tmp_path / "truncated.nc"
    truncated.write_bytes(good.read_bytes()[:5000])
    unknown = preprocess_segments([truncated, good], meteo, dem, out, bands=["BLUE"])
    assert unknown[0].error_code == "ProcessParameterInvalid" and "corrupt" in unknown[0].message
    assert unknown[1].error_code == "BandsMissing" and "BLUE" in unknown[1].message
    small_dem = dem.sel(lat=slice(None, 48.0))  # the segment reaches 53°N
    far = preprocess_segments([good], meteo, small_dem, out)[0]
    assert far.error_code == "NoDataAvailable" and "DEM" in far.message
    missing = preprocess_segments([good], None, dem, out)[0]
    assert missing.error_code == "NoDataAvailable" and "meteo" in missing.message
    assert preprocess_segments([good], meteo, None, out)[0].error_code == "NoDataAvailable"


def test_band_errors(avhrr_segment, meteo, dem):
    l1b, _ = avhrr_segment
    with pytest.raises(BandsMissing):
        smac_correct(l1b, meteo, dem, bands=["BLUE"])
    with pytest.raises(ProcessParameterInvalid, match="unknown band"):
        smac_correct(l1b.assign(B5=l1b["RED"]).assign_attrs(bands="RED B5"), meteo, dem)
    with pytest.raises(ProcessParameterInvalid, match="aerosol"):
        smac_correct(l1b, meteo, dem, aerosol_model="maritime")
    with pytest.raises(NoDataAvailable):
        smac_correct(l1b, meteo.sel(lon=slice(15, 25)), dem)
    with pytest.raises(ProcessParameterInvalid):
        adapt(l1b)


def test_open_segment_round_trip_and_layout_check(avhrr_segment, tmp_path):
    l1b, _ = avhrr_segment
    back = open_segment(write_segment(l1b, tmp_path / "s.nc"))
    xr.testing.assert_allclose(back, l1b)
    broken = write_segment(l1b.drop_vars("sza"), tmp_path / "broken.nc")
    with pytest.raises(ProcessParameterInvalid, match="sza"):
        open_segment(broken)


def test_distributed_client_runs_segments_in_worker_processes(avhrr_segment, meteo, dem, tmp_path):
    distributed = pytest.importorskip("distributed")
    l1b, _ = avhrr_segment
    paths = [write_segment(l1b, tmp_path / "a.nc")]
    meteo_path, dem_path = tmp_path / "meteo.nc", tmp_path / "dem.nc"
    meteo.to_netcdf(meteo_path)
    dem.to_netcdf(dem_path)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:  # fmt: skip
        reports = preprocess_segments([*paths, tmp_path / "missing.nc"], meteo_path, dem_path,
                                      tmp_path / "out", client=client)  # fmt: skip
    assert reports[0].ok and len(reports[0].outputs) >= 1
    assert reports[1].error_code == "ProcessParameterInvalid"


def test_error_model_as_json_object(avhrr_segment, meteo, dem):
    l1b, _ = avhrr_segment
    base = smac_correct(l1b, meteo, dem, bands=["RED"])
    loose = smac_correct(l1b, meteo, dem, bands=["RED"], errors={"toa_rel": 0.06, "aot_rel": 0.4})
    ok = np.isfinite(base["RED_err"].values)
    assert np.all(loose["RED_err"].values[ok] > base["RED_err"].values[ok])
    np.testing.assert_array_equal(loose["RED"].values[ok], base["RED"].values[ok])
    for bad in ({"toa": 0.03}, {"toa_rel": -1}, {"toa_rel": "x"}, [0.03]):
        with pytest.raises(ProcessParameterInvalid, match="errors"):
            smac_correct(l1b, meteo, dem, errors=bad)
