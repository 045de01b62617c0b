"""CCI products from real retrieval outputs: names, attributes, encodings, CF/ACDD checks."""

from __future__ import annotations

from datetime import UTC, datetime

import netCDF4
import numpy as np
import pytest
import xarray as xr

from processes.repackage import CciMetadata, read_retrieval, repackage, write_product
from processes.repackage.attributes import CCI_TIME
from processes.repackage.naming import PREFIX, parse_filename
from processes.repackage.variables import QUALITY_BITS
from tests.repackage.scenes import compliance

DOI = "10.5285/0123456789abcdef"
CCI_ATTRS = (
    "title institution source history references tracking_id Conventions product_version summary "
    "keywords id naming_authority doi keywords_vocabulary cdm_data_type comment date_created "
    "creator_name creator_url creator_email contact project geospatial_lat_min geospatial_lat_max "
    "geospatial_lon_min geospatial_lon_max geospatial_vertical_min geospatial_vertical_max "
    "time_coverage_start time_coverage_end time_coverage_duration time_coverage_resolution "
    "standard_name_vocabulary license platform sensor spatial_resolution geospatial_lat_units "
    "geospatial_lon_units geospatial_lat_resolution geospatial_lon_resolution key_variables"
).split()
CREATED = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)


def _write(products, tmp_path):
    paths = []
    for p in products:
        path = tmp_path / p.relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        write_product(p, path)
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def written(outputs, tmp_path_factory):
    """Tile and site products written from the retrieval output files."""
    tmp = tmp_path_factory.mktemp("cci")
    meta = CciMetadata(doi=DOI)
    made = {}
    for kind in ("tile", "site"):
        ds, info = read_retrieval(getattr(outputs, kind))
        products = repackage(ds, info, meta, platform="PROBA-V, SPOT-5", sensor="VEGETATION",
                             created=CREATED)  # fmt: skip
        made[kind] = (products, _write(products, tmp), ds)
    return made


def test_names_and_tree(written):
    tiles, tile_paths, _ = written["tile"]
    assert [p.relpath for p in tiles] == [
        f"transect/2019/X18Y02/{PREFIX}-tile_X18Y02-20190603-fv1.0.nc",
        f"transect/2019/X18Y02/{PREFIX}-tile_X18Y02-20190608-fv1.0.nc",
    ]
    sites, site_paths, _ = written["site"]
    assert [p.relpath for p in sites] == [
        f"sites/2019/{PREFIX}-site_FR-Fon_Fontainebleau-Barbeau-2019-fv1.0.nc"
    ]
    parsed = parse_filename(site_paths[0].name)
    assert (parsed.kind, parsed.key, parsed.site_name, parsed.period) == (
        "site", "FR-Fon", "Fontainebleau-Barbeau", "2019",
    )  # fmt: skip
    assert parse_filename(tile_paths[1].name).period == "20190608"
    assert parse_filename("c3s_L2B_20190603_X18Y02_102042_1KM_PROBAV_V1.0.nc") is None


def test_global_attributes(written):
    for kind in ("tile", "site"):
        _, paths, _ = written[kind]
        with netCDF4.Dataset(paths[0]) as nc:
            attrs = nc.__dict__
        missing = [a for a in CCI_ATTRS if a not in attrs]
        assert not missing, (kind, missing)
        assert not [a for a in attrs if a.startswith("canopy_")], "internal attributes leaked"
        assert attrs["id"] == paths[0].name and attrs["doi"] == DOI
        assert attrs["Conventions"] == "CF-1.8, ACDD-1.3"
        assert attrs["date_created"] == "20240506T070809Z"
        assert "OptiSAIL-like" in attrs["source"] and "PROBA-V" in attrs["source"]
        assert attrs["time_coverage_resolution"] == "P5D"
        assert attrs["project"] == "Climate Change Initiative - European Space Agency"
    with netCDF4.Dataset(written["tile"][1][0]) as nc:
        assert nc.time_coverage_start == "20190529T000000Z"  # the window: 2019-06-03 ± 5 days
        assert nc.time_coverage_end == "20190608T000000Z"
        assert nc.time_coverage_duration == "P10D"
        assert "j-tile-0001" in nc.history
        assert datetime.strptime(nc.date_created, CCI_TIME).replace(tzinfo=UTC) == CREATED


def test_variables_encoding_and_values(written):
    _, paths, source = written["tile"]
    with netCDF4.Dataset(paths[0]) as nc:
        assert set(nc.variables) == {
            "time",
            "lat",
            "lon",
            "time_bnds",
            "lat_bnds",
            "lon_bnds",
            "crs",
            "LAI",
            "LAI_unc",
            "fAPAR",
            "fAPAR_unc",
            "LAI_fAPAR_corr",
            "quality_flag",
            "n_obs",
        }  # fmt: skip: chi2 (internal) and Cab (site-only) are dropped from tile products
        lai = nc["LAI"]
        assert lai.dtype == np.int16 and lai.dimensions == ("time", "lat", "lon")
        assert lai.scale_factor == pytest.approx(0.001) and lai._FillValue == -32768
        assert (lai.valid_min, lai.valid_max) == (0, 10000)
        assert lai.grid_mapping == "crs" and lai.standard_name == "leaf_area_index"
        assert lai.chunking() == [1, 5, 5] and lai.filters()["zlib"]
        assert nc["fAPAR"].scale_factor == pytest.approx(1e-4)
        assert nc["LAI_fAPAR_corr"].valid_min == -10000
        flags = nc["quality_flag"]
        assert list(flags.flag_masks) == [1 << b for b in range(len(QUALITY_BITS))]
        assert flags.flag_meanings.split() == list(QUALITY_BITS)
        assert nc["crs"].grid_mapping_name == "latitude_longitude"
        assert nc["time"].units == "days since 1970-01-01" and nc["time"].calendar == "standard"
        raw = nc["LAI"]
        raw.set_auto_maskandscale(False)
        dn = raw[:]
    src = source.isel(t=0)
    lai_src = src["LAI"].values
    assert np.isnan(lai_src).any(), "the scene should have a pixel without retrieval"
    np.testing.assert_array_equal(dn[0] == -32768, np.isnan(lai_src))
    back = xr.open_dataset(paths[0])
    for var, tol in (("LAI", 5e-4), ("fAPAR", 5e-5), ("LAI_fAPAR_corr", 5e-5)):
        np.testing.assert_allclose(back[var].values[0], src[var].values, atol=tol + 1e-9)
    np.testing.assert_array_equal(back["quality_flag"].values[0], src["quality_flag"].values)
    np.testing.assert_array_equal(back["n_obs"].values[0], src["n_obs"].values)
    day = np.timedelta64(5, "D")
    assert (back.time_bnds.values[0] == back.time.values[0] + np.array([-day, day])).all()
    assert np.allclose(np.abs(np.diff(back.lat_bnds.values, axis=1)), 1 / 112)
    assert back.lat_bnds.values[0, 1] == back.lat_bnds.values[1, 0]  # contiguous cells
    back.close()


def test_site_product_holds_the_series(written):
    _, paths, source = written["site"]
    back = xr.open_dataset(paths[0])
    assert back.sizes == {"time": 2, "lat": 3, "lon": 3, "nv": 2}
    assert "Cab" in back and "Cab_unc" in back and "chi2" not in back
    np.testing.assert_allclose(back["LAI"].values, source["LAI"].values, atol=5e-4 + 1e-9)
    assert back.attrs["time_coverage_start"] == "20190529T000000Z"
    assert back.attrs["time_coverage_end"] == "20190613T000000Z"
    back.close()


def test_site_series_split_per_year(outputs):
    ds, info = read_retrieval(outputs.site)
    # the same retrieved values relabelled across a year boundary
    ds = ds.assign_coords(t=np.array(["2019-12-28", "2020-01-02"], "datetime64[ns]"))
    products = repackage(ds, info)
    assert [p.relpath.split("/")[1] for p in products] == ["2019", "2020"]
    assert [p.dataset.sizes["time"] for p in products] == [1, 1]
    assert products[0].fingerprint != products[1].fingerprint


@pytest.mark.parametrize("kind", ["tile", "site"])
def test_cf_compliance_checker_reports_no_errors(written, kind, tmp_path):
    for path in written[kind][1]:
        assert compliance(path, "cf:1.8", tmp_path) == [], path.name


def test_acdd_checker_only_reports_known_design_choices(written, tmp_path):
    # Highly recommended and recommended ACDD-1.3 attributes are all there. Known, by design:
    # LAI_fAPAR_corr and Cab have no CF standard name; geospatial_* are cell edges and
    # time_coverage_* the retrieval window, while the checker compares them with pixel centres
    # and step dates; there is no vertical axis for geospatial_vertical_*.
    allowed = {"geospatial_lat_extents_match", "geospatial_lon_extents_match",
               "geospatial_vertical_extents_match", "time_coverage_extents_match"}  # fmt: skip
    unnamed = {f'variable "{v}" missing the following attributes:' for v in
               ("LAI_fAPAR_corr", "Cab", "Cab_unc")}  # fmt: skip
    for kind in ("tile", "site"):
        levels = ("high_priorities", "medium_priorities")
        failed = compliance(written[kind][1][0], "acdd:1.3", tmp_path, levels)
        assert {name for name, _ in failed} - allowed - unnamed == set(), failed
        for name, msgs in failed:
            if name in unnamed:
                assert msgs == ["standard_name"], (name, msgs)
