"""The fast retrieval operator equals a straightforward evaluation of the same model."""

import numpy as np
import pytest

from processes.retrieval import model
from processes.retrieval.bands import PROBAV, VGT, make_bands
from processes.retrieval.lidf import campbell
from processes.retrieval.model import SensorGroup, evaluate
from processes.retrieval.prospect import prospect_d_jacobian
from processes.retrieval.sail import (
    bidirectional,
    canopy,
    couple_soil,
    lai_geometry,
    leaf_terms,
    rdot,
    rsot,
    structure,
    view_geometry,
)
from processes.retrieval.spectra import index_of, tables
from processes.retrieval.state import CAR_PER_CAB, FIXED, N_PARAMS, NAMES, climatology


def _reference(p, groups, binning):
    """The operator as first written: one full canopy pass per perturbation, no sharing."""
    col = {name: i for i, name in enumerate(NAMES)}
    lai, ala = p[:, col["lai"]], p[:, col["ala"]]
    bright, dry = p[:, col["soil_brightness"]], p[:, col["soil_dry"]]
    npix = p.shape[0]
    conc = np.zeros((npix, 6))
    conc[:, 0], conc[:, 1], conc[:, 2] = p[:, col["cab"]], CAR_PER_CAB * p[:, col["cab"]], 0.0
    conc[:, 3], conc[:, 4], conc[:, 5] = p[:, col["cbrown"]], p[:, col["cw"]], p[:, col["cm"]]
    wl = np.unique(np.concatenate([g.bands.wavelength for g in groups]))
    rho, tau, drho, dtau = prospect_d_jacobian(np.full(npix, FIXED["n"]), conc, wl)
    t = tables()
    sd, sw = t.soil_dry[index_of(wl)], t.soil_wet[index_of(wl)]
    soil = bright[:, None] * (dry[:, None] * sd + (1 - dry[:, None]) * sw)
    hot = np.full(npix, FIXED["hotspot"])

    def toc(r, tt, s, la, lidf, g):
        c = couple_soil(canopy(r, tt, la, hot, structure(lidf, g.geometry)), s)
        w = g.bands.weights.T
        if g.diffuse_fraction is None:
            return c["rsot"] @ w, [c["rsot"]]
        f = g.diffuse_fraction
        return (1 - f) * (c["rsot"] @ w) + f * (c["rdot"] @ w), [c["rsot"], c["rdot"]]

    def mix(sp, g):
        w = g.bands.weights.T
        if g.diffuse_fraction is None:
            return sp[0] @ w
        f = g.diffuse_fraction
        return (1 - f) * (sp[0] @ w) + f * (sp[1] @ w)

    hs, ks = [], []
    lidf, lidf_a = campbell(ala, binning), campbell(ala + model.H_ALA, binning)
    for g in groups:
        li = np.searchsorted(wl, g.bands.wavelength)
        r, tt, s = rho[:, li], tau[:, li], soil[:, li]
        h0, s0 = toc(r, tt, s, lai, lidf, g)
        k = np.empty((*h0.shape, N_PARAMS))
        d_r = [
            (a - b) / model.H_LEAF
            for a, b in zip(toc(r + model.H_LEAF, tt, s, lai, lidf, g)[1], s0, strict=True)
        ]
        d_t = [
            (a - b) / model.H_LEAF
            for a, b in zip(toc(r, tt + model.H_LEAF, s, lai, lidf, g)[1], s0, strict=True)
        ]
        dr, dt = drho[:, :, li], dtau[:, :, li]
        for name, a, b in (
            ("cab", dr[:, 0] + CAR_PER_CAB * dr[:, 1], dt[:, 0] + CAR_PER_CAB * dt[:, 1]),
            ("cbrown", dr[:, 3], dt[:, 3]), ("cw", dr[:, 4], dt[:, 4]), ("cm", dr[:, 5], dt[:, 5]),
        ):  # fmt: skip
            sp = [x * a[:, None] + y * b[:, None] for x, y in zip(d_r, d_t, strict=True)]
            k[..., col[name]] = mix(sp, g)
        k[..., col["lai"]] = (toc(r, tt, s, lai + model.H_LAI, lidf, g)[0] - h0) / model.H_LAI
        k[..., col["ala"]] = (toc(r, tt, s, lai, lidf_a, g)[0] - h0) / model.H_ALA
        d_s = [
            (a - b) / model.H_SOIL
            for a, b in zip(toc(r, tt, s + model.H_SOIL, lai, lidf, g)[1], s0, strict=True)
        ]
        for name, ds in (("soil_brightness", dry[:, None] * sd[li] + (1 - dry[:, None]) * sw[li]),
                         ("soil_dry", bright[:, None] * (sd[li] - sw[li]))):  # fmt: skip
            k[..., col[name]] = mix([x * ds[:, None] for x in d_s], g)
        hs.append(h0.reshape(npix, -1))
        ks.append(k.reshape(npix, -1, N_PARAMS))
    return np.concatenate(hs, 1), np.concatenate(ks, 1)


def _scene(npix, seed, diffuse):
    rng = np.random.default_rng(seed)

    def sub(spec, idx):
        return make_bands(*([spec[j][i] for i in idx] for j in range(3)), step=10.0)

    groups = []
    for bands, nobs in (
        (sub(PROBAV, [0, 1, 2]), 5),
        (sub(PROBAV, [3]), 5),
        (make_bands(*VGT, step=10.0), 4),
    ):
        geo = view_geometry(
            rng.uniform(0, 65, (npix, nobs)), rng.uniform(0, 55, (npix, nobs)),
            rng.uniform(0, 360, (npix, nobs)),
        )  # fmt: skip
        fd = np.array([0.2, 0.15, 0.1, 0.05])[: bands.weights.shape[0]] if diffuse else None
        groups.append(SensorGroup(bands, geo, fd))
    p, _ = climatology(npix)
    p = p.copy()
    p[:, NAMES.index("lai")] = rng.uniform(0.05, 7.0, npix)
    p[:, NAMES.index("ala")] = rng.uniform(25.0, 75.0, npix)
    p[:, NAMES.index("cab")] = rng.uniform(5.0, 90.0, npix)
    p[:, NAMES.index("soil_brightness")] = rng.uniform(0.4, 2.0, npix)
    p[:, NAMES.index("soil_dry")] = rng.uniform(0.0, 1.0, npix)
    return p, groups


@pytest.mark.parametrize("diffuse", [False, True])
def test_fast_operator_equals_reference(diffuse):
    p, groups = _scene(300, seed=1 if diffuse else 2, diffuse=diffuse)  # several pixel blocks
    h, k = evaluate(p, groups, "prosail18")
    h_ref, k_ref = _reference(p, groups, "prosail18")
    np.testing.assert_allclose(h, h_ref, rtol=1e-12, atol=1e-15)
    # forward differences carry ~1e-10 of rounding noise; equal to 1e-9 of each column's scale
    scale = np.max(np.abs(k_ref), axis=(0, 1))
    assert np.all(scale > 0)
    np.testing.assert_array_less(np.max(np.abs(k - k_ref), axis=(0, 1)), 1e-9 * scale)
    h_only, none = evaluate(p, groups, "prosail18", jacobian=False)
    assert none is None
    np.testing.assert_array_equal(h_only, h)


def test_fast_sail_terms_equal_canopy_and_soil_coupling():
    rng = np.random.default_rng(5)
    npix, nobs, nl = 400, 3, 30
    rho = rng.uniform(0.01, 0.6, (npix, nl))
    tau = rng.uniform(0.0, 0.6, (npix, nl)) * (1 - rho)
    lai = rng.uniform(0.01, 8.0, npix)
    hot = rng.uniform(0.0, 0.5, npix)
    hot[:5] = 0.0
    sza, vza, raa = (rng.uniform(0, 70, (npix, nobs)), rng.uniform(0, 60, (npix, nobs)),
                     rng.uniform(0, 180, (npix, nobs)))  # fmt: skip
    sza[5:10], vza[5:10], raa[5:10] = 30.0, 30.0, 0.0  # exact hotspot
    sza[10, 0] = 0.0
    st = structure(campbell(rng.uniform(20, 80, npix)), view_geometry(sza, vza, raa))
    soil = rng.uniform(0.02, 0.5, (npix, nl))
    ref = couple_soil(canopy(rho, tau, lai, hot, st), soil)
    g = lai_geometry(lai, hot, st)
    lf = leaf_terms(rho, tau, g)
    assert np.any(np.abs(g["ks"] - lf["m"]) * g["lai"] <= 1e-3)  # J1's near-equal branch is hit
    c = bidirectional(lf, g)
    np.testing.assert_allclose(rsot(c, soil), ref["rsot"], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(rdot(c, soil), ref["rdot"], rtol=1e-12, atol=1e-15)


def test_fast_e1_matches_scipy():
    from scipy.special import exp1

    from processes.retrieval.prospect import _exp1

    rng = np.random.default_rng(3)
    x = np.concatenate([np.logspace(-9, 3, 20001), rng.uniform(0, 70, 20000), [1.0, 2.0, 64.0]])
    np.testing.assert_allclose(_exp1(x), exp1(x), rtol=3e-15, atol=0)
    assert np.isnan(_exp1(np.array([np.nan]))[0])
