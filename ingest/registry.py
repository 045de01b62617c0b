"""Sensor registry: pydantic models of ``ingest/sensors/*.yaml`` and their loader."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ingest.grid import GridError, TileGrid, get_grid

SENSOR_DIR = Path(__file__).parent / "sensors"
"""Directory of the sensor files shipped with Canopy."""

_Path = Annotated[str, Field(pattern=r"^/[A-Za-z0-9_/]+$", description="absolute HDF5 path")]


class RegistryError(ValueError):
    """A sensor file is invalid; names the file, the field and the reason."""

    def __init__(self, file: str | Path, field: str, reason: str) -> None:
        self.file, self.field, self.reason = str(file), field, reason
        super().__init__(f"{file}: {field}: {reason}")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BitTest(_Model):
    """A bit test ``(layer & bitmask) == bitvalue`` on an integer layer."""

    path: _Path
    bitmask: int = Field(gt=0, lt=1 << 32)
    bitvalue: int = Field(ge=0, lt=1 << 32)

    @model_validator(mode="after")
    def _value_inside_mask(self) -> BitTest:
        if self.bitvalue & ~self.bitmask:
            raise ValueError(
                f"bitvalue {self.bitvalue:#x} has bits outside bitmask {self.bitmask:#x}"
            )
        return self


class Srf(_Model):
    """Spectral response: flat-top super-Gaussian from centre and FWHM (notes/science.md §2.4)."""

    centre: float = Field(gt=300, lt=3000, description="nm")
    fwhm: float = Field(gt=0, lt=1000, description="nm")
    shape: Literal["flat-top"] = "flat-top"


class Band(_Model):
    """One reflectance band (seed tables sensor_band + sensor_band_param)."""

    number: int = Field(ge=1)
    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9]*$")
    common_name: str | None = None
    wavelength: float = Field(gt=300, lt=3000, description="nominal wavelength, nm")
    srf: Srf
    geometry: str
    sdr: _Path
    sdr_uncertainty: _Path
    uncertainty_factor: float = Field(gt=0)
    min_rel_uncertainty: float = Field(ge=0, lt=1)
    quality: BitTest


class Geometry(_Model):
    """One band geometry (seed tables sensor_geom + sensor_geom_param).

    ``cloud`` passes for a cloud-free pixel (PROBA-V: ``SM & 0x3 == 0``), ``snow`` passes for
    snow/ice and ``land`` for land.
    """

    sza: _Path
    saa: _Path
    vza: _Path
    vaa: _Path
    cloud: BitTest
    snow: BitTest
    land: BitTest | None = None


class Simulation(_Model):
    """Orbit parameters used only by ``canopy simulate``."""

    overpass_local_time: float = Field(ge=0, lt=24, description="local solar time, hours")
    max_vza: float = Field(gt=0, lt=80)
    view_azimuths: tuple[float, float] = (100.0, 280.0)
    swir_view_offset: float = Field(default=0.0, ge=0, lt=10)


class GridSpec(_Model):
    """An inline grid definition (instead of a named grid)."""

    name: str
    pixels_per_degree: int = Field(gt=0)
    tile_pixels: int = Field(gt=0)
    origin_lon: float
    origin_lat: float
    n_tiles_x: int = Field(gt=0)
    n_tiles_y: int = Field(gt=0)


class Sensor(_Model):
    """A sensor: what ``ingest`` needs to recognise, catalogue and read its products."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    description: str
    platform: str
    instrument: str
    cycle: int = Field(ge=1)
    product_token: str = Field(pattern=r"^[A-Z0-9-]+$", description="<SENSOR> in file names")
    product_level: Literal["L2B"] = "L2B"
    product_version: str = Field(default="1.0", pattern=r"^[0-9][0-9.]*$")
    grid: str | GridSpec = "probav-1km"
    mission_start: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    mission_end: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    bands: list[Band] = Field(min_length=1)
    geometries: dict[str, Geometry] = Field(min_length=1)
    simulation: Simulation | None = None

    @field_validator("grid")
    @classmethod
    def _grid_known(cls, v: str | GridSpec) -> str | GridSpec:
        try:
            get_grid(v if isinstance(v, str) else v.model_dump())
        except (GridError, TypeError) as e:
            raise ValueError(str(e)) from None
        return v

    @model_validator(mode="after")
    def _consistent(self) -> Sensor:
        for attr in ("name", "number"):
            seen = [getattr(b, attr) for b in self.bands]
            dup = {x for x in seen if seen.count(x) > 1}
            if dup:
                raise ValueError(f"duplicate band {attr}s: {sorted(dup)}")
        for b in self.bands:
            if b.geometry not in self.geometries:
                raise ValueError(
                    f"band {b.name} refers to geometry {b.geometry!r}, "
                    f"not one of {sorted(self.geometries)}"
                )
        return self

    @property
    def tile_grid(self) -> TileGrid:
        """The sensor's grid."""
        return get_grid(self.grid if isinstance(self.grid, str) else self.grid.model_dump())

    def vp(self) -> dict:
        """Return the ``vp:`` block (plain JSON) that readers such as ``open_l2b`` consume."""
        return self.model_dump(mode="json", exclude={"simulation"})


def _loc(err: dict) -> str:
    return ".".join(str(p) for p in err["loc"]) or "<root>"


def load_sensor(path: str | Path) -> Sensor:
    """Load and validate one sensor file.

    Raises:
        RegistryError: naming the file, the first offending field and the reason.
    """
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as e:
        raise RegistryError(path, "<file>", str(e).replace("\n", " ")) from e
    if not isinstance(data, dict):
        raise RegistryError(path, "<root>", "expected a mapping")
    try:
        sensor = Sensor.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        raise RegistryError(path, _loc(first), first["msg"]) from e
    if sensor.id != path.stem:
        raise RegistryError(
            path, "id", f"id {sensor.id!r} differs from the file name {path.stem!r}"
        )
    return sensor


def load_registry(*dirs: str | Path) -> dict[str, Sensor]:
    """Load every ``*.yaml`` of the given directories (default: the shipped sensors).

    Raises:
        RegistryError: for an invalid file or a sensor id / product token defined twice.
    """
    sensors: dict[str, Sensor] = {}
    tokens: dict[str, str] = {}
    for d in dirs or (SENSOR_DIR,):
        for path in sorted(Path(d).glob("*.yaml")):
            s = load_sensor(path)
            if s.id in sensors:
                raise RegistryError(path, "id", f"sensor {s.id!r} is defined twice")
            if s.product_token in tokens:
                raise RegistryError(
                    path,
                    "product_token",
                    f"{s.product_token!r} already used by {tokens[s.product_token]}",
                )
            sensors[s.id], tokens[s.product_token] = s, s.id
    return sensors


def sensor_by_token(registry: dict[str, Sensor], token: str) -> Sensor | None:
    """Return the sensor whose file-name token is ``token``, if any."""
    return next((s for s in registry.values() if s.product_token == token), None)
