"""Process specifications: standard ones from the installed openeo-processes-dask, ours from
processes/specs/, and small override files where we implement a newer spec than the package's."""

from __future__ import annotations

import copy
import json
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

SPECS_DIR = Path(__file__).resolve().parents[1] / "specs"
"""Specs of Canopy's own processes (one ``<id>.json`` each)."""

OVERRIDES_DIR = SPECS_DIR / "overrides"
"""Partial specs (``id`` plus the top-level keys they replace) laid over the package's specs."""

PUBLIC_FIELDS = (
    "id",
    "summary",
    "description",
    "categories",
    "parameters",
    "returns",
    "deprecated",
    "experimental",
    "exceptions",
    "examples",
    "links",
)
"""The fields of an openEO process description served by ``GET /processes``, in this order."""


def _package_specs_dir():
    return resources.files("openeo_processes_dask.specs") / "openeo-processes"


@lru_cache(maxsize=1)
def _package_specs() -> dict[str, dict]:
    specs = {}
    for entry in _package_specs_dir().iterdir():
        if entry.name.endswith(".json"):
            spec = json.loads(entry.read_text(encoding="utf-8"))
            specs[spec["id"]] = spec
    return specs


@cache
def _files(directory: Path) -> dict[str, dict]:
    specs = {}
    for path in sorted(directory.glob("*.json")):
        spec = json.loads(path.read_text(encoding="utf-8"))
        if spec.get("id") != path.stem:
            raise ValueError(f"{path}: id {spec.get('id')!r} does not match the file name")
        specs[spec["id"]] = spec
    return specs


def custom_ids() -> list[str]:
    """Ids of Canopy's own processes (files in processes/specs/)."""
    return list(_files(SPECS_DIR))


def override_ids() -> list[str]:
    """Ids of the standard processes whose package spec we override."""
    return list(_files(OVERRIDES_DIR))


def standard_spec(process_id: str) -> dict | None:
    """The spec of a standard process as we implement it, or None when the package has none.

    The package's spec with the top-level keys of ``overrides/<id>.json`` replacing its own.
    """
    base = _package_specs().get(process_id)
    if base is None:
        return None
    spec = dict(base)
    spec.update(_files(OVERRIDES_DIR).get(process_id, {}))
    return copy.deepcopy(spec)


def spec_for(process_id: str) -> dict | None:
    """A copy of our own spec for ``process_id`` if we have one, else of the standard one."""
    custom = _files(SPECS_DIR).get(process_id)
    return copy.deepcopy(custom) if custom is not None else standard_spec(process_id)


def public(spec: dict) -> dict:
    """The spec reduced to the openEO process fields (no package-internal keys)."""
    out = {key: copy.deepcopy(spec[key]) for key in PUBLIC_FIELDS if key in spec}
    out.setdefault("summary", "")
    out.setdefault("categories", [])
    out.setdefault("examples", [])
    out.setdefault("links", [])
    return out
