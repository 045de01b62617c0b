"""In-window state drift: observations away from the step date get the random walk Q added."""

from dataclasses import replace

import numpy as np
from retrieval_scenes import truth_state, window_observations

from processes.retrieval.inversion import Solution
from processes.retrieval.observations import compact, stack
from processes.retrieval.state import N_PARAMS, PARAMETERS, dphys_dtrans, to_transformed
from processes.retrieval.window import DRIFT_ALONE, RetrievalConfig, drift_weights, retrieve_window


def _solution(rng, npix, m):
    p = np.column_stack([np.full(npix, p.prior_mean) for p in PARAMETERS])
    x = to_transformed(p)
    k = rng.normal(size=(npix, m, N_PARAMS))
    z = np.zeros(npix)
    return Solution(x, np.zeros((npix, m)), k, z, z.astype(bool), z.astype(int))


def test_drift_adds_q_through_the_jacobian_in_proportion_to_the_time_offset():
    rng = np.random.default_rng(3)
    sol = _solution(rng, 4, 6)
    w = np.full((4, 6), 1e4)
    w[0, 5] = 0.0  # unusable stays unusable
    days = np.tile([0.0, 1.0, 2.5, 5.0, 4.0, 3.0], (4, 1))
    out = drift_weights(sol, w, days, scale=0.5)
    kp = sol.k / dphys_dtrans(sol.x)[:, None, :]
    q2 = np.array([p.q_sd for p in PARAMETERS]) ** 2
    expected = 1.0 / (1e-4 + 0.5 * days / 5.0 * np.einsum("pmi,i->pm", kp**2, q2))
    expected[0, 5] = 0.0
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    np.testing.assert_array_equal(out[:, 0], w[:, 0])  # at the step date: unchanged
    # variance added grows linearly with |Δt|
    added = 1 / out[1:, 1:] - 1e-4
    per_day = added / days[1:, 1:]
    np.testing.assert_allclose(per_day[:, 2] * 5.0, added[:, 2], rtol=1e-12)


def test_days_follow_the_compacted_slots():
    rng = np.random.default_rng(5)
    obs = window_observations(truth_state(3, rng), rng, n_per_sensor=4)
    ob = obs[0]
    clear = np.array([[False, True, False, True], [True, True, True, True], [False] * 3 + [True]])
    days = np.array([-4.0, -1.0, 2.0, 3.0])
    entries, _ = compact([replace(ob, clear=clear, days=days), obs[1]])
    got = entries[0].days
    np.testing.assert_array_equal(got[0, :2], [-1.0, 3.0])
    np.testing.assert_array_equal(got[1], days)
    assert got[2, 0] == 3.0
    _, _, _, d = stack(entries, (0.005, 0.03), 3)
    nb = ob.bands.weights.shape[0]
    np.testing.assert_array_equal(d[1, : 4 * nb], np.repeat(np.abs(days), nb))
    assert np.all(d[:, 4 * nb :] == 0.0)  # the second sensor has no times: no drift


def test_observations_at_the_step_date_are_not_widened():
    rng = np.random.default_rng(9)
    truth = truth_state(40, rng, lai=(0.5, 4.0))
    obs = window_observations(truth, rng, n_per_sensor=3)
    at_centre = [replace(o, days=np.zeros(3)) for o in obs]
    far = [replace(o, days=np.array([-4.0, 0.5, 4.5])) for o in obs]
    # the constant-soil setting; the linearised σ (χ² scaling off: wider R lowers χ²)
    drift = RetrievalConfig(drift=DRIFT_ALONE, soil_wetness=0.0, fit_scaling=None)
    a, _ = retrieve_window(obs, np.full(40, 30.0), config=drift)
    b, _ = retrieve_window(at_centre, np.full(40, 30.0), config=drift)
    c, _ = retrieve_window(far, np.full(40, 30.0), config=drift)
    np.testing.assert_array_equal(a["LAI"], b["LAI"])
    # the same data, but taken as days away from the step date: less weight, wider σ
    assert np.median(c["LAI_unc"] / a["LAI_unc"]) > 1.0
    off, _ = retrieve_window(far, np.full(40, 30.0), config=replace(drift, drift=0.0))
    np.testing.assert_array_equal(off["LAI"], a["LAI"])
