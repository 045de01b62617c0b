"""The retrieval-output contract and the ``repackage_cci`` process."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import numpy as np
import pytest

from processes.exceptions import BandsMissing, DimensionNotAvailable, ProcessParameterInvalid
from processes.repackage import (
    RetrievalInfo,
    read_info,
    read_retrieval,
    repackage_cci,
    retrieval_output,
    write_retrieval,
)
from processes.repackage.naming import name_token, site_filename
from tests.repackage.scenes import PARAMETERS, SITE_JOB

SPEC = Path(__file__).parents[2] / "processes/specs/repackage_cci.json"


def test_retrieval_output_round_trip(outputs, tmp_path):
    ds, info = read_retrieval(outputs.site)
    assert info == outputs.site_info
    assert info.job_ids == (SITE_JOB,) and info.parameters == PARAMETERS
    assert len(info.input_items) == 24 and info.input_items[0].startswith("probav/c3s_L2B_")
    assert dict(ds.sizes) == {"t": 2, "y": 3, "x": 3}
    assert "chi2" not in ds and "Cab" in ds  # only the contract's variables are read
    np.testing.assert_allclose(
        ds["LAI"].values,
        outputs.retrieval.sel(bands="LAI").isel(y=slice(1, 4), x=slice(1, 4)).values,
        rtol=1e-6, equal_nan=True,
    )  # fmt: skip
    assert not list(tmp_path.glob("*.part"))


def test_contract_errors(outputs, tmp_path):
    cube = outputs.retrieval
    with pytest.raises(BandsMissing, match="fAPAR_unc"):
        retrieval_output(cube.drop_sel(bands=["fAPAR_unc"]), outputs.tile_info)
    with pytest.raises(DimensionNotAvailable, match="'t'"):
        retrieval_output(cube.rename(t="time"), outputs.tile_info)
    with pytest.raises(ProcessParameterInvalid, match="product kind"):
        read_info({"canopy_tile": "X18Y02"})
    with pytest.raises(ProcessParameterInvalid, match="canopy_site_name"):
        read_info({"canopy_product": "site", "canopy_tile": "X18Y02", "canopy_site_id": "FR-Fon"})
    with pytest.raises(ProcessParameterInvalid, match="<collection>/<item id>"):
        read_info({"canopy_product": "tile", "canopy_tile": "X18Y02", "canopy_input_items": "x"})
    # overrides win over attributes; None means "keep the attribute"
    info = read_info(outputs.tile_info.attrs(), tile="X19Y02", job_ids=None)
    assert info.tile == "X19Y02" and info.job_ids == outputs.tile_info.job_ids
    broken = retrieval_output(cube, outputs.tile_info).drop_vars("n_obs")
    path = write_retrieval(broken, tmp_path / "broken.nc")
    with pytest.raises(BandsMissing, match="n_obs"):
        read_retrieval(path)


def test_process_on_the_optisail_result(outputs):
    products = repackage_cci(
        outputs.retrieval, product="tile", tile="X18Y02", input_items=["probav/a", "vgt2/b"],
        job_id="j-42", doi="10.1/x", file_version="2.1",
    )  # fmt: skip
    assert [p.filename[-24:] for p in products] == [
        "X18Y02-20190603-fv2.1.nc", "X18Y02-20190608-fv2.1.nc",
    ]  # fmt: skip
    ds = products[0].dataset
    assert ds.attrs["doi"] == "10.1/x" and ds.attrs["product_version"] == "2.1"
    assert "j-42" in ds.attrs["history"] and products[0].info.input_items == ("probav/a", "vgt2/b")
    assert products[0].fingerprint != products[1].fingerprint
    site = repackage_cci(outputs.retrieval, product="site", tile="X18Y02", site_id="FR-Fon",
                         site_name="Fontainebleau-Barbeau")  # fmt: skip
    assert len(site) == 1 and site[0].dataset.sizes["time"] == 2
    with pytest.raises(ProcessParameterInvalid, match="product kind"):
        repackage_cci(outputs.retrieval, product="swath", tile="X18Y02")
    with pytest.raises(ProcessParameterInvalid, match="the tile is not named"):
        repackage_cci(outputs.retrieval, product="tile")
    with pytest.raises(ProcessParameterInvalid, match="file_version"):
        repackage_cci(outputs.retrieval, product="tile", tile="X18Y02", file_version="v1")


def test_same_inputs_same_fingerprint(outputs):
    a = repackage_cci(outputs.retrieval, product="tile", tile="X18Y02")
    b = repackage_cci(outputs.retrieval, product="tile", tile="X18Y02")
    assert [p.fingerprint for p in a] == [p.fingerprint for p in b]
    assert a[0].dataset.attrs["tracking_id"] != b[0].dataset.attrs["tracking_id"]
    changed = outputs.retrieval.copy(deep=True)
    changed.loc[{"bands": "LAI"}] = changed.sel(bands="LAI") + 0.01
    c = repackage_cci(changed, product="tile", tile="X18Y02")
    assert c[0].fingerprint != a[0].fingerprint


def test_site_names_are_file_name_safe():
    assert (
        name_token("Univ. of Michigan Biological Station") == "Univ-of-Michigan-Biological-Station"
    )
    assert name_token("Hyytiälä") == "Hyytiala"
    assert site_filename("US-UMB", "Univ. of Michigan", 2016, "1.0").endswith(
        "site_US-UMB_Univ-of-Michigan-2016-fv1.0.nc"
    )


def test_spec_matches_the_function():
    spec = json.loads(SPEC.read_text())
    assert spec["id"] == "repackage_cci"
    params = inspect.signature(repackage_cci).parameters
    assert [p["name"] for p in spec["parameters"]] == list(params)
    for p in spec["parameters"][1:]:
        assert p["optional"] and p["default"] == params[p["name"]].default
    assert isinstance(RetrievalInfo(kind="tile", tile="X18Y02").attrs()["canopy_parameters"], str)
