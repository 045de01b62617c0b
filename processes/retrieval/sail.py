"""4SAIL canopy reflectance with hotspot (Verhoef et al. 2007), batched over pixels × views.

Shapes: leaf and soil spectra (P, L); LAI, hotspot (P,); geometry (P, O); leaf-angle bins (nb,).
Terms that depend only on the leaf optics and the LIDF (rdd, tdd, ...) are kept at (P, 1, L);
terms that depend on the geometry at (P, O, L). The angular part (:func:`view_geometry`) depends
only on the angles, so the inversion computes it once per window, not once per iteration.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from processes.retrieval.lidf import bin_centres


@dataclass(frozen=True)
class ViewGeometry:
    """Angular terms of 4SAIL for each (pixel, observation) and leaf-angle bin."""

    ks_bin: np.ndarray
    """χ_s/cosθs per bin, shape (P, O, nb)."""
    ko_bin: np.ndarray
    """χ_o/cosθv per bin, shape (P, O, nb)."""
    sob_bin: np.ndarray
    """π f_ρ/(cosθs cosθv) per bin, shape (P, O, nb)."""
    sof_bin: np.ndarray
    """π f_τ/(cosθs cosθv) per bin, shape (P, O, nb)."""
    cos2: np.ndarray
    """cos² of the bin leaf angle, shape (nb,)."""
    dso: np.ndarray
    """Hotspot angular distance term, shape (P, O)."""

    def take(self, idx: np.ndarray) -> ViewGeometry:
        """The geometry of a subset of pixels."""
        return ViewGeometry(
            self.ks_bin[idx],
            self.ko_bin[idx],
            self.sob_bin[idx],
            self.sof_bin[idx],
            self.cos2,
            self.dso[idx],
        )


def _volscatt(tts, tto, psi, ttl):
    """Verhoef's volume scattering (prosail ``volscatt``) with array branches."""
    rad = np.deg2rad
    cts, cto, sts, sto = np.cos(rad(tts)), np.cos(rad(tto)), np.sin(rad(tts)), np.sin(rad(tto))
    psir = rad(psi)
    cttl, sttl = np.cos(rad(ttl)), np.sin(rad(ttl))
    cs, co, ss, so = cttl * cts, cttl * cto, sttl * sts, sttl * sto
    with np.errstate(divide="ignore", invalid="ignore"):
        cosbts = np.where(np.abs(ss) > 1e-6, -cs / ss, 5.0)
        cosbto = np.where(np.abs(so) > 1e-6, -co / so, 5.0)
    in_s = np.abs(cosbts) < 1.0
    bts = np.where(in_s, np.arccos(np.clip(cosbts, -1, 1)), np.pi)
    ds = np.where(in_s, ss, cs)
    chi_s = 2.0 / np.pi * ((bts - np.pi * 0.5) * cs + np.sin(bts) * ss)
    in_o = np.abs(cosbto) < 1.0
    # view zenith is always < 90° here, so the "bto = 0" branch of prosail never applies
    bto = np.where(in_o, np.arccos(np.clip(cosbto, -1, 1)), np.pi)
    do_ = np.where(in_o, so, co)
    chi_o = 2.0 / np.pi * ((bto - np.pi * 0.5) * co + np.sin(bto) * so)
    btran1 = np.abs(bts - bto)
    btran2 = np.pi - np.abs(bts + bto - np.pi)
    first = psir <= btran1
    second = psir <= btran2
    bt1 = np.where(first, psir, btran1)
    bt2 = np.where(first, btran1, np.where(second, psir, btran2))
    bt3 = np.where(first | second, btran2, psir)
    t1 = 2.0 * cs * co + ss * so * np.cos(psir)
    t2 = np.where(
        bt2 > 0.0, np.sin(bt2) * (2.0 * ds * do_ + ss * so * np.cos(bt1) * np.cos(bt3)), 0.0
    )
    denom = 2.0 * np.pi**2
    frho = np.maximum(((np.pi - bt2) * t1 + t2) / denom, 0.0)
    ftau = np.maximum((-bt2 * t1 + t2) / denom, 0.0)
    return chi_s, chi_o, frho, ftau


def fold_azimuth(raa: np.ndarray) -> np.ndarray:
    """Relative azimuth folded into [0, 180]° (4SAIL is symmetric about the principal plane)."""
    return np.abs((np.asarray(raa, dtype=float) + 180.0) % 360.0 - 180.0)


def view_geometry(sza, vza, raa, binning: str = "prosail18") -> ViewGeometry:
    """Precompute the angular 4SAIL terms.

    Args:
        sza: Solar zenith (degrees), shape (P, O).
        vza: View zenith (degrees), shape (P, O).
        raa: Relative azimuth sun–view (degrees), shape (P, O); folded into [0, 180].
        binning: Leaf-angle binning name (``"prosail18"`` or ``"fortran13"``).

    Returns:
        The geometry terms.
    """
    sza, vza, raa = np.broadcast_arrays(
        *(np.atleast_2d(np.asarray(a, dtype=float)) for a in (sza, vza, fold_azimuth(raa)))
    )
    ttl = bin_centres(binning)
    e = (..., None)
    chi_s, chi_o, frho, ftau = _volscatt(sza[e], vza[e], raa[e], ttl)
    cts = np.cos(np.deg2rad(sza))[e]
    cto = np.cos(np.deg2rad(vza))[e]
    tants, tanto = np.tan(np.deg2rad(sza)), np.tan(np.deg2rad(vza))
    dso = np.sqrt(
        np.maximum(tants**2 + tanto**2 - 2.0 * tants * tanto * np.cos(np.deg2rad(raa)), 0.0)
    )
    return ViewGeometry(
        chi_s / cts,
        chi_o / cto,
        frho * np.pi / (cts * cto),
        ftau * np.pi / (cts * cto),
        np.cos(np.deg2rad(ttl)) ** 2,
        dso,
    )


def structure(lidf: np.ndarray, geo: ViewGeometry) -> dict[str, np.ndarray]:
    """LIDF-weighted extinction and scattering coefficients.

    Args:
        lidf: Bin frequencies, shape (P, nb).
        geo: Angular terms.

    Returns:
        ``ks, ko, sob, sof`` of shape (P, O) and ``bf`` of shape (P,).
    """
    w = lidf[:, None, :]
    return {
        "ks": np.sum(geo.ks_bin * w, axis=-1),
        "ko": np.sum(geo.ko_bin * w, axis=-1),
        "sob": np.sum(geo.sob_bin * w, axis=-1),
        "sof": np.sum(geo.sof_bin * w, axis=-1),
        "bf": lidf @ geo.cos2,
        "dso": geo.dso,
    }


def _j1(k, m, t, ek, el):
    """J1 of science.md §2.2 given ek = e^{−kt}, el = e^{−mt} (saves the exponentials)."""
    d = (k - m) * t
    big = np.abs(d) > 1e-3
    with np.errstate(divide="ignore", invalid="ignore"):
        far = (el - ek) / np.where(big, k - m, 1.0)
    if np.all(big):
        return far
    return np.where(big, far, 0.5 * t * (ek + el) * (1.0 - d * d / 12.0))


def _j2(k, m, ek, el):
    """J2 of science.md §2.2 given ek = e^{−kt}, el = e^{−mt}."""
    return (1.0 - ek * el) / (k + m)


def _hotspot(alf, lai, ko, ks):
    """Kuusk's 20-step hotspot integral (prosail ``hotspot_calculations``), shapes (P, O)."""
    zero = alf == 0.0
    a = np.where(zero, 1.0, alf)
    fhot = lai * np.sqrt(ko * ks)
    x1 = np.zeros_like(a)
    y1 = np.zeros_like(a)
    f1 = np.ones_like(a)
    fint = (1.0 - np.exp(-a)) * 0.05
    sumint = np.zeros_like(a)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for istep in range(1, 21):
            x2 = -np.log(1.0 - istep * fint) / a if istep < 20 else np.ones_like(a)
            y2 = -(ko + ks) * lai * x2 + fhot * (1.0 - np.exp(-a * x2)) / a
            f2 = np.exp(y2)
            sumint = sumint + (f2 - f1) * (x2 - x1) / (y2 - y1)
            x1, y1, f1 = x2, y2, f2
    sumint = np.where(np.isnan(sumint), 0.0, sumint)
    tss = np.exp(-ks * lai)
    return np.where(zero, tss, f1), np.where(zero, (1.0 - tss) / (ks * lai), sumint)


def canopy(rho, tau, lai, hotspot, st, view: bool = True) -> dict[str, np.ndarray]:
    """4SAIL canopy terms over a black soil.

    Args:
        rho: Leaf reflectance, shape (P, L).
        tau: Leaf transmittance, shape (P, L).
        lai: Leaf area index, shape (P,); must be > 0.
        hotspot: Hotspot size parameter, shape (P,).
        st: Output of :func:`structure`.
        view: Also compute the view-dependent terms (False: sun terms only, for fAPAR).

    Returns:
        ``tss, rdd, tdd, rsd, tsd`` and, with ``view``, ``too, tsstoo, rdo, tdo, rso``; arrays
        broadcastable to (P, O, L).
    """
    e3 = (slice(None), None, None)
    lai3 = lai[e3]
    rho = rho[:, None, :]
    tau = tau[:, None, :]
    bf = st["bf"][e3]
    ks = st["ks"][..., None]
    ddb, ddf = 0.5 * (1.0 + bf), 0.5 * (1.0 - bf)
    sigb = ddb * rho + ddf * tau
    sigf = ddf * rho + ddb * tau
    sigb = np.where(sigb == 0.0, 1e-36, sigb)
    sigf = np.where(sigf == 0.0, 1e-36, sigf)
    att = 1.0 - sigf
    m = np.sqrt(att**2 - sigb**2)
    sdb, sdf = 0.5 * (ks + bf), 0.5 * (ks - bf)
    sb = sdb * rho + sdf * tau
    sf = sdf * rho + sdb * tau
    e1 = np.exp(-m * lai3)
    rinf = (att - m) / sigb
    rinf2 = rinf * rinf
    re = rinf * e1
    denom = 1.0 - rinf2 * e1 * e1
    tss = np.exp(-ks * lai3)
    j1ks = _j1(ks, m, lai3, tss, e1)
    j2ks = _j2(ks, m, tss, e1)
    pss = (sf + sb * rinf) * j1ks
    qss = (sf * rinf + sb) * j2ks
    out = {
        "tss": tss,
        "tdd": (1.0 - rinf2) * e1 / denom,
        "rdd": rinf * (1.0 - e1 * e1) / denom,
        "tsd": (pss - re * qss) / denom,
        "rsd": (qss - re * pss) / denom,
    }
    if not view:
        return out
    ko = st["ko"][..., None]
    dob, dof = 0.5 * (ko + bf), 0.5 * (ko - bf)
    vb = dob * rho + dof * tau
    vf = dof * rho + dob * tau
    w = st["sob"][..., None] * rho + st["sof"][..., None] * tau
    too = np.exp(-ko * lai3)
    j1ko = _j1(ko, m, lai3, too, e1)
    pv = (vf + vb * rinf) * j1ko
    qv = (vf * rinf + vb) * _j2(ko, m, too, e1)
    tdo = (pv - re * qv) / denom
    rdo = (qv - re * pv) / denom
    z = _j2(ks, ko, tss, too)
    g1 = (z - j1ks * too) / (ko + m)
    g2 = (z - j1ko * tss) / (ks + m)
    t1 = (vf * rinf + vb) * g1 * (sf + sb * rinf)
    t2 = (vf + vb * rinf) * g2 * (sf * rinf + sb)
    t3 = (rdo * qss + tdo * pss) * rinf
    rsod = (t1 + t2 - t3) / (1.0 - rinf2)
    ks2, ko2, lai2 = st["ks"], st["ko"], lai[:, None]
    q = hotspot[:, None]
    with np.errstate(divide="ignore"):
        alf = np.where(q > 0.0, (st["dso"] / np.where(q > 0.0, q, 1.0)) * 2.0 / (ks2 + ko2), 1e36)
    tsstoo, sumint = _hotspot(alf, lai2, ko2, ks2)
    rsos = w * lai3 * sumint[..., None]
    out.update(too=too, tsstoo=tsstoo[..., None], rdo=rdo, tdo=tdo, rso=rsos + rsod)
    return out


def couple_soil(c: dict[str, np.ndarray], soil: np.ndarray) -> dict[str, np.ndarray]:
    """Add a Lambertian soil below the canopy: the reflectance factors of 4SAIL.

    Args:
        c: Output of :func:`canopy` (with view terms).
        soil: Soil reflectance, shape (P, L).

    Returns:
        ``rsot`` (bidirectional), ``rdot`` (hemispherical-directional), shape (P, O, L).
    """
    rs = soil[:, None, :]
    dn = np.maximum(1.0 - rs * c["rdd"], 1e-36)
    tss, tsd, too = c["tss"], c["tsd"], c["too"]
    rsot = (
        c["rso"]
        + c["tsstoo"] * rs
        + ((tss + tsd) * c["tdo"] + (tsd + tss * rs * c["rdd"]) * too) * rs / dn
    )
    rdot = c["rdo"] + c["tdd"] * rs * (c["tdo"] + too) / dn
    return {"rsot": rsot, "rdot": rdot}


# --- fast path of the retrieval operator ------------------------------------------------------
# The functions below compute the same 4SAIL reflectance factors as canopy() + couple_soil(),
# factored for the Jacobian's repeated passes: the geometry·LAI terms (P, O, 1) are computed once
# and shared by the ρ_l/τ_l perturbations, the leaf terms (P, 1, L) by the view perturbations,
# and the (P, O, L) algebra is regrouped (sf + sb·r∞ = k_s·U + V, sf·r∞ + sb = k_s·U − V with
# leaf-only U, V), which halves the work per pass.


def lai_geometry(lai: np.ndarray, hotspot: np.ndarray, st: dict[str, np.ndarray]):
    """Terms of 4SAIL that depend only on the geometry, the LIDF and LAI.

    Args:
        lai: Leaf area index, shape (P,); must be > 0.
        hotspot: Hotspot size parameter, shape (P,).
        st: Output of :func:`structure` for the same pixels.

    Returns:
        A dict of arrays of shape (P, O, 1) (``bf``, ``lai``: (P, 1, 1)).
    """
    ks, ko = st["ks"], st["ko"]
    lai2 = lai[:, None]
    tss = np.exp(-ks * lai2)
    too = np.exp(-ko * lai2)
    q = hotspot[:, None]
    with np.errstate(divide="ignore"):
        alf = np.where(q > 0.0, (st["dso"] / np.where(q > 0.0, q, 1.0)) * 2.0 / (ks + ko), 1e36)
    tsstoo, sumint = _hotspot(alf, lai2, ko, ks)
    e = (..., None)
    return {
        "ks": ks[e], "ko": ko[e], "sob": st["sob"][e], "sof": st["sof"][e],
        "bf": st["bf"][:, None, None], "lai": lai[:, None, None],
        "tss": tss[e], "too": too[e], "z": ((1.0 - tss * too) / (ks + ko))[e],
        "tsstoo": tsstoo[e], "laisum": (lai2 * sumint)[e],
    }  # fmt: skip


def leaf_terms(rho: np.ndarray, tau: np.ndarray, g: dict[str, np.ndarray]):
    """Diffuse leaf-layer terms (P, 1, L) of 4SAIL for the LIDF and LAI in ``g``.

    Args:
        rho: Leaf reflectance, shape (P, L).
        tau: Leaf transmittance, shape (P, L).
        g: Output of :func:`lai_geometry`.

    Returns:
        A dict of arrays of shape (P, 1, L).
    """
    rho = rho[:, None, :]
    tau = tau[:, None, :]
    bf = g["bf"]
    ddb, ddf = 0.5 * (1.0 + bf), 0.5 * (1.0 - bf)
    sigb = ddb * rho + ddf * tau
    sigf = ddf * rho + ddb * tau
    sigb = np.where(sigb == 0.0, 1e-36, sigb)
    att = 1.0 - np.where(sigf == 0.0, 1e-36, sigf)
    m = np.sqrt(att**2 - sigb**2)
    e1 = np.exp(-m * g["lai"])
    rinf = (att - m) / sigb
    rinf2 = rinf * rinf
    e12 = e1 * e1
    denom = 1.0 - rinf2 * e12
    return {
        "rho": rho, "tau": tau, "m": m, "e1": e1, "rinf": rinf, "re": rinf * e1,
        "idenom": 1.0 / denom, "irinf": 1.0 / (1.0 - rinf2),
        "tdd": (1.0 - rinf2) * e1 / denom, "rdd": rinf * (1.0 - e12) / denom,
        "u": 0.5 * (rho + tau) * (1.0 + rinf), "v": 0.5 * bf * (tau - rho) * (1.0 - rinf),
    }  # fmt: skip


def _j1_fast(k, m, lai, ek, el):
    """J1 as :func:`_j1`, ``k`` (P, O, 1), ``m`` (P, 1, L), ``lai`` (P, 1, 1).

    The near-equal branch |k − m|·t ≤ 1e-3 is rare (~0.1 % of values): computed only there.
    """
    kmm = k - m
    far = el - ek
    with np.errstate(divide="ignore", invalid="ignore"):
        far /= kmm
    near = np.abs(kmm) * lai <= 1e-3
    idx = np.nonzero(near)
    if idx[0].size:
        shape = far.shape
        t = np.broadcast_to(lai, shape)[idx]
        d = kmm[idx] * t
        s = np.broadcast_to(ek, shape)[idx] + np.broadcast_to(el, shape)[idx]
        far[idx] = 0.5 * t * s * (1.0 - d * d / 12.0)
    return far


def shared_view_terms(lf: dict[str, np.ndarray], g: dict[str, np.ndarray]):
    """The (P, O, L) factors that do not depend on LAI (reused by the LAI perturbation).

    Args:
        lf: Output of :func:`leaf_terms`.
        g: Output of :func:`lai_geometry`.

    Returns:
        ``(xsp, xsm, xvp, xvm, w)``: sf + sb·r∞, sf·r∞ + sb, vf + vb·r∞, vf·r∞ + vb, and
        sob·ρ + sof·τ.
    """
    ksu = g["ks"] * lf["u"]
    kou = g["ko"] * lf["u"]
    v = lf["v"]
    w = g["sob"] * lf["rho"]
    w += g["sof"] * lf["tau"]
    return ksu + v, np.subtract(ksu, v, out=ksu), kou + v, np.subtract(kou, v, out=kou), w


def bidirectional(lf, g, shared=None) -> dict[str, np.ndarray]:
    """View-dependent 4SAIL terms over a black soil, as :func:`canopy` (``view=True``).

    Args:
        lf: Output of :func:`leaf_terms`.
        g: Output of :func:`lai_geometry`.
        shared: Output of :func:`shared_view_terms` for these leaf terms and geometry, or None.

    Returns:
        ``tsd, tdo, rdo, rso`` (P, O, L) and ``tss, too, tsstoo`` (P, O, 1), ``rdd, tdd``
        (P, 1, L): the inputs of :func:`couple_soil`.
    """
    xsp, xsm, xvp, xvm, w = shared_view_terms(lf, g) if shared is None else shared
    m, e1, re, idenom = lf["m"], lf["e1"], lf["re"], lf["idenom"]
    ks, ko, tss, too, lai = g["ks"], g["ko"], g["tss"], g["too"], g["lai"]
    kspm = ks + m
    kopm = ko + m
    j1ks = _j1_fast(ks, m, lai, tss, e1)
    j1ko = _j1_fast(ko, m, lai, too, e1)
    pss = xsp * j1ks
    qss = tss * e1
    np.subtract(1.0, qss, out=qss)
    qss /= kspm
    qss *= xsm
    pv = xvp * j1ko
    qv = too * e1
    np.subtract(1.0, qv, out=qv)
    qv /= kopm
    qv *= xvm
    tsd = re * qss
    np.subtract(pss, tsd, out=tsd)
    tsd *= idenom
    tdo = re * qv
    np.subtract(pv, tdo, out=tdo)
    tdo *= idenom
    rdo = re * pv
    np.subtract(qv, rdo, out=rdo)
    rdo *= idenom
    z = g["z"]
    # g1 = (z − J1(ks, m)·too)/(ko + m), g2 = (z − J1(ko, m)·tss)/(ks + m), in place
    j1ks *= too
    np.subtract(z, j1ks, out=j1ks)
    j1ks /= kopm
    j1ko *= tss
    np.subtract(z, j1ko, out=j1ko)
    j1ko /= kspm
    rsod = xvm * j1ks
    rsod *= xsp
    j1ko *= xvp
    j1ko *= xsm
    rsod += j1ko
    rdo_q = rdo * qss
    pv = np.multiply(tdo, pss, out=pv)
    rdo_q += pv
    rdo_q *= lf["rinf"]
    rsod -= rdo_q
    rsod *= lf["irinf"]
    rso = np.multiply(w, g["laisum"], out=rdo_q)
    rso += rsod
    return {
        "tss": tss, "too": too, "tsstoo": g["tsstoo"], "rdd": lf["rdd"], "tdd": lf["tdd"],
        "tsd": tsd, "tdo": tdo, "rdo": rdo, "rso": rso,
    }  # fmt: skip


def rsot(c: dict[str, np.ndarray], soil: np.ndarray) -> np.ndarray:
    """Bidirectional reflectance factor of :func:`couple_soil` (``rsot`` only), fewer passes.

    Args:
        c: Output of :func:`bidirectional` (or :func:`canopy`).
        soil: Soil reflectance, shape (P, L).

    Returns:
        ``rsot``, shape (P, O, L).
    """
    rs = soil[:, None, :]
    rsdd = rs * c["rdd"]
    fac = rs / np.maximum(1.0 - rsdd, 1e-36)
    tss, tsd, too = c["tss"], c["tsd"], c["too"]
    a = tss + tsd
    a *= c["tdo"]
    b = tss * rsdd
    b += tsd
    b *= too
    a += b
    a *= fac
    a += c["rso"]
    a += c["tsstoo"] * rs
    return a


def rdot(c: dict[str, np.ndarray], soil: np.ndarray) -> np.ndarray:
    """Hemispherical-directional reflectance factor of :func:`couple_soil` (``rdot`` only)."""
    rs = soil[:, None, :]
    fac = c["tdd"] * rs / np.maximum(1.0 - rs * c["rdd"], 1e-36)
    out = c["tdo"] + c["too"]
    out *= fac
    out += c["rdo"]
    return out
