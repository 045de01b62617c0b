"""SMAC (Rahman & Dedieu 1994) forward and inverse, vectorised over pixels with numpy."""

from __future__ import annotations

import dataclasses

import numpy as np
from numpy.typing import ArrayLike, NDArray

from processes.preprocess.coefficients import SmacCoefficients

#: Standard sea-level pressure (hPa), the SMAC reference.
P0 = 1013.25


@dataclasses.dataclass(frozen=True)
class SmacAtmosphere:
    """Atmospheric terms of SMAC for one band, broadcast over pixels."""

    tg: NDArray[np.float64]
    """Total gaseous transmission (down and up)."""
    t_scat: NDArray[np.float64]
    """Product of the downward and upward scattering transmissions T↓·T↑."""
    s: NDArray[np.float64]
    """Spherical albedo of the atmosphere."""
    atm_ref: NDArray[np.float64]
    """Intrinsic atmospheric reflectance ρ_atm."""


def pressure_from_height(z: ArrayLike) -> NDArray[np.float64]:
    """Surface pressure (hPa) from altitude (m), standard atmosphere (science.md §4.1).

    Args:
        z: altitude above sea level in metres.

    Returns:
        Pressure in hPa.
    """
    return P0 * (1.0 - 0.0065 * np.asarray(z, dtype=np.float64) / 288.15) ** 5.31


def _aerosol_reflectance(c: SmacCoefficients, taup, us, uv, ksi_deg):
    # Single-layer two-stream (Eddington-type) solution of the CNES SMAC code.
    wo, gc = c.wo, c.gc
    aer_phase = c.a0P + ksi_deg * (c.a1P + ksi_deg * (c.a2P + ksi_deg * (c.a3P + ksi_deg * c.a4P)))
    ak2 = (1.0 - wo) * (3.0 - wo * 3.0 * gc)
    ak = np.sqrt(ak2)
    den = 1.0 - ak2 * us * us
    e = -3.0 * us * us * wo / (4.0 * den)
    f = -(1.0 - wo) * 3.0 * gc * us * us * wo / (4.0 * den)
    dp = e / (3.0 * us) + us * f
    d = e + f
    b = 2.0 * ak / (3.0 - wo * 3.0 * gc)
    ekp, ekm = np.exp(ak * taup), np.exp(-ak * taup)
    delta = ekp * (1.0 + b) ** 2 - ekm * (1.0 - b) ** 2
    ww = wo / 4.0
    ss = us / den
    q1 = 2.0 + 3.0 * us + (1.0 - wo) * 3.0 * gc * us * (1.0 + 2.0 * us)
    q2 = 2.0 - 3.0 * us - (1.0 - wo) * 3.0 * gc * us * (1.0 - 2.0 * us)
    q3 = q2 * np.exp(-taup / us)
    c1 = (ww * ss / delta) * (q1 * ekp * (1.0 + b) + q3 * (1.0 - b))
    c2 = -(ww * ss / delta) * (q1 * ekm * (1.0 - b) + q3 * (1.0 + b))
    cp1 = c1 * ak / (3.0 - wo * 3.0 * gc)
    cp2 = -c2 * ak / (3.0 - wo * 3.0 * gc)
    z = d - wo * 3.0 * gc * uv * dp + wo * aer_phase / 4.0
    x = c1 - wo * 3.0 * gc * uv * cp1
    y = c2 - wo * 3.0 * gc * uv * cp2
    aa1 = uv / (1.0 + ak * uv)
    aa2 = uv / (1.0 - ak * uv)
    aa3 = us * uv / (us + uv)
    ref = x * aa1 * (1.0 - np.exp(-taup / aa1))
    ref = ref + y * aa2 * (1.0 - np.exp(-taup / aa2))
    ref = ref + z * aa3 * (1.0 - np.exp(-taup / aa3))
    return ref / (us * uv)


def smac_atmosphere(
    c: SmacCoefficients,
    sza: ArrayLike,
    saa: ArrayLike,
    vza: ArrayLike,
    vaa: ArrayLike,
    pressure: ArrayLike,
    aot550: ArrayLike,
    uo3: ArrayLike,
    uh2o: ArrayLike,
) -> SmacAtmosphere:
    """Compute the SMAC atmospheric terms (science.md §4.2, steps 1-9).

    All array arguments broadcast together; angles are in degrees.

    Args:
        c: coefficients of the band.
        sza: solar zenith angle.
        saa: solar azimuth angle.
        vza: view zenith angle.
        vaa: view azimuth angle.
        pressure: surface pressure (hPa).
        aot550: aerosol optical thickness at 550 nm.
        uo3: ozone column (cm-atm).
        uh2o: water-vapour column (g/cm²).

    Returns:
        The gaseous transmission, scattering transmissions, spherical albedo and ρ_atm.
    """
    ts, tv = np.radians(np.asarray(sza, float)), np.radians(np.asarray(vza, float))
    us, uv = np.cos(ts), np.cos(tv)
    peq = np.asarray(pressure, float) / P0
    tau550 = np.asarray(aot550, float)
    m = 1.0 / us + 1.0 / uv
    taup = c.a0taup + c.a1taup * tau550

    # Gases: variable columns for H2O and O3, pressure-scaled columns for the well-mixed ones.
    log_tg = c.ah2o * (np.asarray(uh2o, float) * m) ** c.nh2o
    log_tg = log_tg + c.ao3 * (np.asarray(uo3, float) * m) ** c.no3
    for gas in ("o2", "co2", "ch4", "no2", "co"):
        a, n, p = getattr(c, "a" + gas), getattr(c, "n" + gas), getattr(c, "p" + gas)
        log_tg = log_tg + a * ((peq**p) * m) ** n
    tg = np.exp(log_tg)

    t_down = c.a0T + c.a1T * tau550 / us + (c.a2T * peq + c.a3T) / (1.0 + us)
    t_up = c.a0T + c.a1T * tau550 / uv + (c.a2T * peq + c.a3T) / (1.0 + uv)
    s = c.a0s * peq + c.a3s + c.a1s * tau550 + c.a2s * tau550**2

    cos_phi = np.cos(np.radians(np.asarray(saa, float) - np.asarray(vaa, float)))
    cksi = np.maximum(-(us * uv + np.sin(ts) * np.sin(tv) * cos_phi), -1.0)
    ksi_deg = np.degrees(np.arccos(np.minimum(cksi, 1.0)))

    ray_phase = 0.7190443 * (1.0 + cksi * cksi) + 0.0412742
    ray_ref = c.taur * ray_phase * peq / (4.0 * us * uv)
    xr = c.taur * ray_phase / (us * uv)
    res_ray = c.Resr1 + c.Resr2 * xr + c.Resr3 * xr**2

    aer_ref = _aerosol_reflectance(c, taup, us, uv, ksi_deg)
    va = taup * m * cksi
    res_aer = c.Resa1 + va * (c.Resa2 + va * (c.Resa3 + va * c.Resa4))
    vt = (taup + c.taur * peq) * m * cksi
    res_6s = c.Rest1 + vt * (c.Rest2 + vt * (c.Rest3 + vt * c.Rest4))

    atm_ref = ray_ref - res_ray + aer_ref - res_aer + res_6s
    return SmacAtmosphere(tg=tg, t_scat=t_down * t_up, s=s, atm_ref=atm_ref)


def toc_to_toa(rho_toc: ArrayLike, atm: SmacAtmosphere) -> NDArray[np.float64]:
    """SMAC forward: surface (TOC) reflectance → TOA reflectance.

    Args:
        rho_toc: surface reflectance.
        atm: terms from ``smac_atmosphere``.

    Returns:
        TOA reflectance.
    """
    r = np.asarray(rho_toc, float)
    return atm.tg * (atm.atm_ref + atm.t_scat * r / (1.0 - atm.s * r))


def toa_to_toc(rho_toa: ArrayLike, atm: SmacAtmosphere) -> NDArray[np.float64]:
    """SMAC inverse: TOA reflectance → surface (TOC) reflectance.

    Args:
        rho_toa: TOA reflectance.
        atm: terms from ``smac_atmosphere``.

    Returns:
        Surface reflectance.
    """
    y = np.asarray(rho_toa, float) - atm.tg * atm.atm_ref
    return y / (atm.tg * atm.t_scat + atm.s * y)
