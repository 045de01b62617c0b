"""Synthetic scenes for the retrieval tests, built with our own forward model (identical twin)."""

import numpy as np
import xarray as xr

from processes.retrieval.bands import PROBAV, VGT, make_bands
from processes.retrieval.forward import band_reflectance, fapar
from processes.retrieval.window import SensorObservations

SENSORS = {"probav": PROBAV, "vgt": VGT}
FD = np.array([0.2, 0.2, 0.1, 0.1])


def truth_state(npix, rng, lai=(0.1, 6.0)):
    """Truth drawn from the retrieval priors (clipped to bounds); LAI uniform."""

    def draw(mean, sd, lo, hi):
        return np.clip(rng.normal(mean, sd, npix), lo, hi)

    s = {
        "n": 1.5, "ant": 0.0, "hotspot": 0.1, "lai": rng.uniform(*lai, npix),
        "cab": draw(40, 15, 10, 90), "cbrown": np.abs(rng.normal(0, 0.2, npix)),
        "cw": draw(0.012, 0.004, 0.003, 0.04), "cm": draw(0.006, 0.002, 0.002, 0.015),
        "ala": draw(57, 8, 30, 75), "soil_brightness": draw(1.0, 0.25, 0.4, 2.0),
        "soil_dry": draw(0.5, 0.25, 0.0, 1.0),
    }  # fmt: skip
    s["car"] = s["cab"] / 4
    return s


def noise_sd(r):
    """Noise σ of science.md §5: max(0.004, 4%) VNIR, max(0.008, 5%) SWIR (last band)."""
    sd = np.maximum(0.004, 0.04 * r)
    sd[..., -1] = np.maximum(0.008, 0.05 * r[..., -1])
    return sd


def observe(
    truth, sensor, n_obs, rng, *, binning="prosail18", diffuse=False, thin_cloud=0.0, step=5.0
):
    """Noisy band reflectances with geometry near the principal plane.

    Returns:
        ``(bands, refl, sd, sza, vza, raa, cloudy)`` with arrays (P, O, B) / (P, O).
    """
    npix = truth["lai"].size
    bands = make_bands(*SENSORS[sensor], step=step)
    sza = rng.uniform(25, 55, (npix, n_obs))
    vza = rng.uniform(0, 50, (npix, n_obs))
    raa = rng.choice([0.0, 180.0], (npix, n_obs)) + rng.uniform(0, 30, (npix, n_obs))
    r = band_reflectance(
        truth, sza, vza, raa, bands, binning=binning, diffuse_fraction=FD if diffuse else None
    )
    sd = noise_sd(r)
    y = r + rng.normal(size=r.shape) * sd
    cloudy = rng.random((npix, n_obs)) < thin_cloud
    c = rng.uniform(0.05, 0.3, (npix, n_obs))[..., None]
    y = np.where(cloudy[..., None], (1 - c) * y + c * 0.5, y)
    return bands, y, sd, sza, vza, raa, cloudy


def window_observations(truth, rng, n_per_sensor=3, **kw):
    """Two sensors (PROBA-V, VGT) for :func:`retrieve_window`."""
    obs = []
    for sensor in SENSORS:
        bands, y, sd, sza, vza, raa, _ = observe(truth, sensor, n_per_sensor, rng, **kw)
        obs.append(SensorObservations(bands, y, sd, sza, vza, raa, np.ones(sza.shape, bool)))
    return obs


def true_fapar(truth, sza, binning="prosail18"):
    """Truth black-sky fAPAR."""
    return fapar(truth, sza, binning=binning)


def make_cube(
    truth, rng, sensor="probav", days=20, ny=3, nx=4, start="2021-06-01", cloud_days=(),
    swir_vza_offset=None, land=None,
):  # fmt: skip
    """A daily cube in the optisail input convention (one observation per day).

    ``cloud_days`` lists day offsets where every pixel is flagged not clear. With
    ``swir_vza_offset`` the last band is seen ``offset`` degrees further off nadir, given as
    ``vza_swir``/``vaa_swir`` with a ``geometry`` coordinate (like PROBA-V products); ``land``
    (ny·nx,) adds a ``land`` band.
    """
    npix = ny * nx
    names, centre, fwhm = SENSORS[sensor]
    _, y, sd, sza, vza, raa, _ = observe(truth, sensor, days, rng)
    if swir_vza_offset is not None:
        swir = make_bands(names[-1:], centre[-1:], fwhm[-1:])
        clean = band_reflectance(truth, sza, vza + swir_vza_offset, raa, swir)[..., 0]
        sd[..., -1] = noise_sd(np.repeat(clean[..., None], 4, axis=-1))[..., -1]
        y[..., -1] = clean + rng.normal(size=clean.shape) * sd[..., -1]
    saa = np.full((npix, days), 150.0)
    vaa = saa - raa
    clear = np.ones((npix, days))
    clear[:, list(cloud_days)] = 0
    layers = [y[..., b] for b in range(4)] + [sd[..., b] for b in range(4)]
    layers += [sza, saa, vza, vaa, clear]
    labels = [*names, *[f"{n}_unc" for n in names], "sza", "saa", "vza", "vaa", "clear"]
    if swir_vza_offset is not None:
        layers += [vza + swir_vza_offset, vaa]
        labels += ["vza_swir", "vaa_swir"]
    if land is not None:
        layers.append(np.repeat(np.asarray(land, float)[:, None], days, axis=1))
        labels.append("land")
    data = np.stack(layers, axis=0).reshape(len(layers), ny, nx, days).transpose(3, 0, 1, 2)
    wl = np.full(len(labels), np.nan)
    fw = np.full(len(labels), np.nan)
    wl[:4], fw[:4] = centre, fwhm
    swir_layers = (names[-1], f"{names[-1]}_unc", "vza_swir", "vaa_swir")
    coords = {"t": np.datetime64(start, "ns") + np.arange(days) * np.timedelta64(1, "D")
              + np.timedelta64(10, "h"), "bands": labels, "wavelength": ("bands", wl),
              "fwhm": ("bands", fw), "y": 45.0 - np.arange(ny) / 112,
              "x": 5.0 + np.arange(nx) / 112}  # fmt: skip
    if swir_vza_offset is not None:
        coords["geometry"] = ("bands", ["SWIR" if b in swir_layers else "VNIR" for b in labels])
    return xr.DataArray(data, dims=("t", "bands", "y", "x"), coords=coords)
