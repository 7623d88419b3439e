"""Awareness docks with Bass's closed form; decisions respond to what they should."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from agents.awareness import Awareness, bass_share, hear_of_it, read_push, unaware_after
from agents.behaviour import Behaviour
from agents.decisions import act_rate, decide_to_act, gather_evidence
from twin.core.units import HOUR


@pytest.mark.parametrize(
    ("p", "q", "step"), [(0.003, 0.25, 1.0), (0.02, 0.48, 1.0), (0.1, 0.4, 0.25)]
)
def test_docking_fully_mixed_word_of_mouth_follows_the_bass_curve(p, q, step):
    """At the model's own daily step (and a quarter-day step), with p + q up to 0.5 per day and
    no pushes, the aware share averaged over 8 replications of 100,000 members is within the
    99.9% t-interval of those replications around Bass's F(t) at every checked day (the spread
    across replications, not the binomial error: early chance is amplified by word of mouth).
    Power: a hazard frozen at the step's start lags F by 0.08 to 0.15 of the audience at these
    parameters, and the intervals are under 0.02 wide."""
    n, reps, days = 100_000, 8, (2, 5, 10, 15, 20, 30, 40)
    shares = np.empty((reps, len(days)))
    for r in range(reps):
        aw = Awareness(np.arange(n), np.zeros(n, int))
        rng = np.random.default_rng([11, r])
        for k in range(round(max(days) / step)):
            hear_of_it(aw, p, q, local=0.0, today=k * step, days=step, rng=rng)
            t = round((k + 1) * step, 6)
            if t in days:
                shares[r, days.index(t)] = aw.share
    f = bass_share(np.array(days, float), p, q)
    half = stats.t.ppf(0.9995, reps - 1) * shares.std(axis=0, ddof=1) / np.sqrt(reps)
    assert (half < 0.02).all(), half
    assert (np.abs(shares.mean(axis=0) - f) <= half + 1e-4).all(), (shares.mean(axis=0), f)


def test_a_step_integrates_its_hazard_exactly():
    """Survival over one step of d equals the product of two half steps (the share carried by
    Bass's equation between them), and matches e^{-(p+q)d} when everyone else already knows."""
    p, q, s = 0.01, 0.4, np.array([0.0, 0.2, 0.7])
    whole = unaware_after(1.0, p, q, s)
    half = unaware_after(0.5, p, q, s)
    mid = 1 - (1 - s) * half  # the share at mid-step, carried by the closed form
    assert whole == pytest.approx(half * unaware_after(0.5, p, q, mid), rel=1e-12)
    assert unaware_after(1.0, p, q, 1.0) == pytest.approx(np.exp(-(p + q)))
    assert unaware_after(2.0, 0.0, 0.0, 0.3) == 1.0


def test_local_word_of_mouth_spreads_faster_inside_groups_already_aware():
    n = 20_000
    group = np.arange(n) % 2
    aw = Awareness(np.arange(n), group)
    aw.hear((group == 0) & (np.arange(n) < 4000), 0.0)  # a fifth of group 0 knows
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


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.lists(st.tuples(st.integers(0, 60), st.integers(0, 8)), max_size=10), max_size=6)
)
def test_newcomers_join_as_a_rebuilt_audience_would_hold_them(batches):
    """Adding members merges them into the sorted order and the group codes instead of
    re-sorting the audience: the same members, codes, order and positions as rebuilding."""
    aw = Awareness(np.array([5, 1, 9], np.int64), np.array([3, 3, 7]))
    members, groups = [5, 1, 9], [3, 3, 7]
    for batch in batches:
        rows = np.array([r for r, _ in batch], np.int64)
        group = np.array([g for _, g in batch], np.int64)
        aw.add(rows, group)
        fresh = ~np.isin(rows, members)
        members += rows[fresh].tolist()
        groups += group[fresh].tolist()
    assert aw.members.tolist() == members
    assert aw.group.tolist() == np.unique(groups, return_inverse=True)[1].tolist()
    assert aw._order.tolist() == np.argsort(np.array(members), kind="stable").tolist()
    assert aw._group_size.tolist() == np.bincount(aw.group).tolist()
    unique = np.unique(members)
    assert (aw.members[aw.position(unique)] == unique).all()


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(st.integers(0, 60), max_size=8),  # entities joining (repeats ignored)
            st.integers(0, 9),  # their group: a new one now and then re-ranks the groups
            st.lists(st.booleans(), min_size=70, max_size=70),  # who hears of it next
        ),
        max_size=8,
    )
)
def test_the_aware_counts_word_of_mouth_reads_follow_every_join_and_hearing(steps):
    """The aware share and the aware per group are kept as members join and hear, not
    recounted each day: they equal a recount after any sequence."""
    aw = Awareness(np.arange(5), np.array([3, 3, 1, 7, 1]))
    for joining, group, hears in steps:
        rows = np.array(joining, np.int64)
        aw.add(rows, np.full(len(rows), group))
        aw.hear(np.array(hears[: len(aw.members)]), 1.0)
        assert aw.aware_count == aw.aware.sum()
        assert aw.share == aw.aware.mean()
        assert np.array_equal(aw.aware_in_group, np.bincount(aw.group, weights=aw.aware))
    with pytest.raises(ValueError, match="read-only"):
        aw.aware[0] = True  # only hearing marks a member aware, so the counts stay right
