"""Reading root attributes from the bytes of a NetCDF-4/HDF5 file, checked against h5py."""

from __future__ import annotations

import h5py
import netCDF4
import numpy as np
import pytest

from ingest.h5meta import AttributeReader, Unresolved, read_attributes
from ingest.scan import ATTRIBUTES, product_metadata


def _h5py_attrs(path, names=ATTRIBUTES) -> dict:
    with h5py.File(path, "r") as f:
        out = {}
        for k in names:
            if k not in f.attrs:
                continue
            v = f.attrs[k]
            v = v.item() if getattr(v, "size", 1) == 1 and hasattr(v, "item") else v
            out[k] = v.decode() if isinstance(v, bytes) else v
        return out


def test_simulated_products_read_like_h5py(summer):
    for path in summer.products:
        assert read_attributes(path.read_bytes(), ATTRIBUTES) == _h5py_attrs(path)


def test_edited_files_give_what_is_there_now(summer, tmp_path):
    # HDF5 leaves the bytes of deleted and rewritten attributes in the file: only the index
    # the reader follows says which are live
    path = tmp_path / summer.products[0].name
    path.write_bytes(summer.products[0].read_bytes())
    with netCDF4.Dataset(path, "a") as ds:
        ds.delncattr("time_coverage_end")
        ds.setncattr("tile", "X18Y02-with-a-longer-value")
        ds.setncattr("comment", "added " * 50)
        ds["lat"].setncattr("product_token", "NOT-ROOT")
    got = read_attributes(path.read_bytes(), [*ATTRIBUTES, "comment"])
    assert got == _h5py_attrs(path, [*ATTRIBUTES, "comment"])
    assert "time_coverage_end" not in got and got["product_token"] == "PROBAV"
    with pytest.raises(KeyError, match="time_coverage_end"):
        product_metadata(path.read_bytes())


ATTRS = {
    "time_coverage_start": np.bytes_("2020-01-01T10:00:00Z"),
    "time_coverage_end": np.bytes_("2020-01-01T10:05:00Z"),
    "tile": np.bytes_("X18Y02"),
    "product_token": np.bytes_("PROBAV"),
    "product_version": np.bytes_("1.0"),
    "geospatial_lon_min": np.float32(0.5),
    "geospatial_lat_min": -12.25,
    "geospatial_lon_max": np.array([1.5]),
    "geospatial_lat_max": np.int16(-3),
}


def _write(path, libver, attrs, extra: int = 0):
    with h5py.File(path, "w", libver=libver) as f:
        f.create_dataset("lat", data=np.arange(3.0))
        f["lat"].attrs["tile"] = np.bytes_("X00Y00")  # the same name on a variable
        for k, v in attrs.items():
            f.attrs[k] = v
        for i in range(extra):  # many attributes: dense storage
            f.attrs[f"extra_{i}"] = np.bytes_("x" * i)


@pytest.mark.parametrize(("libver", "extra"), [("earliest", 0), ("latest", 0), ("latest", 40)])
def test_other_layouts(tmp_path, libver, extra):
    path = tmp_path / "a.h5"
    _write(path, libver, ATTRS, extra)
    got = read_attributes(path.read_bytes(), ATTRIBUTES)  # v1 or v2 headers, compact or dense
    assert got == _h5py_attrs(path) and got["tile"] == "X18Y02"
    assert isinstance(got["geospatial_lat_max"], int) and got["geospatial_lon_min"] == 0.5


def test_variable_length_strings_fall_back_to_h5py(tmp_path):
    path = tmp_path / "vlen.h5"
    plain = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in ATTRS.items()}
    _write(path, "latest", plain)
    data = path.read_bytes()
    with pytest.raises(Unresolved):
        read_attributes(data, ATTRIBUTES)
    assert product_metadata(data)["time_coverage_end"] == "2020-01-01T10:05:00Z"


def test_not_hdf5_and_truncated(summer):
    data = summer.products[0].read_bytes()
    with pytest.raises(OSError, match="no HDF5 signature"):
        read_attributes(b"CDF\x01" + data[4:], ATTRIBUTES)
    for cut in (40, 2000, len(data) // 2, len(data) - 1):
        with pytest.raises(OSError, match="truncated"):
            read_attributes(data[:cut], ATTRIBUTES)


def test_a_shared_reader_reuses_layouts_but_never_stale_ones(summer, tmp_path):
    reader = AttributeReader(ATTRIBUTES)
    for path in summer.products:  # most files take the remembered layout
        assert reader.read(path.read_bytes()) == _h5py_attrs(path)
    edited = tmp_path / summer.products[1].name
    edited.write_bytes(summer.products[1].read_bytes())
    with netCDF4.Dataset(edited, "a") as ds:
        ds.delncattr("geospatial_lat_max")
    got = reader.read(edited.read_bytes())
    assert "geospatial_lat_max" not in got and got == _h5py_attrs(edited)
