"""The simulated land-cover map: the truth classes in the ESA CCI-LC legend, with map errors."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import numpy as np
import rasterio
from rasterio.transform import from_origin

from ingest.landcover import BAND, LEGEND, NODATA, MapName
from ingest.simulate.scene import CLASSES

FOLDER = "landcover"
"""Sub-folder of the simulation output holding the maps."""
WATER = 210
"""CCI-LC code of water bodies (the simulator's class -1)."""
CODES = {"crop": 10, "grass": 130, "deciduous": 60, "evergreen": 70, "bare": 200}
"""CCI-LC code of each simulator class (:data:`ingest.simulate.scene.CLASSES`)."""
CONFUSIONS = {
    "crop": ("grass", "deciduous"),
    "grass": ("crop", "bare"),
    "deciduous": ("evergreen", "crop"),
    "evergreen": ("deciduous",),
    "bare": ("grass",),
}
"""The classes a map mistakes each class for (equally likely)."""


def map_name(tile: str, start: date, end: date) -> str:
    """File name of the map of a simulation (the tag of its truth files)."""
    return MapName(tile, start, end).file_name


def truth_codes(cover: np.ndarray) -> np.ndarray:
    """CCI-LC codes (uint8) of simulator classes (``-1`` water)."""
    lut = np.array([CODES[c] for c in CLASSES] + [WATER], dtype=np.uint8)
    return lut[np.asarray(cover, dtype=np.int64)]  # index -1 is the last entry: water


def confuse(cover: np.ndarray, rng: np.random.Generator, rate: float) -> np.ndarray:
    """Return the CCI-LC codes a real map would show for the true classes ``cover``.

    A real map is not the truth: classifiers confuse spectrally and structurally similar
    classes (crop/grass, the two forest types, sparse grass/bare), and the CCI-LC user
    accuracy is about 70–80 % (Defourny et al., CCI-LC PUGS v2). So ``round(rate ·
    land pixels)`` land pixels, drawn without replacement, get one of the
    :data:`CONFUSIONS` neighbours of their class; water stays water (its errors are rare
    and not what the priors depend on).

    Args:
        cover: class indices into :data:`CLASSES`, ``-1`` for water.
        rng: the map's own stream (it must not shift any other draw of the simulator).
        rate: fraction of land pixels mapped wrongly, 0 … 1.

    Returns:
        uint8 codes, same shape as ``cover``.
    """
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"landcover_error {rate} is not within 0 … 1")
    codes = truth_codes(cover)
    land = np.flatnonzero(np.asarray(cover) >= 0)
    wrong = rng.choice(land, size=round(rate * land.size), replace=False)
    pick = rng.random(wrong.size)
    flat = codes.reshape(-1)
    for index, name in enumerate(CLASSES):
        mine = np.asarray(cover).reshape(-1)[wrong] == index
        others = np.array([CODES[o] for o in CONFUSIONS[name]], dtype=np.uint8)
        flat[wrong[mine]] = others[(pick[mine] * others.size).astype(np.int64)]
    return codes


def legend() -> str:
    """The ``legend`` tag: ``code=name`` pairs of :data:`LEGEND`, ``;``-separated."""
    return ";".join(f"{code}={name}" for code, name in LEGEND.items())


def write_map(
    codes: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    path: Path,
    pixel_size: float,
    tags: dict[str, str],
) -> Path:
    """Write a one-band uint8 Cloud-Optimised GeoTIFF (deflate, EPSG:4326) on the lat/lon grid.

    Args:
        codes: ``(lat, lon)`` class codes.
        lat: pixel-centre latitudes, descending (the L2B products' ``lat``).
        lon: pixel-centre longitudes, ascending.
        path: the file to write (atomically: a half-written map is never seen).
        pixel_size: in degrees.
        tags: extra dataset tags.
    """
    half = pixel_size / 2
    # the same edges as the L2B products' geospatial_* attributes (ingest.simulate.writer)
    transform = from_origin(
        float(lon.min()) - half, float(lat.max()) + half, pixel_size, pixel_size
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    profile = {
        "driver": "COG", "width": codes.shape[1], "height": codes.shape[0], "count": 1,
        "dtype": "uint8", "crs": "EPSG:4326", "transform": transform, "nodata": NODATA,
        "compress": "deflate", "blocksize": 256,
    }  # fmt: skip
    with rasterio.open(tmp, "w", **profile) as dst:
        dst.write(codes.astype(np.uint8), 1)
        dst.set_band_description(1, BAND)
        dst.update_tags(legend=legend(), **tags)
    tmp.replace(path)
    return path
