"""Observation operator H and its Jacobian for the inversion, pooled over sensors.

PROSPECT runs once per pixel on the union of all sensors' wavelengths; SAIL runs per sensor on
that sensor's samples. The Jacobian uses the structure of the model: the leaf parameters act
only through leaf reflectance/transmittance (PROSPECT derivatives analytic, SAIL
sensitivities to ρ_l and τ_l by one batched forward difference each), the soil parameters only
through the soil spectrum (one cheap re-coupling), LAI and ALA by one forward difference each.
So a Jacobian costs ~5 canopy passes instead of n + 1 = 9; the passes share their geometry and
leaf terms (:mod:`processes.retrieval.sail` fast path) and run over blocks of pixels small
enough to stay in cache.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from processes.retrieval.bands import SpectralBands
from processes.retrieval.lidf import campbell
from processes.retrieval.prospect import prospect_d, prospect_d_jacobian
from processes.retrieval.sail import (
    ViewGeometry,
    bidirectional,
    lai_geometry,
    leaf_terms,
    rdot,
    rsot,
    shared_view_terms,
    structure,
)
from processes.retrieval.spectra import index_of, tables
from processes.retrieval.state import CAR_PER_CAB, FIXED, N_PARAMS, NAMES

# Forward-difference steps (physical units); small against the curvature of H
H_LEAF = 1e-6
H_LAI = 1e-5
H_ALA = 1e-3
H_SOIL = 1e-6

#: Target number of (pixel, observation, wavelength) values per block: ~0.25 MB per array, so
#: that the ~20 live temporaries of a canopy pass stay in a core's L2 cache.
BLOCK_VALUES = 1 << 15

_COL = {name: i for i, name in enumerate(NAMES)}
#: Leaf parameters as (column, combination of the PROSPECT concentrations Cab..Cm)
_LEAF = (
    (_COL["cab"], {0: 1.0, 1: CAR_PER_CAB}),
    (_COL["cbrown"], {3: 1.0}),
    (_COL["cw"], {4: 1.0}),
    (_COL["cm"], {5: 1.0}),
)
_LEAF_COLS = [c for c, _ in _LEAF]


@dataclass(frozen=True)
class SensorGroup:
    """The observations of one sensor in a window, for the operator (no measurements)."""

    bands: SpectralBands
    """Band set of the sensor."""
    geometry: ViewGeometry
    """Angular 4SAIL terms, (P, O) observations."""
    diffuse_fraction: np.ndarray | None = None
    """f_d broadcastable to (P, O, B), or None (TOC = rsot)."""

    def take(self, idx: np.ndarray) -> SensorGroup:
        """The group restricted to a subset of pixels."""
        fd = self.diffuse_fraction
        if fd is not None and np.ndim(fd) == 3 and np.shape(fd)[0] > 1:
            fd = fd[idx]
        return SensorGroup(self.bands, self.geometry.take(idx), fd)


def _rows(terms: dict[str, np.ndarray], sl: slice) -> dict[str, np.ndarray]:
    return {k: v[sl] for k, v in terms.items()}


def _pass_terms(r, t, lai, hot, st, st_a):
    """(geometry·LAI, leaf) terms of the base model and of each canopy perturbation.

    Small arrays ((P, O, 1) and (P, 1, L)), computed for all pixels at once; the blocks take
    rows of them. ρ_l and τ_l perturbations share the base geometry·LAI terms.
    """
    g0 = lai_geometry(lai, hot, st)
    out = {"base": (g0, leaf_terms(r, t, g0))}
    if st_a is not None:
        out["rho"] = (g0, leaf_terms(r + H_LEAF, t, g0))
        out["tau"] = (g0, leaf_terms(r, t + H_LEAF, g0))
        g_l = lai_geometry(lai + H_LAI, hot, st)
        out["lai"] = (g_l, leaf_terms(r, t, g_l))
        g_a = lai_geometry(lai, hot, st_a)
        out["ala"] = (g_a, leaf_terms(r, t, g_a))
    return out


class _Block:
    """One sensor group on one block of pixels: band integration and soil coupling."""

    def __init__(self, group: SensorGroup, fd, soil):
        self.w = np.ascontiguousarray(group.bands.weights.T)
        self.fd = fd
        self.soil = soil

    def spectra(self, c, soil=None) -> list[np.ndarray]:
        """[rsot] or [rsot, rdot] (P, O, L) of canopy terms ``c``."""
        soil = self.soil if soil is None else soil
        return [rsot(c, soil)] if self.fd is None else [rsot(c, soil), rdot(c, soil)]

    def mix(self, sp: list[np.ndarray]) -> np.ndarray:
        """Band-integrate [rsot, rdot] and mix with f_d → (P, O, B)."""
        out = sp[0] @ self.w
        if self.fd is not None:
            out *= 1.0 - self.fd
            out += self.fd * (sp[1] @ self.w)
        return out


def _leaf_jacobian(blk: _Block, d_sp, drho, dtau) -> np.ndarray:
    """∂H/∂(Cab, Cbrown, Cw, Cm) (P, O, B, 4) from spectral ∂/∂ρ_l, ∂/∂τ_l and PROSPECT's.

    Band integration and the chain rule are one batched matmul per spectrum:
    Σ_l dS/dρ[p,o,l]·W[b,l]·dρ/dc[p,c,l] with the (l; b, c) matrix built per pixel.
    """
    npix, _, nl = drho.shape
    wt = blk.w[None, :, :, None]  # (1, L, B, 1)
    # (P, L, B·4): W[b, l]·∂ρ/∂c[p, c, l]
    mr = (wt * drho.transpose(0, 2, 1)[:, :, None, :]).reshape(npix, nl, -1)
    mt = (wt * dtau.transpose(0, 2, 1)[:, :, None, :]).reshape(npix, nl, -1)
    out = None
    for k, (ds_r, ds_t) in enumerate(d_sp):
        part = np.matmul(ds_r, mr)
        part += np.matmul(ds_t, mt)
        part = part.reshape(*part.shape[:2], blk.w.shape[1], -1)
        if blk.fd is not None:
            part *= np.asarray(1.0 - blk.fd if k == 0 else blk.fd)[..., None]
        out = part if out is None else out + part
    return out


def _group_block(blk: _Block, terms, dr, dt, soil_d):
    """H (P, O, B) and K (P, O, B, n) (or None) of one group on one block of pixels.

    ``terms``: the rows of :func:`_pass_terms` for this block.
    """
    g0, lf0 = terms["base"]
    shared0 = shared_view_terms(lf0, g0)
    c0 = bidirectional(lf0, g0, shared0)
    s0 = blk.spectra(c0)
    h0 = blk.mix(s0)
    if "rho" not in terms:
        return h0, None
    k = np.empty((*h0.shape, N_PARAMS))
    # leaf: spectral sensitivities to ρ_l and τ_l, chained with PROSPECT's derivatives
    pairs = [[], []]
    for pert in ("rho", "tau"):
        for j, x in enumerate(blk.spectra(bidirectional(terms[pert][1], g0))):
            x -= s0[j]
            x *= 1.0 / H_LEAF
            pairs[j].append(x)
    k[..., _LEAF_COLS] = _leaf_jacobian(blk, pairs[: len(s0)], dr, dt)
    # LAI: the leaf-optics factors (shared) do not depend on LAI
    g_l, lf_l = terms["lai"]
    k[..., _COL["lai"]] = (blk.mix(blk.spectra(bidirectional(lf_l, g_l, shared0))) - h0) / H_LAI
    g_a, lf_a = terms["ala"]
    k[..., _COL["ala"]] = (blk.mix(blk.spectra(bidirectional(lf_a, g_a))) - h0) / H_ALA
    d_s = blk.spectra(c0, blk.soil + H_SOIL)
    for a, b in zip(d_s, s0, strict=True):
        a -= b
        a *= 1.0 / H_SOIL
    for name, ds in zip(("soil_brightness", "soil_dry"), soil_d, strict=True):
        k[..., _COL[name]] = blk.mix([x * ds[:, None, :] for x in d_s])
    return h0, k


def evaluate(p: np.ndarray, groups: list[SensorGroup], binning: str, jacobian: bool = True):
    """H(p) and ∂H/∂p for retrieved physical parameters.

    Args:
        p: Physical parameters in :data:`processes.retrieval.state.NAMES` order, shape (P, n).
        groups: One entry per sensor.
        binning: Leaf-angle binning of the retrieval model.
        jacobian: Also return the Jacobian.

    Returns:
        ``(H, K)``: H of shape (P, m) with m = Σ O_g·B_g (sensor, observation, band order),
        K of shape (P, m, n) or None.
    """
    col = _COL
    lai, ala = p[:, col["lai"]], p[:, col["ala"]]
    bright, dry = p[:, col["soil_brightness"]], p[:, col["soil_dry"]]
    npix = p.shape[0]
    conc = np.zeros((npix, 6))
    conc[:, 0] = p[:, col["cab"]]
    conc[:, 1] = CAR_PER_CAB * p[:, col["cab"]]
    conc[:, 2] = FIXED["ant"]
    conc[:, 3] = p[:, col["cbrown"]]
    conc[:, 4] = p[:, col["cw"]]
    conc[:, 5] = p[:, col["cm"]]
    wl = np.unique(np.concatenate([g.bands.wavelength for g in groups]))
    if jacobian:
        rho, tau, drho, dtau = prospect_d_jacobian(np.full(npix, FIXED["n"]), conc, wl)
        # ∂ρ/∂(Cab, Cbrown, Cw, Cm), Cab carrying its carotenoids: (P, 4, L)
        drho = np.stack([sum(f * drho[:, i] for i, f in c.items()) for _, c in _LEAF], axis=1)
        dtau = np.stack([sum(f * dtau[:, i] for i, f in c.items()) for _, c in _LEAF], axis=1)
    else:
        rho, tau = prospect_d(np.full(npix, FIXED["n"]), *conc.T, wl)
    t = tables()
    soil_dry, soil_wet = t.soil_dry[index_of(wl)], t.soil_wet[index_of(wl)]
    soil = bright[:, None] * (dry[:, None] * soil_dry + (1 - dry[:, None]) * soil_wet)
    hot = np.full(npix, FIXED["hotspot"])
    lidf = campbell(ala, binning)
    lidf_a = campbell(ala + H_ALA, binning) if jacobian else None
    sizes = [g.geometry.dso.shape[1] * g.bands.weights.shape[0] for g in groups]
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    h_all = np.empty((npix, offsets[-1]))
    k_all = np.empty((npix, offsets[-1], N_PARAMS)) if jacobian else None
    for gi, g in enumerate(groups):
        li = np.searchsorted(wl, g.bands.wavelength)
        r_, t_, s_ = rho[:, li], tau[:, li], soil[:, li]
        st = structure(lidf, g.geometry)
        st_a = structure(lidf_a, g.geometry) if jacobian else None
        nobs = g.geometry.dso.shape[1]
        fd = g.diffuse_fraction
        terms = _pass_terms(r_, t_, lai, hot, st, st_a)
        step = max(1, BLOCK_VALUES // max(1, nobs * li.size))
        for start in range(0, npix, step):
            sl = slice(start, min(npix, start + step))
            f = fd
            if fd is not None and np.ndim(fd) == 3 and np.shape(fd)[0] > 1:
                f = fd[sl]
            rows = {}
            for name, (g_, lf_) in terms.items():
                # the ρ/τ passes share the base geometry terms: slice them once
                g_rows = rows["base"][0] if g_ is terms["base"][0] and rows else _rows(g_, sl)
                rows[name] = (g_rows, _rows(lf_, sl))
            soil_d = (
                dry[sl, None] * soil_dry[li] + (1 - dry[sl, None]) * soil_wet[li],
                bright[sl, None] * (soil_dry[li] - soil_wet[li]),
            )
            dr = drho[sl][:, :, li] if jacobian else None
            dt = dtau[sl][:, :, li] if jacobian else None
            h, k = _group_block(_Block(g, f, s_[sl]), rows, dr, dt, soil_d)
            cols = slice(offsets[gi], offsets[gi + 1])
            h_all[sl, cols] = h.reshape(h.shape[0], -1)
            if jacobian:
                k_all[sl, cols] = k.reshape(h.shape[0], -1, N_PARAMS)
    return h_all, k_all
