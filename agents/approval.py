"""The department's reviewers: applications and undecidable matches wait, are read, decided.

A case waits for a reviewer (reviewers work office hours), is read - longer when it is drawn
for an in-depth audit - and decided on the evidence, which shows the truth: a truly eligible
case is approved (rarely returned by mistake), an honest ineligible one rejected (rarely approved
by mistake); a false claim is caught with some probability, higher under audit, and otherwise
slips through.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import simpy

from agents.shifts import office_hours, staff_plan

APPROVED, REJECTED, RETURNED = "approved", "rejected", "returned"


@dataclass(frozen=True)
class ReviewParams:
    """Review capacity and risk control (assumptions; every one a scenario lever)."""

    reviewers: int = 2
    review_minutes: float = 20.0  # mean, exponential
    opens: float = 9 * 3600.0  # office hours, seconds of the day
    closes: float = 17 * 3600.0
    audit_share: float = 0.1  # cases drawn for an in-depth audit
    audit_factor: float = 3.0  # an audit takes this many times longer
    catch: float = 0.6  # chance a review catches a false claim
    catch_audited: float = 0.95
    honest_error: float = 0.02  # chance a truly eligible case is returned for more evidence


class ReviewDesk:
    """The reviewers of one department, on office hours."""

    def __init__(
        self,
        env: simpy.Environment,
        params: ReviewParams,
        *,
        rng: np.random.Generator,
        observe: Callable[[float, int], None] | None = None,
    ) -> None:
        self.env, self.params, self.rng = env, params, rng
        self.reviewers = simpy.PriorityResource(env, capacity=params.reviewers)
        self.observe = observe  # (time, cases waiting) whenever a case arrives
        env.process(
            staff_plan(
                env, self.reviewers, office_hours(params.opens, params.closes, params.reviewers)
            )
        )

    def review(
        self,
        truly_eligible: bool,
        decided: Callable[[float, str], None],
        *,
        false_claim: bool = False,
    ):
        """A case waits for a reviewer, is read (audited or not) and decided on its evidence:
        an honest case is decided right (but for rare slips), a false claim may slip through."""
        p, rng, env = self.params, self.rng, self.env
        audited = rng.random() < p.audit_share
        minutes = rng.exponential(p.review_minutes) * (p.audit_factor if audited else 1.0)
        catch = p.catch_audited if audited else p.catch
        slip = rng.random()
        with self.reviewers.request(priority=0) as seat:
            if self.observe is not None:
                self.observe(env.now, len(self.reviewers.queue))
            yield seat
            yield env.timeout(minutes * 60.0)
        if truly_eligible:
            outcome = RETURNED if slip < p.honest_error else APPROVED
        elif false_claim:
            outcome = REJECTED if slip < catch else APPROVED
        else:
            outcome = APPROVED if slip < p.honest_error else REJECTED
        decided(env.now, outcome)
