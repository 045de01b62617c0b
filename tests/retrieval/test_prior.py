"""The temporal prior: physical-unit Q, the climatological cap, recovery from saturation."""

import numpy as np
from retrieval_scenes import truth_state, window_observations

from processes.retrieval.prior import PosteriorState, temporal_prior
from processes.retrieval.state import NAMES, PARAMETERS, climatology, process_noise
from processes.retrieval.window import retrieve_window

SD_CLIM = np.array([p.prior_sd for p in PARAMETERS])


def _posterior(p, sd):
    npix = p.shape[0]
    cov = np.zeros((npix, len(NAMES), len(NAMES)))
    cov[:, np.arange(len(NAMES)), np.arange(len(NAMES))] = sd**2
    return PosteriorState(p, cov, np.ones(npix, bool))


def test_prior_is_previous_posterior_plus_q_capped_at_climatology():
    p, _ = climatology(2)
    p[:, 0] = [0.3, 9.0]
    sd = np.tile(SD_CLIM / 10, (2, 1))
    sd[1] = SD_CLIM  # a posterior as wide as climatology: + Q must not widen it further
    pb, b, prev = temporal_prior(_posterior(p, sd), 2, steps=2.0)
    assert prev.all()
    np.testing.assert_array_equal(pb, p)
    q = np.diag(process_noise(2.0))
    np.testing.assert_allclose(np.diagonal(b[0]), np.minimum(sd[0] ** 2 + q, SD_CLIM**2))
    np.testing.assert_allclose(np.diagonal(b[1]), SD_CLIM**2)
    # Q is a random walk in LAI units: the same 0.75·√2 at LAI 0.3 and at LAI 9
    lai_q = np.sqrt(q[0])
    assert np.isclose(lai_q, 0.75 * np.sqrt(2))
    _, b_off, prev_off = temporal_prior(_posterior(p, sd), 2, temporal=False)
    assert not prev_off.any()
    np.testing.assert_allclose(b_off, climatology(2)[1])


def test_saturated_previous_step_does_not_pin_lai():
    # regression: Q and the chained prior used to live in exp(−LAI/2) space, linearised at the
    # previous optimum; after one window ran into the LAI plateau (LAI 9.5 ± 4.5) the next
    # prior allowed ±0.02 in that space, i.e. nothing below LAI ~7, and the pixel stayed on
    # the plateau for weeks (+0.3 seasonal LAI bias of the end-to-end run, docs/retrieval.md)
    rng = np.random.default_rng(7)
    truth = truth_state(150, rng, lai=(2.0, 3.5))
    obs = window_observations(truth, rng, n_per_sensor=4)
    p = np.column_stack([truth[n] for n in NAMES])
    p[:, NAMES.index("lai")] = 9.5
    sd = np.tile(SD_CLIM / 3, (150, 1))
    sd[:, NAMES.index("lai")] = 4.5
    out, _ = retrieve_window(obs, np.full(150, 30.0), prior=_posterior(p, sd))
    err = out["LAI"] - truth["lai"]
    print("median |error|", np.median(np.abs(err)), "share above 6", np.mean(out["LAI"] > 6))
    assert np.median(np.abs(err)) < 0.5
    assert np.mean(out["LAI"] > 6) < 0.05
