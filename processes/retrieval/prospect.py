"""PROSPECT-D leaf optics, batched over pixels (Féret et al. 2017; science.md §2.1).

Public API:
    ``prospect_d(n, cab, car, ant, cbrown, cw, cm, wavelength)`` → ``(refl, tran)``; inputs are
    arrays of shape (P,) (scalars broadcast), ``wavelength`` integer nm of shape (L,); outputs
    have shape (P, L).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy.special import exp1

from processes.retrieval.spectra import index_of, tables

#: Incidence cone (degrees) of the top leaf surface, as in prosail.
ALPHA = 40.0


def _tav(alpha: float, nr: np.ndarray) -> np.ndarray:
    """Stern/Allen mean transmissivity of a dielectric plane surface (science.md §2.1)."""
    n2 = nr * nr
    npx = n2 + 1
    nm = n2 - 1
    a = (nr + 1) * (nr + 1) / 2.0
    k = -(n2 - 1) * (n2 - 1) / 4.0
    sa = np.sin(np.deg2rad(alpha))
    b1 = np.sqrt((sa * sa - npx / 2) ** 2 + k) if alpha != 90 else 0.0
    b = b1 - (sa * sa - npx / 2)
    ts = (k**2 / (6 * b**3) + k / b - b / 2) - (k**2 / (6 * a**3) + k / a - a / 2)
    tp = (
        -2 * n2 * (b - a) / npx**2
        - 2 * n2 * npx * np.log(b / a) / nm**2
        + n2 * (1 / b - 1 / a) / 2
        + 16
        * n2**2
        * (n2**2 + 1)
        * np.log((2 * npx * b - nm**2) / (2 * npx * a - nm**2))
        / (npx**3 * nm**2)
        + 16 * n2**3 * (1 / (2 * npx * b - nm**2) - 1 / (2 * npx * a - nm**2)) / npx**3
    )
    return (ts + tp) / (2 * sa**2)


@lru_cache(maxsize=32)
def _grid(wl_bytes: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Refractive index, absorption table and interface terms on one wavelength grid."""
    idx = index_of(np.frombuffer(wl_bytes, dtype=np.int64))
    t = tables()
    nr = t.nr[idx]
    return nr, t.k[:, idx], _tav(ALPHA, nr), _tav(90.0, nr)


def _grid_for(wavelength: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    return _grid(np.asarray(wavelength, dtype=np.int64).tobytes())


def _plates(tau, n, nr, talf, t12):
    """Leaf reflectance/transmittance from the layer transmissivity ``tau`` (P, L)."""
    t21 = t12 / (nr * nr)
    r12 = 1.0 - t12
    r21 = 1.0 - t21
    denom = 1.0 - r21 * r21 * tau * tau
    ta = talf * tau * t21 / denom
    ra = (1.0 - talf) + r21 * tau * ta
    t = t12 * tau * t21 / denom
    r = r12 + r21 * tau * t
    d = np.sqrt((1 + r + t) * (1 + r - t) * (1.0 - r + t) * (1.0 - r - t))
    a = (1 + r * r - t * t + d) / (2 * r)
    b = (1 - r * r + t * t + d) / (2 * t)
    bnm1 = b ** (n - 1)
    bn2 = bnm1 * bnm1
    den = a * a * bn2 - 1
    rsub = a * (bn2 - 1) / den
    tsub = bnm1 * (a * a - 1) / den
    # zero absorption: the Stokes solution degenerates (prosail does the same)
    lossless = np.real(r + t) >= 1.0
    if np.any(lossless):
        nn = np.broadcast_to(n, tsub.shape)
        tsub = np.where(lossless, t / (t + (1 - t) * (nn - 1)), tsub)
        rsub = np.where(lossless, 1 - tsub, rsub)
    den = 1 - rsub * r
    return ra + ta * rsub * t / den, ta * tsub / den


def _layer_tau(kall: np.ndarray) -> np.ndarray:
    safe = np.where(kall > 0, kall, 1.0)
    return np.where(kall > 0, (1 - safe) * np.exp(-safe) + safe**2 * exp1(safe), 1.0)


def _concentrations(cab, car, ant, cbrown, cw, cm) -> np.ndarray:
    c = np.broadcast_arrays(
        *(np.atleast_1d(np.asarray(v, dtype=float)) for v in (cab, car, ant, cbrown, cw, cm))
    )
    return np.stack(c, axis=-1)


def prospect_d(n, cab, car, ant, cbrown, cw, cm, wavelength):
    """PROSPECT-D leaf reflectance and transmittance.

    Args:
        n: Leaf structure parameter N, shape (P,) or scalar.
        cab: Chlorophyll a+b (µg/cm²).
        car: Carotenoids (µg/cm²).
        ant: Anthocyanins (µg/cm²).
        cbrown: Brown pigments (-).
        cw: Equivalent water thickness (g/cm² = cm).
        cm: Dry matter (g/cm²).
        wavelength: Integer wavelengths (nm), shape (L,).

    Returns:
        ``(refl, tran)``, each of shape (P, L).
    """
    conc = _concentrations(cab, car, ant, cbrown, cw, cm)
    n = np.broadcast_to(np.atleast_1d(np.asarray(n, dtype=float)), conc.shape[:1])[:, None]
    nr, k, talf, t12 = _grid_for(wavelength)
    kall = (conc @ k) / n
    return _plates(_layer_tau(kall), n, nr, talf, t12)


def prospect_d_jacobian(n, conc, wavelength):
    """PROSPECT-D and its derivatives with respect to the six concentrations.

    dτ/dk = 2(k·E1(k) − e^{−k}) analytically; the plate algebra is differentiated by complex step.

    Args:
        n: Leaf structure parameter, shape (P,).
        conc: Concentrations (Cab, Car, Ant, Cbrown, Cw, Cm), shape (P, 6).
        wavelength: Integer wavelengths (nm), shape (L,).

    Returns:
        ``(refl, tran, drefl, dtran)`` with shapes (P, L), (P, L), (P, 6, L), (P, 6, L).
    """
    n = np.asarray(n, dtype=float)[:, None]
    nr, k, talf, t12 = _grid_for(wavelength)
    kall = (conc @ k) / n
    tau = _layer_tau(kall)
    safe = np.where(kall > 0, kall, 1.0)
    dtau_dk = np.where(kall > 0, 2.0 * (safe * exp1(safe) - np.exp(-safe)), 0.0)
    h = 1e-20
    rc, tc = _plates(tau + 1j * h, n, nr, talf, t12)
    dr = rc.imag / h * dtau_dk
    dt = tc.imag / h * dtau_dk
    dk = k[None, :, :] / n[:, :, None]
    return rc.real, tc.real, dr[:, None, :] * dk, dt[:, None, :] * dk
