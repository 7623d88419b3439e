"""Reviewers work office hours; risk control catches false claims at its rates."""

import numpy as np
import pytest
import simpy

from agents.approval import APPROVED, REJECTED, RETURNED, Approval, ReviewDesk


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
