"""SMAC coefficient files: the 49-number tables of one band, legacy and multi-band formats."""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from pathlib import Path

import numpy as np

from processes.exceptions import ProcessParameterInvalid

#: The shipped copy of the CNES coefficient tables (GPL-3.0, see data/smac/README.md).
SMAC_DATA_DIR = Path(__file__).parent / "data" / "smac"

#: Coefficient names in file order (legacy lines 1-19 flattened; multi-band rows 1-49).
COEFFICIENT_NAMES: tuple[str, ...] = (
    "ah2o", "nh2o", "ao3", "no3",
    "ao2", "no2", "po2", "aco2", "nco2", "pco2", "ach4", "nch4", "pch4",
    "ano2", "nno2", "pno2", "aco", "nco", "pco",
    "a0s", "a1s", "a2s", "a3s", "a0T", "a1T", "a2T", "a3T",
    "taur", "sr", "a0taup", "a1taup", "wo", "gc",
    "a0P", "a1P", "a2P", "a3P", "a4P",
    "Rest1", "Rest2", "Rest3", "Rest4", "Resr1", "Resr2", "Resr3",
    "Resa1", "Resa2", "Resa3", "Resa4",
)  # fmt: skip

#: Column order of the CNES 2022 multi-band files (Sentinel-2 MSI).
MULTIBAND_COLUMNS: tuple[str, ...] = (
    "B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B10", "B11", "B12",
)  # fmt: skip


@dataclasses.dataclass(frozen=True)
class SmacCoefficients:
    """The 49 SMAC coefficients of one band and aerosol model."""

    values: tuple[float, ...]
    """Coefficients in the order of ``COEFFICIENT_NAMES``."""
    source: str
    """Where they come from (file name, plus the column for multi-band files)."""

    def __getattr__(self, name: str) -> float:
        # Attribute access by coefficient name keeps the SMAC equations readable (c.taur, c.a0T).
        # Dunder and field names must fail fast, or unpickling (dask workers) recurses.
        if name.startswith("__") or name in ("values", "source"):
            raise AttributeError(name)
        try:
            return self.values[COEFFICIENT_NAMES.index(name)]
        except ValueError:
            raise AttributeError(name) from None

    def as_dict(self) -> dict[str, float]:
        """Return the coefficients as a name → value mapping."""
        return dict(zip(COEFFICIENT_NAMES, self.values, strict=True))

    def __dask_tokenize__(self) -> tuple[str, tuple[float, ...]]:
        return ("SmacCoefficients", self.values)


def _invalid(path: Path, reason: str) -> ProcessParameterInvalid:
    return ProcessParameterInvalid(
        process="smac_correct", parameter="coefficients", reason=f"{path.name}: {reason}"
    )


def parse_legacy(path: str | Path) -> SmacCoefficients:
    """Read a legacy (one band per file, 19 lines) SMAC coefficient file.

    Spacing differs between files, so the text is split on whitespace; a trailing comment
    after the 49 numbers is ignored. The reference reader's ``sr`` quirk (taken from the first
    value of line 10) is not reproduced: ``sr`` is unused by the equations.

    Args:
        path: the coefficient file.

    Returns:
        The coefficients, with the file name as source.

    Raises:
        ProcessParameterInvalid: the file does not hold 49 numbers.
    """
    path = Path(path)
    try:
        tokens = path.read_text().split("#", 1)[0].split()
        values = tuple(float(t) for t in tokens)
    except (OSError, ValueError) as err:
        raise _invalid(path, str(err)) from err
    if len(values) != len(COEFFICIENT_NAMES):
        raise _invalid(path, f"expected {len(COEFFICIENT_NAMES)} numbers, found {len(values)}")
    return SmacCoefficients(values=values, source=path.name)


def parse_multiband(path: str | Path) -> dict[str, SmacCoefficients]:
    """Read a CNES multi-band coefficient file (a ``#`` header, then 49 rows × one column per band).

    Args:
        path: the coefficient file.

    Returns:
        Band name (``MULTIBAND_COLUMNS``) → coefficients.

    Raises:
        ProcessParameterInvalid: the table is not 49 rows of 13 numbers.
    """
    path = Path(path)
    try:
        lines = [
            ln for ln in path.read_text().splitlines() if ln.strip() and not ln.startswith("#")
        ]
        table = np.array([[float(t) for t in ln.split()] for ln in lines])
    except (OSError, ValueError) as err:
        raise _invalid(path, str(err)) from err
    if table.shape != (len(COEFFICIENT_NAMES), len(MULTIBAND_COLUMNS)):
        raise _invalid(path, f"expected a 49×13 table, found shape {table.shape}")
    return {
        band: SmacCoefficients(values=tuple(table[:, j].tolist()), source=f"{path.name}:{band}")
        for j, band in enumerate(MULTIBAND_COLUMNS)
    }


@lru_cache(maxsize=256)
def load_coefficients(name: str) -> SmacCoefficients:
    """Load a shipped coefficient set by name.

    Args:
        name: a legacy file name (``coef_METOP_VIS_CONT.dat``) or ``<multiband file>:<band>``
            (``Coef_S2A_CONTINENTAL.dat:B04``).

    Returns:
        The coefficients.

    Raises:
        ProcessParameterInvalid: no such shipped file or band.
    """
    if ":" in name:
        file_name, band = name.split(":", 1)
        path = SMAC_DATA_DIR / "multiband" / file_name
        if not path.is_file():
            raise _invalid(path, "no such multi-band coefficient file is shipped")
        table = parse_multiband(path)
        if band not in table:
            raise _invalid(path, f"no band {band!r}; bands are {', '.join(table)}")
        return table[band]
    path = SMAC_DATA_DIR / "legacy" / name
    if not path.is_file():
        raise _invalid(path, "no such legacy coefficient file is shipped")
    return parse_legacy(path)


def shipped_coefficient_names() -> list[str]:
    """List every shipped coefficient set, as names that ``load_coefficients`` accepts.

    Returns:
        All legacy file names and every ``<multiband file>:<band>`` pair, sorted.
    """
    legacy = sorted(p.name for p in (SMAC_DATA_DIR / "legacy").glob("*.dat"))
    multi = [
        f"{p.name}:{band}"
        for p in sorted((SMAC_DATA_DIR / "multiband").glob("*.dat"))
        for band in MULTIBAND_COLUMNS
    ]
    return legacy + multi
