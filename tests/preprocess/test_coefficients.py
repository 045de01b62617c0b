"""Coefficient parsing: every shipped file, both formats, and malformed input."""

from __future__ import annotations

import hashlib
import re

import pytest

from processes.exceptions import ProcessParameterInvalid
from processes.preprocess.coefficients import (
    COEFFICIENT_NAMES,
    SMAC_DATA_DIR,
    load_coefficients,
    parse_legacy,
    parse_multiband,
    shipped_coefficient_names,
)


def test_every_shipped_set_has_49_values():
    names = shipped_coefficient_names()
    assert len(names) == 114 + 3 * 13
    for name in names:
        c = load_coefficients(name)
        assert len(c.values) == 49
        assert 0 < c.wo <= 1 and c.taur > 0


def test_legacy_lines_map_to_names():
    c = load_coefficients("coef_METOP_VIS_CONT.dat")
    # Values read off the file: line 1, line 10, line 14 (exponent notation), line 19.
    assert (c.ah2o, c.nh2o) == (-0.004310, 0.762524)
    assert (c.taur, c.sr) == (0.058807, 0.051820)
    assert c.a4P == pytest.approx(1.84466144724499e-08)
    assert (c.Resa3, c.Resa4) == (-0.042118, -0.015480)
    assert list(c.as_dict()) == list(COEFFICIENT_NAMES)


def test_multiband_columns():
    table = parse_multiband(SMAC_DATA_DIR / "multiband" / "Coef_S2A_CONTINENTAL.dat")
    assert list(table)[3] == "B04"
    # Row 1, column B03 of the file.
    assert table["B03"].ah2o == pytest.approx(-0.000714593100)
    assert table["B03"].nh2o == pytest.approx(0.908563500000)


def test_shipped_copy_matches_readme_checksums():
    readme = (SMAC_DATA_DIR / "README.md").read_text()
    sums = re.findall(r"^([0-9a-f]{64})  (\S+)$", readme, flags=re.MULTILINE)
    assert len(sums) == 117
    for digest, rel in sums:
        assert hashlib.sha256((SMAC_DATA_DIR / rel).read_bytes()).hexdigest() == digest, rel
    assert (SMAC_DATA_DIR / "copyright.txt").read_text().startswith("This is free software")


def test_malformed_files_raise(tmp_path):
    short = tmp_path / "short.dat"
    short.write_text("1 2 3\n")
    with pytest.raises(ProcessParameterInvalid, match="49"):
        parse_legacy(short)
    text = tmp_path / "text.dat"
    text.write_text("a b c\n" * 19)
    with pytest.raises(ProcessParameterInvalid):
        parse_legacy(text)
    with pytest.raises(ProcessParameterInvalid, match="49×13"):
        parse_multiband(short)
    with pytest.raises(ProcessParameterInvalid):
        load_coefficients("coef_NOPE_CONT.dat")
    with pytest.raises(ProcessParameterInvalid, match="band"):
        load_coefficients("Coef_S2A_CONTINENTAL.dat:B99")
