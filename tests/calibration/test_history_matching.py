"""History matching's pieces on hand-computed cases: the priors' box, the implausibility, the
spread of a wave, and emulators that recover known functions and are honest about noise."""

import math

import numpy as np
import pytest

from twin.calibration import emulator as em
from twin.calibration import history_matching as hm
from twin.calibration.calibration_file import Prior


def space() -> hm.Space:
    return hm.Space.of(
        {
            "a": Prior(range=(0.0, 10.0), justification="x"),
            "b": Prior(range=(0.01, 1.0), log=True, justification="y"),
        }
    )


def test_the_box_maps_linear_and_log_priors_both_ways():
    s = space()
    x = s.values(np.array([[0.5, 0.5], [0.0, 1.0]]))
    assert x[0] == pytest.approx([5.0, 0.1])  # the log prior's middle is the geometric mean
    assert x[1] == pytest.approx([0.0, 1.0])
    assert s.unit(x) == pytest.approx(np.array([[0.5, 0.5], [0.0, 1.0]]))


def test_implausibility_is_the_log_miss_over_emulator_and_tolerance():
    """Target 100 at tolerance 10% and cutoff 3: d = log(1.1) / 3 = 0.03177. An emulator
    certain of 121 (log miss log 1.21 = 0.1906) gives I = 6.0; one of 110 gives exactly 3, the
    cutoff; with emulator sd 0.1 at 121, I = 0.1906 / sqrt(0.01 + 0.001009) = 1.817."""
    certain = em.Emulator(None, math.log(121.0))
    on_edge = em.Emulator(None, math.log(110.0))
    u = np.zeros((1, 2))
    i = hm.implausibility({"x": certain}, {"x": 100.0}, {"x": 0.1}, u, 3.0)["x"]
    assert i == pytest.approx([6.0], rel=1e-9)
    i = hm.implausibility({"x": on_edge}, {"x": 100.0}, {"x": 0.1}, u, 3.0)["x"]
    assert i == pytest.approx([3.0], rel=1e-9)

    class Unsure:
        def predict(self, u):
            return np.full(len(u), math.log(121.0)), np.full(len(u), 0.1)

    i = hm.implausibility({"x": Unsure()}, {"x": 100.0}, {"x": 0.1}, u, 3.0)["x"]
    assert i == pytest.approx([0.19062 / math.sqrt(0.01 + (math.log(1.1) / 3) ** 2)], rel=1e-4)


def test_the_worst_target_decides():
    per = {"a": np.array([1.0, 4.0]), "b": np.array([3.5, 0.5])}
    assert hm.worst(per, ["a", "b"]).tolist() == [3.5, 4.0]
    assert hm.worst(per, ["a"]).tolist() == [1.0, 4.0]


def test_a_wave_spreads_over_the_pool_and_takes_all_of_a_small_one():
    pool = np.array([[0.0, 0.0], [0.01, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    picked = hm.spread(pool, 4, seed=3)
    assert len(picked) == 4
    # the two near-twins are never both taken while far points remain
    assert not ({0, 1} <= {int(np.flatnonzero((pool == p).all(1))[0]) for p in picked})
    assert len(hm.spread(pool, 9, seed=3)) == 5


def test_a_latin_hypercube_puts_one_point_in_each_slice():
    u = hm.latin(3, 10, seed=1)
    for j in range(3):
        assert sorted(np.floor(u[:, j] * 10).astype(int).tolist()) == list(range(10))


def test_the_emulator_recovers_a_smooth_figure_and_knows_what_it_does_not_know():
    rng = np.random.default_rng(0)
    u = hm.latin(2, 30, seed=0)
    y = np.exp(3.0 + 2.0 * u[:, 0] - u[:, 1] ** 2)
    e = em.fit(u, y, seed=0)
    test = rng.random((200, 2))
    mean, sd = e.predict(test)
    truth = 3.0 + 2.0 * test[:, 0] - test[:, 1] ** 2
    assert np.max(np.abs(mean - truth)) < 0.05
    assert np.mean(np.abs(mean - truth) <= 3 * sd + 1e-3) > 0.95


def test_the_emulator_learns_the_runs_noise_and_loo_is_honest():
    """Runs with 5% lognormal noise: the white-noise term stands for it, so predictions carry
    about that much spread and about 95% of left-out runs fall within two sd."""
    rng = np.random.default_rng(1)
    u = rng.random((60, 2))
    y = np.exp(5.0 + u[:, 0] + 0.05 * rng.standard_normal(60))
    e = em.fit(u, y, seed=1)
    _, sd = e.predict(np.full((1, 2), 0.5))
    assert 0.03 < sd[0] < 0.08
    z = em.leave_one_out(u, y, e)
    assert 0.85 <= np.mean(np.abs(z) <= 2) <= 1.0


def test_runs_at_a_larger_scale_weigh_more_and_are_predicted_less_noisy():
    """40 runs with 20% lognormal noise (weight 1) and 20 at ten times the scale (weight 10,
    noise 20% / sqrt(10)): the emulator learns the first noise, predicts a weight-10 run's
    spread of about 6%, and about 95% of left-out runs of either kind fall within two sd."""
    rng = np.random.default_rng(2)
    u = rng.random((60, 2))
    weight = np.r_[np.ones(40), np.full(20, 10.0)]
    y = np.exp(5.0 + u[:, 0] + 0.2 / np.sqrt(weight) * rng.standard_normal(60))
    e = em.fit(u, y, seed=2, weight=weight, at=10.0)
    mean, sd = e.predict(np.full((1, 2), 0.5))
    assert mean[0] == pytest.approx(5.5, abs=0.08)
    assert 0.04 < sd[0] < 0.12  # the run-to-run 6% at weight 10, and what the process adds
    noisy = em.fit(u, y, seed=2, weight=weight, at=1.0).predict(np.full((1, 2), 0.5))[1]
    assert 0.15 < noisy[0] < 0.3  # a weight-1 run varies by its 20%
    z = em.leave_one_out(u, y, e)
    assert min(np.mean(np.abs(z[:40]) <= 2), np.mean(np.abs(z[40:]) <= 2)) >= 0.85


def test_a_figure_that_never_moves_is_emulated_exactly():
    u = hm.latin(2, 5, seed=0)
    e = em.fit(u, np.full(5, 2056.0), seed=0)
    mean, sd = e.predict(np.array([[0.3, 0.9]]))
    assert mean[0] == pytest.approx(math.log(2056.0)) and sd[0] == 0.0
    assert em.leave_one_out(u, np.full(5, 2056.0), e).tolist() == [0.0] * 5
