"""The consultation desk docks with Erlang C and Little's law; shifts, patience and chatbots."""

import numpy as np
import pytest
import simpy
from scipy import stats

from agents.consultation import (
    Desk,
    DeskParams,
    arrivals,
    erlang_c_wait,
    mean_in_system,
    summary,
)


def test_erlang_c_by_hand():
    # M/M/1: Wq = rho / (mu - lambda); M/M/10 at lambda 9, mu 1: 0.669 (published tables)
    assert erlang_c_wait(0.5, 1.0, 1) == pytest.approx(1.0)
    assert erlang_c_wait(9.0, 1.0, 10) == pytest.approx(0.6687, abs=1e-4)


def run_mmc(seed: int, customers_per_unit: float = 9.0, horizon: float = 6_000.0):
    env = simpy.Environment()
    rng = np.random.default_rng(seed)
    desk = Desk(env, DeskParams(service_mean=1.0, patience_mean=None, shifts=((0.0, 10),)), rng=rng)
    env.process(arrivals(env, desk, customers_per_unit, rng=rng, until=horizon))
    env.run(until=horizon)
    return desk.log


def test_docking_mmc_mean_wait_is_erlang_c_at_95_percent():
    """M/M/10, lambda = 9, mu = 1, no abandonment: 12 replications of 6,000 time units with the
    first 500 dropped; the 95% confidence interval of the mean wait holds Erlang C's 0.669, and
    Little's law L = lambda W holds within 3% in every replication."""
    means = []
    for seed in range(12):
        log = run_mmc(seed)
        waits = log.waits(after=500.0)
        means.append(waits.mean())
        answered = np.asarray(log.outcome) == "answered"
        times = np.asarray(log.finished)[answered] - np.asarray(log.arrived)[answered]
        in_window = (np.asarray(log.arrived)[answered] >= 500) & (
            np.asarray(log.finished)[answered] <= 5_500
        )
        lam = in_window.sum() / 5_000.0
        assert mean_in_system(log, 500.0, 5_500.0) == pytest.approx(
            lam * times[in_window].mean(), rel=0.03
        )
    m, s = np.mean(means), np.std(means, ddof=1)
    half = stats.t.ppf(0.975, len(means) - 1) * s / np.sqrt(len(means))
    assert abs(m - erlang_c_wait(9.0, 1.0, 10)) <= half


def test_impatient_callers_hang_up_and_some_call_back():
    env = simpy.Environment()
    rng = np.random.default_rng(1)
    desk = Desk(
        env,
        DeskParams(
            service_mean=600,
            patience_mean=120,
            callback_share=1.0,
            callback_delay_mean=60,
            shifts=((0.0, 1),),
        ),
        rng=rng,
    )
    env.process(arrivals(env, desk, 1 / 60, rng=rng, until=4 * 3600))
    env.run(until=5 * 3600)
    s = summary(desk.log)
    assert s["abandoned"] > 0.3
    assert len(desk.log.outcome) > 4 * 60 * 1.2  # callbacks add attempts


def test_a_chatbot_deflects_its_share():
    env = simpy.Environment()
    rng = np.random.default_rng(2)
    desk = Desk(env, DeskParams(deflected=0.4), rng=rng)
    env.process(arrivals(env, desk, 0.01, rng=rng, until=200_000))
    env.run(until=200_000)
    out = np.asarray(desk.log.outcome)
    assert (out == "deflected").mean() == pytest.approx(0.4, abs=0.03)


def test_fewer_operators_on_the_night_shift_mean_longer_waits():
    env = simpy.Environment()
    rng = np.random.default_rng(3)
    plan = ((0.0, 1), (8 * 3600.0, 6))  # one operator from midnight, six from 8:00
    desk = Desk(env, DeskParams(service_mean=300, patience_mean=None, shifts=plan), rng=rng)
    env.process(arrivals(env, desk, 1 / 150, rng=rng, until=3 * 86_400))
    env.run(until=3 * 86_400 + 3600)
    a, w = np.asarray(desk.log.arrived), np.asarray(desk.log.answered)
    night = (a % 86_400) < 8 * 3600
    assert np.nanmean((w - a)[night]) > 5 * np.nanmean((w - a)[~night])
