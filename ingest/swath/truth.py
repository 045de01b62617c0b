"""The ``canopy simulate`` truth (landscape, phenology, PROSPECT-D + 4SAIL) as a swath TOC field.

``generate_segment`` needs the TOC as a function of position, time and geometry; the simulator
defines its truth on grid pixels. Here the grid truth is interpolated bilinearly between pixel
centres, so a swath pixel between grid centres sees a smooth state (no class edges that
nearest-neighbour tiling would shift by a pixel), and a tile pixel centre sees exactly the
simulator's state, which the retrieval is scored against.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from numpy.typing import NDArray
from scipy.interpolate import RegularGridInterpolator
from scipy.ndimage import distance_transform_edt

from ingest.registry import Sensor
from ingest.simulate.forward import TWIN, GeneratingModel, Leaves, band_toc, fapar_truth
from ingest.simulate.geometry import noon_zenith
from ingest.simulate.scene import make_landscape, phenology, smooth_field, weather
from processes.preprocess.bands import band_coefficients
from processes.retrieval.bands import make_bands
from processes.retrieval.forward import par_weights

_LEAF = ("lai", "cab", "car", "cbrown", "cw")
_STATIC = ("n", "cm", "ala", "soil_brightness")


class CanopyTruth:
    """Daily canopy truth on a window of the 1 km grid, usable as ``generate_segment``'s scene.

    Water pixels of the simulator's landscape take the state of the nearest land pixel: every
    pixel is vegetated land, so the score needs no water mask.
    """

    def __init__(
        self,
        lat: NDArray,
        lon: NDArray,
        start: date,
        days: int,
        sensor: Sensor,
        seed: int = 3,
        cloud_cover: float = 0.15,
        model: GeneratingModel = TWIN,
        cell: int = 4,
        static_soil: bool = False,
    ) -> None:
        """Build the truth.

        Args:
            lat: grid pixel-centre latitudes (descending), as ``TileGrid.pixel_centres``.
            lon: grid pixel-centre longitudes (ascending).
            start: first day.
            days: number of days.
            sensor: registry sensor whose SRFs (``srf``) turn spectra into bands.
            seed: seed of the landscape, weather and clouds.
            cloud_cover: approximate cloudy fraction of each day (clouds move day to day).
            model: generating model (identical twin by default).
            cell: the landscape is drawn on a lattice of ``cell`` grid pixels (and one cell
                beyond the window) and interpolated: nearest-neighbour tiling takes a swath
                pixel up to half a swath pixel away (≈1.5 km at the AVHRR swath edge), and on a
                1 km landscape that shift alone gives red TOC errors of ~50 % at class edges.
            static_soil: hold the soil dry fraction ψ at its mean over the days (no rain
                events). The retrieval holds the state constant over its ±5-day window; with
                red, NIR and SWIR only it cannot tell a rain-darkened soil from more leaves
                (docs/preprocess.md, "End-to-end accuracy"), and this switch isolates that.
        """
        self.grid_lat, self.grid_lon = np.asarray(lat, float), np.asarray(lon, float)
        step = cell * abs(float(self.grid_lon[1] - self.grid_lon[0]))
        ny = int(np.ceil(self.grid_lat.size / cell)) + 2
        nx = int(np.ceil(self.grid_lon.size / cell)) + 2
        self.lat = self.grid_lat[0] + step - step * np.arange(ny)
        self.lon = self.grid_lon[0] - step + step * np.arange(nx)
        self.start, self.days, self.sensor, self.seed = start, days, sensor, seed
        self.cloud_cover, self.model = cloud_cover, model
        shape = (self.lat.size, self.lon.size)
        land = make_landscape(np.random.default_rng([seed, 0]), shape)
        nearest = distance_transform_edt(~land.land, return_distances=False, return_indices=True)
        fill = tuple(nearest)
        doy = np.array([(start + timedelta(d)).timetuple().tm_yday for d in range(days)])
        self.doy = doy
        leaf = phenology(land, doy)
        wx = weather(np.random.default_rng([seed, 1]), doy, self.lat, land)
        self.leaf = {k: leaf[k][:, fill[0], fill[1]] for k in _LEAF}
        self.soil_dry = wx["soil_dry"][:, fill[0], fill[1]]
        if static_soil:
            self.soil_dry = np.broadcast_to(self.soil_dry.mean(axis=0), self.soil_dry.shape)
        n = land.params["n"] if model.leaf_n is None else np.full(shape, model.leaf_n)
        static = {"n": n, "cm": land.params["cm"], "ala": land.params["ala"],
                  "soil_brightness": land.soil_brightness}  # fmt: skip
        self.static = {k: v[fill] for k, v in static.items()}
        self._bands = {b.name: b for b in sensor.bands}

    def day_index(self, time: np.datetime64) -> int:
        """Index of the day holding ``time``."""
        d = (np.datetime64(time, "D") - np.datetime64(self.start, "D")).astype(int)
        if not 0 <= d < self.days:
            raise ValueError(f"{time} is outside the truth's {self.days} days from {self.start}")
        return int(d)

    def state(self, lat: NDArray, lon: NDArray, time: np.datetime64) -> dict[str, NDArray]:
        """Leaf, canopy and soil state at points, bilinear between grid pixel centres."""
        i = self.day_index(time)
        fields = {**{k: v[i] for k, v in self.leaf.items()}, **self.static}
        fields["soil_dry"] = self.soil_dry[i]
        pts = self._points(lat, lon)
        out = {}
        for k, v in fields.items():
            f = RegularGridInterpolator((self.lat[::-1], self.lon), v[::-1], bounds_error=False,
                                        fill_value=None)  # fmt: skip
            out[k] = f(pts)
        return out

    def _points(self, lat: NDArray, lon: NDArray) -> NDArray:
        # beyond the window the edge pixels' state continues (no extrapolation)
        la = np.clip(np.ravel(lat), self.lat.min(), self.lat.max())
        lo = np.clip(np.ravel(lon), self.lon.min(), self.lon.max())
        return np.stack([la, lo], -1)

    def land(self, lat: NDArray, lon: NDArray) -> NDArray[np.bool_]:
        """Everything is land (see the class docstring)."""
        return np.ones(np.shape(lat), bool)

    def cloud(self, lat: NDArray, lon: NDArray, time=None) -> NDArray[np.bool_]:
        """A cloud field that changes every day (a smooth field thresholded to the cover)."""
        i = self.day_index(time)
        rng = np.random.default_rng([self.seed, 4, i])
        base = smooth_field(rng, (self.lat.size, self.lon.size), 4.0)
        f = RegularGridInterpolator((self.lat[::-1], self.lon), base[::-1], bounds_error=False,
                                    fill_value=None)  # fmt: skip
        value = f(self._points(lat, lon)).reshape(np.shape(lat))
        return value > np.quantile(base, 1 - self.cloud_cover)

    def toc(self, lat, lon, band, wavelength_um, time, sza=None, saa=None, vza=None, vaa=None):
        """Band TOC reflectance (identical-twin PROSAIL, the sensor's SRF) at the geometry."""
        shape = np.shape(lat)
        s = self.state(lat, lon, time)
        entry = self._bands[band_coefficients(self.sensor.product_token, band).l2b_band]
        bands = make_bands([entry.name], [entry.srf.centre], [entry.srf.fwhm], self.model.srf_step)
        leaves = Leaves(s, bands.wavelength)
        idx = np.arange(leaves.rho.shape[0])
        col = [np.ravel(a)[:, None] for a in (sza, vza, np.asarray(saa) - np.asarray(vaa))]
        f_d = np.zeros((idx.size, 1, 1))
        return band_toc(leaves, idx, *col, bands, f_d, self.model)[:, 0].reshape(shape)

    def _grid_points(self) -> tuple[NDArray, NDArray]:
        la, lo = np.meshgrid(self.grid_lat, self.grid_lon, indexing="ij")
        return la, lo

    def lai(self, time: np.datetime64) -> NDArray:
        """Truth LAI on the grid window (lat, lon)."""
        la, lo = self._grid_points()
        return self.state(la, lo, time)["lai"].reshape(la.shape)

    def fapar(self, time: np.datetime64) -> NDArray:
        """Truth black-sky fAPAR at local solar noon on the grid window."""
        la, lo = self._grid_points()
        leaves = Leaves(self.state(la, lo, time), par_weights(self.model.par_step)[0])
        noon = noon_zenith(self.doy[self.day_index(time)], la.ravel())
        bs, _ = fapar_truth(leaves, np.arange(la.size), noon, self.model)
        return bs.reshape(la.shape)
