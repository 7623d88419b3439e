"""The consultation desk docks with Erlang C, Erlang A and Little's law; shifts, patience and
chatbots."""

import numpy as np
import pytest
import simpy
from scipy import stats

from agents.consultation import (
    ConsultationDesk,
    Desk,
    Shift,
    arrivals,
    erlang_a,
    erlang_c_wait,
    mean_in_system,
    summary,
)


def test_erlang_c_by_hand():
    # M/M/1: Wq = rho / (mu - lambda); M/M/10 at lambda 9, mu 1: 0.669 (published tables)
    assert erlang_c_wait(0.5, 1.0, 1) == pytest.approx(1.0)
    assert erlang_c_wait(9.0, 1.0, 10) == pytest.approx(0.6687, abs=1e-4)


def run_desk(seed: int, rate: float, servers: int, horizon: float, patience=None):
    """One replication of the desk as a textbook queue: service Exp(1), one shift of
    ``servers`` operators, nobody calls back; the first 5% of the horizon is warm-up."""
    env = simpy.Environment()
    rng = np.random.default_rng(seed)
    params = ConsultationDesk(
        service_time=1.0,
        patience=patience,
        callback_share=0.0,
        shifts=[Shift(from_=0.0, operators=servers)],
    )
    desk = Desk(env, params, rng=rng)
    env.process(arrivals(env, desk, rate, rng=rng, until=horizon))
    env.run(until=horizon)
    return desk.log


def _interval(values, confidence: float) -> tuple[float, float]:
    values = np.asarray(values)
    half = stats.t.ppf((1 + confidence) / 2, len(values) - 1) * values.std(ddof=1)
    return float(values.mean()), float(half / np.sqrt(len(values)))


def test_docking_mmc_mean_wait_is_erlang_c_and_littles_law_holds():
    """M/M/2 at rho = 0.7 (lambda 1.4, mu 1): Erlang C gives Wq = 0.9608. 20 replications of
    30,000 time units (about 40,000 callers each): the 95% interval of the mean wait holds Wq.
    Power: one replication's mean wait varies by about 3.6% (measured), so the interval's
    half-width is about 1.6% of Wq (the standard error 0.8%) and a desk whose mean wait is 3%
    off fails this test with probability about 0.95 (5% off: above 0.999). Little's law
    L = lambda W holds within 2% in every replication."""
    target, horizon, warm = erlang_c_wait(1.4, 1.0, 2), 30_000.0, 1_500.0
    means = []
    for seed in range(20):
        log = run_desk(seed, 1.4, 2, horizon)
        means.append(log.waits(after=warm).mean())
        answered = np.asarray(log.outcome) == "answered"
        arrived, finished = np.asarray(log.arrived)[answered], np.asarray(log.finished)[answered]
        inside = (arrived >= warm) & (finished <= horizon - warm)
        lam = inside.sum() / (horizon - 2 * warm)
        w = (finished - arrived)[inside].mean()
        assert mean_in_system(log, warm, horizon - warm) == pytest.approx(lam * w, rel=0.02)
    mean, half = _interval(means, 0.95)
    assert half < 0.02 * target  # the power stated above
    assert abs(mean - target) <= half, (mean, target, half)


def test_docking_impatient_callers_follow_erlang_a():
    """M/M/2+M, the desk as scenarios use it: callers hang up after Exp patience of twice the
    mean service (the shipped desk: 600 s patience, 300 s service), lambda 1.8, mu 1, no call
    backs. Erlang A gives the share who hang up (0.1945) and the mean time in the queue of all
    callers (0.3891). 10 replications of 16,000 time units; each figure's 95% interval holds
    its closed form. Power: a replication varies by about 2% in either figure (measured), so
    the half-widths are 1.5-1.8% (standard errors 0.7-0.8%) and an error of 3% in the mean
    wait fails with probability about 0.93, in the share who hang up about 0.99."""
    closed = erlang_a(1.8, 1.0, 2, 0.5)
    horizon = 16_000.0
    waits, abandoned = [], []
    for seed in range(10):
        log = run_desk(100 + seed, 1.8, 2, horizon, patience=2.0)
        a, w, f = (np.asarray(x) for x in (log.arrived, log.answered, log.finished))
        keep = a >= 0.05 * horizon
        waits.append((np.where(np.isnan(w), f, w) - a)[keep].mean())
        abandoned.append((np.asarray(log.outcome)[keep] == "abandoned").mean())
    for values, target in ((waits, closed.mean_wait), (abandoned, closed.p_abandon)):
        mean, half = _interval(values, 0.95)
        assert half < 0.02 * target
        assert abs(mean - target) <= half, (mean, target, half)


def test_erlang_a_by_hand_and_at_its_limits():
    # M/M/1+M with theta = mu: the number in system is Poisson(lambda / mu)
    one = erlang_a(0.5, 1.0, 1, 1.0)
    assert one.p_wait == pytest.approx(1 - np.exp(-0.5))
    assert one.mean_queue == pytest.approx(0.5 - (1 - np.exp(-0.5)))
    assert one.p_abandon == pytest.approx(one.mean_queue / 0.5)
    # almost infinite patience: Erlang C
    assert erlang_a(9.0, 1.0, 10, 1e-7).mean_wait == pytest.approx(erlang_c_wait(9, 1, 10), 1e-4)
    # impatience keeps an overloaded desk finite
    assert erlang_a(30.0, 1.0, 10, 1.0).p_abandon == pytest.approx(2 / 3, abs=0.01)
    # long queues and large desks: no overflow (found in review)
    slow = erlang_a(3.0, 1.0, 2, 1e-4)  # overloaded; the queue is held by rare hang-ups
    assert slow.p_abandon == pytest.approx(1 / 3, abs=1e-3) and slow.p_wait > 0.999
    big = erlang_a(800.0, 1.0, 1000, 0.5)
    assert 0 < big.p_wait < 0.1 and np.isfinite(big.mean_wait)
    assert big.mean_wait == pytest.approx(erlang_c_wait(800.0, 1.0, 1000), rel=0.1)
    with pytest.raises(ValueError, match="patience"):
        erlang_a(3.0, 1.0, 2, 0.0)


def test_impatient_callers_hang_up_and_some_call_back():
    env = simpy.Environment()
    rng = np.random.default_rng(1)
    desk = Desk(
        env,
        ConsultationDesk(
            service_time=600,
            patience=120,
            callback_share=1.0,
            callback_delay=60,
            shifts=[Shift(from_=0.0, operators=1)],
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
    desk = Desk(env, ConsultationDesk(deflected=0.4), rng=rng)
    env.process(arrivals(env, desk, 0.01, rng=rng, until=200_000))
    env.run(until=200_000)
    out = np.asarray(desk.log.outcome)
    assert (out == "deflected").mean() == pytest.approx(0.4, abs=0.03)


def test_fewer_operators_on_the_night_shift_mean_longer_waits():
    env = simpy.Environment()
    rng = np.random.default_rng(3)
    plan = [Shift(from_=0.0, operators=1), Shift(from_=8 * 3600.0, operators=6)]  # six from 8:00
    desk = Desk(env, ConsultationDesk(service_time=300, patience=None, shifts=plan), rng=rng)
    env.process(arrivals(env, desk, 1 / 150, rng=rng, until=3 * 86_400))
    env.run(until=3 * 86_400 + 3600)
    a, w = np.asarray(desk.log.arrived), np.asarray(desk.log.answered)
    night = (a % 86_400) < 8 * 3600
    assert np.nanmean((w - a)[night]) > 5 * np.nanmean((w - a)[~night])
