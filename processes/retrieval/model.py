"""Observation operator H and its Jacobian for the inversion, pooled over sensors.

PROSPECT runs once per pixel on the union of all sensors' wavelengths; SAIL runs per sensor on
that sensor's samples. The Jacobian uses the structure of the model: the leaf parameters act
only through leaf reflectance/transmittance (PROSPECT derivatives analytic/complex step, SAIL
sensitivities to ρ_l and τ_l by one batched forward difference each), the soil parameters only
through the soil spectrum (one cheap re-coupling), LAI and ALA by one forward difference each.
So a Jacobian costs ~5 canopy passes instead of n + 1 = 9.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from processes.retrieval.bands import SpectralBands
from processes.retrieval.lidf import campbell
from processes.retrieval.prospect import prospect_d_jacobian
from processes.retrieval.sail import ViewGeometry, canopy, couple_soil, structure
from processes.retrieval.spectra import index_of, tables
from processes.retrieval.state import CAR_PER_CAB, FIXED, N_PARAMS, NAMES

# Forward-difference steps (physical units); small against the curvature of H
H_LEAF = 1e-6
H_LAI = 1e-5
H_ALA = 1e-3
H_SOIL = 1e-6


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


def _mix(sp: list[np.ndarray], group: SensorGroup) -> np.ndarray:
    """Band-integrate spectral [rsot, rdot] (P, O, L) and mix with f_d → (P, O, B)."""
    w = group.bands.weights.T
    out = sp[0] @ w
    if group.diffuse_fraction is not None:
        f = group.diffuse_fraction
        out = (1.0 - f) * out + f * (sp[1] @ w)
    return out


def _spectral(c, soil, group):
    r = couple_soil(c, soil)
    return [r["rsot"], r["rdot"]] if group.diffuse_fraction is not None else [r["rsot"]]


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
    col = {name: i for i, name in enumerate(NAMES)}
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
    rho, tau, drho, dtau = prospect_d_jacobian(np.full(npix, FIXED["n"]), conc, wl)
    t = tables()
    soil_dry, soil_wet = t.soil_dry[index_of(wl)], t.soil_wet[index_of(wl)]
    soil = bright[:, None] * (dry[:, None] * soil_dry + (1 - dry[:, None]) * soil_wet)
    hot = np.full(npix, FIXED["hotspot"])
    lidf = campbell(ala, binning)
    lidf_a = campbell(ala + H_ALA, binning) if jacobian else None
    hs, ks = [], []
    for g in groups:
        li = np.searchsorted(wl, g.bands.wavelength)
        r_, t_, s_ = rho[:, li], tau[:, li], soil[:, li]
        st = structure(lidf, g.geometry)
        c0 = canopy(r_, t_, lai, hot, st)
        s0 = _spectral(c0, s_, g)
        h0 = _mix(s0, g)
        hs.append(h0.reshape(npix, -1))
        if not jacobian:
            continue
        k = np.empty((*h0.shape, N_PARAMS))
        # leaf: spectral sensitivities to ρ_l and τ_l, chained with PROSPECT derivatives
        s_r = _spectral(canopy(r_ + H_LEAF, t_, lai, hot, st), s_, g)
        s_t = _spectral(canopy(r_, t_ + H_LEAF, lai, hot, st), s_, g)
        d_r = [(a - b) / H_LEAF for a, b in zip(s_r, s0, strict=True)]
        d_t = [(a - b) / H_LEAF for a, b in zip(s_t, s0, strict=True)]
        dr, dt = drho[:, :, li], dtau[:, :, li]
        leaf = {
            "cab": (dr[:, 0] + CAR_PER_CAB * dr[:, 1], dt[:, 0] + CAR_PER_CAB * dt[:, 1]),
            "cbrown": (dr[:, 3], dt[:, 3]),
            "cw": (dr[:, 4], dt[:, 4]),
            "cm": (dr[:, 5], dt[:, 5]),
        }
        for name, (a, b) in leaf.items():
            sp = [x * a[:, None, :] + y * b[:, None, :] for x, y in zip(d_r, d_t, strict=True)]
            k[..., col[name]] = _mix(sp, g)
        s_l = _spectral(canopy(r_, t_, lai + H_LAI, hot, st), s_, g)
        k[..., col["lai"]] = (_mix(s_l, g) - h0) / H_LAI
        s_a = _spectral(canopy(r_, t_, lai, hot, structure(lidf_a, g.geometry)), s_, g)
        k[..., col["ala"]] = (_mix(s_a, g) - h0) / H_ALA
        d_s = [(a - b) / H_SOIL for a, b in zip(_spectral(c0, s_ + H_SOIL, g), s0, strict=True)]
        for name, ds in (
            ("soil_brightness", dry[:, None] * soil_dry[li] + (1 - dry[:, None]) * soil_wet[li]),
            ("soil_dry", bright[:, None] * (soil_dry[li] - soil_wet[li])),
        ):
            k[..., col[name]] = _mix([x * ds[:, None, :] for x in d_s], g)
        ks.append(k.reshape(npix, -1, N_PARAMS))
    return np.concatenate(hs, axis=1), (np.concatenate(ks, axis=1) if jacobian else None)
