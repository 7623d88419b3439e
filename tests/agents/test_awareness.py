"""Awareness docks with Bass's closed form; decisions respond to what they should."""

import numpy as np
import pytest

from agents.awareness import Awareness, bass_share, hear_of_it, read_push
from agents.behaviour import Behaviour
from agents.decisions import act_rate, decide_to_act, gather_evidence
from twin.core.units import HOUR


def test_docking_fully_mixed_word_of_mouth_follows_the_bass_curve():
    """N = 200,000, p = 0.003 and q = 0.25 per day, steps of 0.05 day, no pushes: at every
    checked day the simulated aware share is within four binomial standard errors of F(t),
    plus 0.005 for the time step (the discrete scheme lags the continuous one slightly).
    Power: the tolerance is under 0.01 of the share at every checked day, and word of mouth
    1.5% off q moves day 20's share by 0.014: such a model fails."""
    n, p, q, dt = 200_000, 0.003, 0.25, 0.05
    aw = Awareness(np.arange(n), np.zeros(n, int))
    rng = np.random.default_rng(11)
    checks = {}
    for k in range(int(40 / dt)):
        hear_of_it(aw, p, q, local=0.0, today=k * dt, days=dt, rng=rng)
        day = round((k + 1) * dt, 6)
        if day in (5.0, 10.0, 15.0, 20.0, 25.0, 30.0, 40.0):
            checks[day] = aw.share
    for day, share in checks.items():
        f = float(bass_share(day, p, q))
        assert abs(share - f) <= 4 * np.sqrt(f * (1 - f) / n) + 0.005, (day, share, f)


def test_local_word_of_mouth_spreads_faster_inside_groups_already_aware():
    n = 20_000
    group = np.arange(n) % 2
    aw = Awareness(np.arange(n), group)
    aw.aware[(group == 0) & (np.arange(n) < 4000)] = True  # a fifth of group 0 knows
    rng = np.random.default_rng(2)
    new = hear_of_it(aw, 0.0, 1.0, local=1.0, today=0.0, days=1.0, rng=rng)
    assert (group[new] == 0).all() and len(new) > 0


def test_a_push_reaches_those_who_read_it():
    aw = Awareness(np.arange(4), np.zeros(4, int))
    new = read_push(
        aw,
        np.array([True, True, False, True]),
        np.array([1.0, 0.0, 1.0, 1.0]),
        3.0,
        rng=np.random.default_rng(0),
    )
    assert new.tolist() == [0, 3] and aw.aware_since[0] == 3.0


def test_acting_is_likelier_with_benefit_literacy_trust_and_a_near_deadline():
    p = Behaviour()
    one = np.ones(1)
    base = act_rate(1000 * one, HOUR, 0.5 * one, 0.5 * one, 60.0, p)[0]
    assert act_rate(10_000 * one, HOUR, 0.5 * one, 0.5 * one, 60.0, p)[0] > base
    assert act_rate(1000 * one, HOUR, 0.9 * one, 0.5 * one, 60.0, p)[0] > base
    assert act_rate(1000 * one, HOUR, 0.5 * one, 0.1 * one, 60.0, p)[0] > base
    assert act_rate(1000 * one, 4 * HOUR, 0.5 * one, 0.5 * one, 60.0, p)[0] < base
    assert act_rate(1000 * one, HOUR, 0.5 * one, 0.5 * one, 1.0, p)[0] > 2 * base


def test_acting_probability_matches_the_rate():
    rate = np.full(100_000, 0.1)
    acted = decide_to_act(rate, 2.0, rng=np.random.default_rng(3))
    assert acted.mean() == pytest.approx(1 - np.exp(-0.2), abs=0.005)


def test_the_less_literate_take_longer_and_give_up_more():
    p = Behaviour()
    rng = np.random.default_rng(4)
    fast, fast_drop = gather_evidence(np.full(50_000, 1.0), p, rng=rng)
    slow, slow_drop = gather_evidence(np.full(50_000, 0.2), p, rng=rng)
    assert np.median(slow) > 3 * np.median(fast)
    assert slow_drop.mean() > fast_drop.mean()
