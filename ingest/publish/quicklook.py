"""Byte quicklooks, Terrascope convention: physical = scale·DN + offset, DN 255 = no data."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rasterio
import rasterio.shutil
from affine import Affine
from PIL import Image
from rasterio.io import MemoryFile

NODATA = 255
"""DN of missing values."""


@dataclass(frozen=True)
class DnScale:
    """Linear DN coding of one variable."""

    scale: float
    """Physical units per DN."""
    offset: float
    """Physical value of DN 0."""
    max_dn: int
    """Largest valid DN (physical values above are clipped to it)."""

    def encode(self, values: np.ndarray) -> np.ndarray:
        """Physical values → uint8 DN (NaN → :data:`NODATA`)."""
        v = np.asarray(values, dtype=float)
        dn = np.clip(np.rint((v - self.offset) / self.scale), 0, self.max_dn)
        return np.where(np.isfinite(v), dn, NODATA).astype(np.uint8)

    def decode(self, dn: np.ndarray) -> np.ndarray:
        """uint8 DN → physical values (NaN where :data:`NODATA`)."""
        dn = np.asarray(dn)
        return np.where(dn == NODATA, np.nan, self.scale * dn.astype(float) + self.offset)


QUICKLOOKS = {"LAI": DnScale(0.04, 0.0, 250), "fAPAR": DnScale(0.005, 0.0, 200)}
"""LAI 0–10 → DN 0–250, fAPAR 0–1 → DN 0–200."""


def write_cog(
    path: Path, dn: np.ndarray, bounds: tuple[float, float, float, float], q: DnScale,
    descriptions: list[str],
) -> None:  # fmt: skip
    """Write DN bands ``(band, y, x)`` (north up) as a Cloud-Optimized GeoTIFF in EPSG:4326.

    Scale and offset go into the band metadata, so GDAL readers unscale on request.
    """
    count, height, width = dn.shape
    west, south, east, north = bounds
    transform = Affine((east - west) / width, 0.0, west, 0.0, -(north - south) / height, north)
    profile = {
        "driver": "GTiff", "dtype": "uint8", "count": count, "height": height, "width": width,
        "crs": "EPSG:4326", "transform": transform, "nodata": NODATA,
    }  # fmt: skip
    with MemoryFile() as mem:
        with mem.open(**profile) as tmp:
            tmp.write(dn)
            tmp.scales = (q.scale,) * count
            tmp.offsets = (q.offset,) * count
            for i, text in enumerate(descriptions, start=1):
                tmp.set_band_description(i, text)
        with mem.open() as src:
            # the COG driver only copies: write a plain GTiff in memory, then copy it as COG
            rasterio.shutil.copy(src, path, driver="COG", compress="DEFLATE", blocksize=256)


def _palette(max_dn: int) -> np.ndarray:
    """RGBA lookup: brown (DN 0) → yellow → dark green (max DN); no data transparent."""
    t = np.clip(np.arange(256) / max_dn, 0, 1)
    stops = np.array([[166, 97, 26], [223, 194, 125], [128, 205, 193], [1, 102, 54]], float)
    x = np.linspace(0, 1, len(stops))
    rgb = np.stack([np.interp(t, x, stops[:, c]) for c in range(3)], axis=1)
    lut = np.concatenate([rgb, np.full((256, 1), 255.0)], axis=1).astype(np.uint8)
    lut[NODATA] = 0
    return lut


def write_png(path: Path, dn: np.ndarray, q: DnScale, size: int = 256) -> None:
    """Write a 2-D DN array as an RGBA PNG thumbnail, nearest-neighbour scaled to ``size`` px.

    Small arrays are enlarged by an integer factor (pixels stay square), large ones shrunk.
    """
    img = Image.fromarray(_palette(q.max_dn)[dn], "RGBA")
    longest = max(dn.shape)
    scale = max(1, size // longest) if longest <= size else size / longest
    shape = (max(1, round(dn.shape[1] * scale)), max(1, round(dn.shape[0] * scale)))
    img.resize(shape, Image.Resampling.NEAREST).save(path, format="PNG")


def thumbnail_array(lai: np.ndarray) -> np.ndarray:
    """What the thumbnail shows: the LAI image (one step) or, for a series, one row per pixel
    and one column per step (time runs left to right)."""
    dn = QUICKLOOKS["LAI"].encode(lai)
    if dn.shape[0] == 1:
        return dn[0]
    return dn.reshape(dn.shape[0], -1).T
