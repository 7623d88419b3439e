"""The townships' response: grid workers' queues, the duty team taking over, and docking of a
worker's queue against the Pollaczek-Khinchine formula."""

import numpy as np
import pytest
import simpy
from scipy import stats

from agents.grid_workers import Job, Roster, Times, build_roster, grid_worker


class FixedRng:
    """Every exponential is its mean; every lognormal its median."""

    def exponential(self, mean):
        return mean

    def lognormal(self, mu, sigma):
        return float(np.exp(mu))


TIMES = Times(acknowledge=60, travel=600, duty_travel=1500, handling=lambda kind: 1200)


def job(env, record, priority=2, community=0):
    return Job(record, "A", record, "gas", community, 0, priority, env.now, env.now, env.event())


def start(env, roster, j, worker, log, still_open=lambda j: True, rng=None):
    env.process(
        grid_worker(
            env,
            j,
            worker,
            roster,
            TIMES,
            take_over=lambda j: int(np.flatnonzero(roster.community < 0)[0]),
            still_open=still_open,
            started=lambda j: log.append(("started", j.record, env.now)),
            done=lambda j: log.append(("done", j.record, j.outcome, env.now)),
            rng=rng or FixedRng(),
        )
    )


def test_a_worker_acknowledges_travels_handles_in_turn():
    env, log = simpy.Environment(), []
    roster = build_roster(env, np.array([0]), [1], [1], (0.0, 86_400.0))
    a, b = job(env, 1), job(env, 2)
    start(env, roster, a, 0, log)
    start(env, roster, b, 0, log)
    env.run()
    assert (a.acknowledged_at, a.on_site_at, a.done_at) == (60, 660, 1860)
    assert b.started_at == 1860 and b.done_at == 1860 + 1860
    assert log == [
        ("started", 1, 60),
        ("done", 1, "handled", 1860),
        ("started", 2, 1920),
        ("done", 2, "handled", 3720),
    ]


def test_the_more_severe_event_goes_first_in_a_queue():
    env, log = simpy.Environment(), []
    roster = build_roster(env, np.array([0]), [1], [1], (0.0, 86_400.0))
    first, low, urgent = job(env, 1, 2), job(env, 2, 3), job(env, 3, 0)
    for j in (first, low, urgent):
        start(env, roster, j, 0, log)
    env.run()
    assert first.done_at < urgent.done_at < low.done_at


def test_the_duty_team_takes_over_when_the_sla_passes_and_travels_further():
    env, log = simpy.Environment(), []
    roster = build_roster(env, np.array([0]), [1], [1], (0.0, 86_400.0))
    busy, waiting = job(env, 1), job(env, 2)
    start(env, roster, busy, 0, log)
    start(env, roster, waiting, 0, log)

    def sla():
        yield env.timeout(900)
        waiting.reassign.succeed()

    env.process(sla())
    env.run()
    duty = int(np.flatnonzero(roster.community < 0)[0])
    assert waiting.reassigned and waiting.worker == duty
    assert waiting.started_at == 900 and waiting.on_site_at == 900 + 60 + 1500
    assert busy.worker == 0 and not busy.reassigned


def test_an_alert_that_cleared_before_anyone_came_is_closed_without_a_visit():
    env, log = simpy.Environment(), []
    roster = build_roster(env, np.array([0]), [1], [1], (0.0, 86_400.0))
    j = job(env, 1)
    start(env, roster, j, 0, log, still_open=lambda j: False)
    env.run()
    assert j.outcome == "closed before visit" and np.isnan(j.on_site_at)


def test_roster_has_day_workers_based_in_communities_and_a_duty_team_per_township():
    env = simpy.Environment()
    roster = build_roster(env, np.array([0, 0, 1]), [3, 1], [2, 1], (8 * 3600.0, 20 * 3600.0))
    assert isinstance(roster, Roster) and roster.size == 3 + 1 + 2 + 1
    # township 0's three day workers are based in its communities 0 and 1 in turn
    assert roster.community.tolist() == [0, 1, 0, 2, -1, -1, -1]
    assert roster.township.tolist() == [0, 0, 0, 1, 0, 0, 1]
    assert roster.day_shift(9 * 3600.0) and not roster.day_shift(21 * 3600.0)


def test_docking_one_workers_queue_is_m_g_1():
    """Poisson arrivals to one worker, service = Exp(ack) + Exp(travel) + lognormal handling:
    the mean wait for the worker matches Pollaczek-Khinchine, Wq = lam E[S^2] / (2 (1 - rho)),
    within the 95% confidence interval of 24 independent replications of 8,000 jobs. Power:
    one replication's mean wait varies by about 4% (measured), so the half-width is about 1.6%
    of Wq and a queue whose mean wait is 3% off fails with probability about 0.95."""
    ack, travel, median, sigma = 60.0, 600.0, 1200.0, 0.5
    mean_h = median * np.exp(sigma**2 / 2)
    var_h = median**2 * np.exp(sigma**2) * (np.exp(sigma**2) - 1)
    es = ack + travel + mean_h
    es2 = ack**2 + travel**2 + var_h + es**2
    lam = 0.5 / es
    expected = lam * es2 / (2 * (1 - lam * es))
    means = []
    for rep in range(24):
        rng = np.random.default_rng(rep)
        env = simpy.Environment()
        roster = build_roster(env, np.array([0]), [1], [1], (0.0, 86_400.0))
        jobs = []

        def arrivals(env=env, roster=roster, jobs=jobs, rng=rng):
            for i in range(8_000):
                yield env.timeout(rng.exponential(1 / lam))
                j = job(env, i)
                jobs.append(j)
                start(env, roster, j, 0, [], rng=rng)

        env.process(arrivals())
        env.run()
        waits = np.array([j.started_at - j.received_at for j in jobs[500:]])  # warm-up out
        means.append(waits.mean())
    means = np.asarray(means)
    half = stats.t.ppf(0.975, len(means) - 1) * means.std(ddof=1) / np.sqrt(len(means))
    assert half < 0.02 * expected  # the power stated above
    assert means.mean() == pytest.approx(expected, abs=half), (means.mean() / expected, half)
