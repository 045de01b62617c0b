"""Land-cover climatologies: a biome map selects each pixel's prior, as MODIS LAI reads its biome map."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from processes.retrieval.prior import Climatology
from processes.retrieval.state import NAMES, PARAMETERS

PriorTable = Mapping[int, Mapping[str, tuple[float, ...]]]
"""Class code → {parameter name: (prior mean, prior σ[, random-walk σ per 5 days])} in physical
units; what is not named keeps the global climatology and random walk
(:data:`processes.retrieval.state.PARAMETERS`)."""

#: Class names of the ESA CCI Land Cover legend (level 1 and the regional level-2 codes),
#: the map the VP_cci chain reads.
CCI_LC_CLASSES = {
    10: "cropland, rainfed", 11: "cropland, herbaceous", 12: "cropland, tree or shrub",
    20: "cropland, irrigated", 30: "mosaic cropland > 50 %", 40: "mosaic natural vegetation > 50 %",
    50: "tree, broadleaved, evergreen", 60: "tree, broadleaved, deciduous",
    61: "tree, broadleaved, deciduous, closed", 62: "tree, broadleaved, deciduous, open",
    70: "tree, needleleaved, evergreen", 71: "tree, needleleaved, evergreen, closed",
    72: "tree, needleleaved, evergreen, open", 80: "tree, needleleaved, deciduous",
    81: "tree, needleleaved, deciduous, closed", 82: "tree, needleleaved, deciduous, open",
    90: "tree, mixed leaf type", 100: "mosaic tree and shrub > 50 %",
    110: "mosaic herbaceous > 50 %", 120: "shrubland", 121: "shrubland, evergreen",
    122: "shrubland, deciduous", 130: "grassland", 140: "lichens and mosses",
    150: "sparse vegetation", 151: "sparse tree", 152: "sparse shrub", 153: "sparse herbaceous",
    160: "tree cover, flooded, fresh water", 170: "tree cover, flooded, saline water",
    180: "shrub or herbaceous cover, flooded", 190: "urban", 200: "bare areas",
    201: "consolidated bare areas", 202: "unconsolidated bare areas", 210: "water bodies",
    220: "permanent snow and ice",
}  # fmt: skip

_CROP = {"cm": (0.005, 0.002), "ala": (60.0, 10.0)}
_GRASS = {"cm": (0.006, 0.002), "ala": (57.0, 10.0)}
_BROAD_DECIDUOUS = {"cm": (0.009, 0.003), "ala": (50.0, 10.0)}
_BROAD_EVERGREEN = {"cm": (0.012, 0.004), "ala": (50.0, 10.0), "lai": (4.5, 2.0, 0.25)}
_NEEDLE = {"cm": (0.016, 0.004), "ala": (45.0, 10.0), "lai": (3.0, 1.5, 0.25)}
_MIXED_TREE = {"cm": (0.011, 0.004), "ala": (50.0, 10.0)}
_SHRUB = {"cm": (0.008, 0.003), "ala": (55.0, 10.0)}

#: Leaf dry matter and mean leaf angle by CCI-LC class (physical units, prior mean and σ).
#: From leaf-trait compilations (LMA: Poorter et al. 2009 New Phytol 182:565, needles
#: 0.012–0.025 g/cm², crop and grass leaves 0.003–0.007; leaf angles: Pisek et al. 2013
#: AFM 169:186, broadleaf trees ~45–55°, crops and grasses 55–65°). Evergreen forests also get
#: an LAI climatology (effective LAI of needleleaf stands ~2–5, broadleaf 3–7) and a slow
#: random walk (0.25 per 5 days, their canopy barely changes): four bands hardly see LAI above
#: ~3 through leaves that absorb this much, and without it noise walks the estimate up the
#: plateau (docs/retrieval.md). Codes not listed keep the global climatology; σ stays wide
#: enough that a misclassified pixel can still move.
DEFAULT_PRIOR_TABLE: dict[int, dict[str, tuple[float, float]]] = {
    **dict.fromkeys((10, 11, 12, 20, 30), _CROP),
    40: _SHRUB,
    50: _BROAD_EVERGREEN,
    **dict.fromkeys((60, 61, 62), _BROAD_DECIDUOUS),
    **dict.fromkeys((70, 71, 72), _NEEDLE),
    **dict.fromkeys((80, 81, 82, 90, 100, 160, 170), _MIXED_TREE),
    **dict.fromkeys((110, 120, 121, 122, 180), _SHRUB),
    130: _GRASS,
}


def validate_table(table: PriorTable) -> None:
    """Raise ``ValueError`` for unknown parameters, σ ≤ 0 or means outside the bounds."""
    spec = {p.name: p for p in PARAMETERS}
    for code, entries in table.items():
        for name, pair in entries.items():
            if name not in spec:
                raise ValueError(f"class {code}: unknown parameter {name!r}; one of {list(spec)}")
            try:
                values = [float(v) for v in pair]
            except (TypeError, ValueError):
                values = []
            if len(values) not in (2, 3):
                raise ValueError(f"class {code}, {name}: give [mean, sd] or [mean, sd, q]")
            mean, sd, q = values[0], values[1], values[2] if len(values) == 3 else 0.0
            p = spec[name]
            if not (sd > 0 and q >= 0 and p.lower <= mean <= p.upper):
                raise ValueError(
                    f"class {code}, {name}: need sd > 0, q ≥ 0 and {p.lower} ≤ mean ≤ {p.upper}"
                )


def class_climatology(codes: np.ndarray, table: PriorTable | None = None) -> Climatology:
    """Per-pixel climatological prior from land-cover codes.

    Args:
        codes: Class code per pixel, (P,); NaN, negative or unlisted codes keep the global
            climatology.
        table: Class priors (default :data:`DEFAULT_PRIOR_TABLE`).

    Returns:
        Means, diagonal covariances and random-walk σ per pixel (physical units).
    """
    table = DEFAULT_PRIOR_TABLE if table is None else table
    codes = np.asarray(codes, dtype=float).ravel()
    mean = np.tile([p.prior_mean for p in PARAMETERS], (codes.size, 1))
    sd = np.tile([p.prior_sd for p in PARAMETERS], (codes.size, 1))
    q = np.tile([p.q_sd for p in PARAMETERS], (codes.size, 1))
    known = np.isfinite(codes)
    for code, entries in table.items():
        sel = known & (codes == code)
        if not sel.any():
            continue
        for name, values in entries.items():
            j = NAMES.index(name)
            mean[sel, j], sd[sel, j] = values[0], values[1]
            if len(values) > 2:
                q[sel, j] = values[2]
    return Climatology(mean, sd, q)
