"""Sensor registry: the shipped files, broken files, and a sixth sensor added as data only."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest
import yaml

from ingest.collections import sensor_collection
from ingest.registry import SENSOR_DIR, RegistryError, load_registry, load_sensor
from ingest.simulate.run import SimulationConfig, simulate
from processes.io import open_l2b
from tests.ingest.helpers import crop_bbox


def test_shipped_sensors(registry):
    assert set(registry) == {"probav", "vgt1", "vgt2", "metop-avhrr", "snpp-viirs"}
    pv = registry["probav"]
    assert [b.name for b in pv.bands] == ["BLUE", "RED", "NIR", "SWIR"]
    assert pv.bands[0].quality.bitmask == 0x80 and pv.bands[0].uncertainty_factor == pytest.approx(
        2.236068
    )
    assert pv.geometries["VNIR"].cloud.bitmask == 0x3 and pv.geometries["VNIR"].cloud.bitvalue == 0
    assert pv.geometries["SWIR"].vza == "/LEVEL2B/GEOMETRY/SWIR/VZA"
    assert registry["snpp-viirs"].bands[9].quality.bitmask == 1 << 9


def test_collection_has_eo_bands_and_vp(registry):
    c = sensor_collection(registry["vgt2"])
    assert c["id"] == "vgt2"
    assert [b["name"] for b in c["summaries"]["eo:bands"]] == ["B0", "B2", "B3", "MIR"]
    assert c["summaries"]["eo:bands"][3]["center_wavelength"] == pytest.approx(1.665)
    assert c["vp"]["bands"][0]["sdr"] == "/LEVEL2B/RADIOMETRY/B0/TOC"
    assert "simulation" not in c["vp"]


def _write(tmp_path: Path, data: dict, name: str = "probav") -> Path:
    d = tmp_path / "sensors"
    d.mkdir(exist_ok=True)
    p = d / f"{name}.yaml"
    p.write_text(yaml.safe_dump(data))
    return p


def _probav() -> dict:
    return yaml.safe_load((SENSOR_DIR / "probav.yaml").read_text())


def _set(data: dict, path: tuple, value) -> dict:
    node = data
    for key in path[:-1]:
        node = node[key]
    if value is _DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return data


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "field", "reason"),
    [
        (("bands", 1, "geometry"), "NADIR", "<root>", "geometry 'NADIR'"),
        (("bands", 0, "quality", "bitvalue"), 0x100, "bands.0.quality", "outside bitmask"),
        (("bands", 2, "srf", "fwhm"), -5, "bands.2.srf.fwhm", "greater than 0"),
        (("bands", 3, "sdr"), "LEVEL2B/no-slash", "bands.3.sdr", "pattern"),
        (("bands", 1, "name"), "BLUE", "<root>", "duplicate band names"),
        (("geometries", "VNIR", "snow"), _DELETE, "geometries.VNIR.snow", "Field required"),
        (("grid",), "nowhere-5km", "grid", "unknown grid"),
        (("bands", 0, "colour"), "blue", "bands.0.colour", "Extra inputs"),
    ],
)
def test_broken_file_names_file_field_reason(tmp_path, path, value, field, reason):
    p = _write(tmp_path, _set(_probav(), path, value))
    with pytest.raises(RegistryError) as err:
        load_sensor(p)
    assert err.value.file == str(p)
    assert err.value.field == field
    assert reason in err.value.reason
    assert str(p) in str(err.value)


def test_unparsable_and_misnamed_files(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("id: [unclosed")
    with pytest.raises(RegistryError, match="<file>"):
        load_sensor(p)
    p = _write(tmp_path, _probav(), name="other")
    with pytest.raises(RegistryError, match="differs from the file name"):
        load_sensor(p)


def test_duplicate_token_across_files(tmp_path):
    data = _probav()
    data["id"] = "probav-copy"
    d = _write(tmp_path, data, name="probav-copy").parent
    with pytest.raises(RegistryError, match="product_token"):
        load_registry(SENSOR_DIR, d)


SIXTH = {
    "id": "sentinel3-synergy",
    "title": "Sentinel-3 SYN VGP-like 1 km",
    "description": "A sixth sensor defined only in this test.",
    "platform": "sentinel-3a",
    "instrument": "olci-slstr",
    "cycle": 3,
    "product_token": "S3SYN",
    "mission_start": "2016-02-16",
    "grid": "probav-1km",
    "bands": [
        {
            "number": i + 1, "name": n, "wavelength": c, "srf": {"centre": c, "fwhm": f},
            "geometry": "OLCI" if c < 1000 else "SLSTR",
            "sdr": f"/LEVEL2B/RADIOMETRY/{n}/TOC", "sdr_uncertainty": f"/LEVEL2B/RADIOMETRY/{n}/TOC_ERR",
            "uncertainty_factor": 1.5, "min_rel_uncertainty": 0.05,
            "quality": {"path": "/LEVEL2B/QUALITY/QF", "bitmask": 1 << i, "bitvalue": 1 << i},
        }
        for i, (n, c, f) in enumerate([("Oa04", 490.0, 10.0), ("Oa08", 665.0, 10.0), ("Oa17", 865.0, 20.0), ("S5", 1610.0, 60.0)])
    ],
    "geometries": {
        g: {
            "sza": "/GEO/SZA", "saa": "/GEO/SAA", "vza": f"/GEO/{g}/VZA", "vaa": f"/GEO/{g}/VAA",
            "cloud": {"path": "/FLAGS/CLOUD", "bitmask": 0x6, "bitvalue": 0x0},
            "snow": {"path": "/FLAGS/CLOUD", "bitmask": 0x1, "bitvalue": 0x1},
            "land": {"path": "/FLAGS/SURFACE", "bitmask": 0x1, "bitvalue": 0x0},
        }
        for g in ("OLCI", "SLSTR")
    },
    "simulation": {"overpass_local_time": 10.0, "max_vza": 55.0, "swir_view_offset": 5.0},
}  # fmt: skip


def test_sixth_sensor_needs_no_code(tmp_path):
    d = _write(tmp_path, SIXTH, name=SIXTH["id"]).parent
    registry = load_registry(SENSOR_DIR, d)
    sensor = registry["sentinel3-synergy"]
    coll = sensor_collection(sensor)
    assert [b["name"] for b in coll["summaries"]["eo:bands"]] == ["Oa04", "Oa08", "Oa17", "S5"]
    cfg = SimulationConfig(
        tile="X18Y02", start=date(2019, 7, 1), end=date(2019, 7, 2), sensors=(sensor,),
        out=tmp_path / "out", seed=5, bbox=crop_bbox("X18Y02", 100, 100, 8),
    )  # fmt: skip
    result = simulate(cfg)
    assert [p.name[:24] for p in result.products] == [
        "c3s_L2B_20190701_X18Y02_",
        "c3s_L2B_20190702_X18Y02_",
    ]
    assert all("_1KM_S3SYN_V1.0.nc" in p.name for p in result.products)
    cube = open_l2b(result.products[0], coll["vp"])
    assert cube.sizes == {"t": 1, "bands": 4 * 2 + 4 + 2 + 3, "y": 8, "x": 8}  # + clear, snow, land
    assert "vza_slstr" in cube.bands.values
    # land is "bit 0 == 0" in this sensor: clear pixels exist and have finite reflectance
    clear = cube.sel(bands="clear")[0].values == 1
    assert clear.any()
    assert np.isfinite(cube.sel(bands="Oa08")[0].values[clear]).all()
