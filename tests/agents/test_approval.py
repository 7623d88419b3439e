"""Reviewers work office hours; risk control catches false claims at its rates."""

import numpy as np
import pytest
import simpy
from scipy import stats

from agents.approval import APPROVED, REJECTED, RETURNED, Approval, ReviewDesk
from agents.consultation import erlang_c_wait


def run_cases(
    params: Approval,
    cases: list[tuple[float, bool]],
    seed: int = 0,
    false_claims: bool = True,
    staff: int = 20,
) -> list:
    env = simpy.Environment()
    desk = ReviewDesk(env, params, staff=staff, rng=np.random.default_rng(seed))
    out = []

    def submit(at, truly):
        yield env.timeout(at)
        yield env.process(
            desk.review(
                truly,
                lambda t, o: out.append((at, t, o, truly)),
                false_claim=false_claims and not truly,
            )
        )

    for at, truly in cases:
        env.process(submit(at, truly))
    env.run(until=30 * 86_400)
    return out


def test_a_case_filed_at_night_waits_for_the_office_to_open():
    params = Approval(review_time=60.0, audit_share=0.0)
    [(_, decided, outcome, _)] = run_cases(params, [(2 * 3600.0, True)], staff=1)
    assert 9 * 3600 <= decided < 9 * 3600 + 3600 and outcome == APPROVED


def test_risk_control_catches_false_claims_at_its_rates():
    params = Approval(review_time=60.0, audit_share=0.0, catch=0.6, honest_error=0.05)
    cases = [(9 * 3600.0 + i, i % 2 == 0) for i in range(4000)]
    out = run_cases(params, cases)
    false = [o for *_, o, truly in out if not truly]
    honest = [o for *_, o, truly in out if truly]
    assert len(out) == 4000
    assert np.mean([o == REJECTED for o in false]) == pytest.approx(0.6, abs=0.03)
    assert np.mean([o == RETURNED for o in honest]) == pytest.approx(0.05, abs=0.015)


def test_honest_ineligible_cases_are_rejected_but_for_rare_slips():
    params = Approval(review_time=60.0, audit_share=0.0, honest_error=0.02)
    out = run_cases(params, [(9 * 3600.0 + i, False) for i in range(3000)], false_claims=False)
    assert np.mean([o == REJECTED for *_, o, _ in out]) == pytest.approx(0.98, abs=0.01)


def erlang_c(lam: float, service: float, c: int) -> float:
    """Erlang C's mean wait for arrivals at ``lam`` per second and ``service`` seconds each."""
    return erlang_c_wait(lam, 1.0 / service, c)


def desk_waits(params: Approval, lam: float, staff: int, days: int, seed: int) -> np.ndarray:
    """Waits of Poisson arrivals at a review desk, after a 5-day warm-up."""
    env, rng = simpy.Environment(), np.random.default_rng(seed)
    desk = ReviewDesk(env, params, staff=staff, rng=rng)
    waits = []

    def case():
        arrived = env.now
        with desk.reviewers.request(priority=0) as seat:
            yield seat
            if arrived > 5 * 86_400:
                waits.append(env.now - arrived)
            yield env.timeout(rng.exponential(params.review_time))

    def arrivals():
        while True:
            yield env.timeout(rng.exponential(1 / lam))
            env.process(case())

    env.process(arrivals())
    env.run(until=days * 86_400)
    return np.asarray(waits)


def test_docking_a_desk_open_around_the_clock_is_erlang_c():
    """Reviewers on duty all day but one second (office hours 00:00-23:59:59), no audits: the
    desk is an M/M/c queue. Over 8 independent runs of 200 days (3 reviewers, 20-minute
    reviews, 7 cases an hour: load 0.78), the mean wait is within the 99.9% t-interval of the
    runs around Erlang C's (18 min). Power: the interval is under 15% of the Erlang wait; one
    reviewer more cuts the wait to a fifth, a reviewer less makes the queue unstable."""
    lam, c = 7 / 3600, 3
    params = Approval(review_time=1200.0, office_hours=(0.0, 86_399.0), audit_share=0.0)
    means = [desk_waits(params, lam, c, 200, seed).mean() for seed in range(8)]
    expected = erlang_c(lam, params.review_time, c)
    half = stats.t.ppf(0.9995, 7) * np.std(means, ddof=1) / np.sqrt(8)
    assert half < 0.15 * expected
    assert abs(np.mean(means) - expected) <= half


def test_office_hours_cost_at_least_the_wait_for_the_office_to_open():
    """With office hours 09:00-17:00 no closed form applies (the backlog of the night is served
    in a morning rush); what does: every case filed while the office is shut waits for it to
    open, so the mean wait is at least (16/24) x (16 h / 2) = 5 h 20 min for arrivals spread
    over the day, and at least the around-the-clock M/M/c wait. At light load (30 reviewers,
    2 cases an hour) the wait is within 10% above that bound; busier (8 reviewers, 6 cases an
    hour) it exceeds both bounds."""
    closed = 16 * 3600.0
    bound = closed / 86_400 * closed / 2
    params = Approval(review_time=1200.0, audit_share=0.0)
    light = desk_waits(params, 2 / 3600, 30, 60, 1)
    assert bound <= light.mean() <= 1.10 * bound
    busy = desk_waits(params, 6 / 3600, 8, 60, 2)
    assert busy.mean() >= max(bound, erlang_c(6 / 3600, 1200.0, 8))


def test_a_desk_on_demand_decides_every_case_as_a_desk_always_on_duty():
    """Shifts simulated only while cases are in hand change no case's fate: cases filed at
    night, in office hours and days apart are decided at the same moments with the same
    outcomes as on a desk whose shifts run every day."""
    rng = np.random.default_rng(7)
    at = np.sort(rng.uniform(0, 20 * 86_400, 300))
    at = np.concatenate([at[:150], at[150:] + 40 * 86_400])  # a long idle gap between
    cases = [(float(t), bool(i % 3)) for i, t in enumerate(at)]

    def decided(on_demand: bool) -> list:
        env = simpy.Environment()
        params = Approval(review_time=1800.0)
        desk = ReviewDesk(env, params, staff=2, rng=np.random.default_rng(1), on_demand=on_demand)
        out = []

        def submit(t, truly):
            yield env.timeout(t)
            yield env.process(desk.review(truly, lambda d, o: out.append((t, d, o))))

        for t, truly in cases:
            env.process(submit(t, truly))
        env.run(until=70 * 86_400)
        return out

    always, lazy = decided(False), decided(True)
    assert len(always) == len(cases) and always == lazy
    hours = [(d % 86_400) / 3600 for _, d, _ in lazy]
    assert min(hours) >= 9 and max(hours) <= 17 + 3  # decided in office hours (an audit ends late)
