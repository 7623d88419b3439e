"""The department's reviewers: applications and undecidable matches wait, are read, decided.

A case waits for a reviewer (reviewers work office hours), is read - longer when it is drawn
for an in-depth audit - and decided on the evidence, which shows the truth: a truly eligible
case is approved (rarely returned by mistake), an honest ineligible one rejected (rarely approved
by mistake); a false claim is caught with some probability, higher under audit, and otherwise
slips through.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import numpy as np
import simpy
from pydantic import Field

from agents.shifts import office_hours, on_duty_now, staff_plan
from datafiles import Duration, Strict
from datafiles.types import Hours, Share
from twin.core.units import HOUR

APPROVED, REJECTED, RETURNED = "approved", "rejected", "returned"


class Approval(Strict):
    """The departments' reviewers and their risk control (scenario section ``approval``;
    docs/population.md): each policy has ``reviewers`` in the whole city (staffed in
    proportion to ``city.scale``, docs/capacity.md), on office hours; a case takes
    ``review_time`` on average (exponential), ``audit_factor`` times that when drawn for an
    in-depth audit; a review catches a false claim with chance ``catch`` (``catch_audited``
    under audit); a truly eligible case is returned for more evidence with chance
    ``honest_error``."""

    reviewers: Annotated[int, Field(ge=1)] = 400  # per policy, whole city: ~2.5 per township
    review_time: Duration = 1200.0
    office_hours: Hours = (9 * HOUR, 17 * HOUR)
    audit_share: Share = 0.1
    audit_factor: Annotated[float, Field(ge=1.0)] = 3.0
    catch: Share = 0.6
    catch_audited: Share = 0.95
    honest_error: Share = 0.02


class ReviewDesk:
    """The reviewers of one department, on office hours. ``on_demand``: their shifts are
    simulated only while cases are in hand (a catalogue of thousands of policies, most of
    whose desks are idle on most days), which changes no case's fate."""

    def __init__(
        self,
        env: simpy.Environment,
        params: Approval,
        *,
        staff: int,
        rng: np.random.Generator,
        observe: Callable[[float, int], None] | None = None,
        on_demand: bool = False,
    ) -> None:
        self.env, self.params, self.rng = env, params, rng
        self.reviewers = simpy.PriorityResource(env, capacity=staff)
        self.observe = observe  # (time, cases waiting) whenever a case arrives
        self.plan = office_hours(*params.office_hours, staff)
        self.cases = 0  # in hand: waiting or being read
        self.on_duty = not on_demand
        if self.on_duty:
            env.process(staff_plan(env, self.reviewers, self.plan))

    def review(
        self,
        truly_eligible: bool,
        decided: Callable[[float, str], None],
        *,
        false_claim: bool = False,
    ):
        """A case waits for a reviewer, is read (audited or not) and decided on its evidence:
        an honest case is decided right (but for rare slips), a false claim may slip through."""
        self.cases += 1
        if not self.on_duty:
            self._wake()
        return self._case(truly_eligible, decided, false_claim)

    def _wake(self) -> None:
        """Start the shifts where the clock stands (the desk was idle, every seat free)."""
        self.on_duty = True
        on_duty_now(self.env, self.reviewers, self.plan)
        self.env.process(
            staff_plan(
                self.env, self.reviewers, self.plan, after=self.env.now, keep_going=self._busy
            )
        )

    def _busy(self) -> bool:
        self.on_duty = self.cases > 0
        return self.on_duty

    def _case(self, truly_eligible: bool, decided: Callable[[float, str], None], false_claim):
        p, rng, env = self.params, self.rng, self.env
        audited = rng.random() < p.audit_share
        seconds = rng.exponential(p.review_time) * (p.audit_factor if audited else 1.0)
        catch = p.catch_audited if audited else p.catch
        slip = rng.random()
        with self.reviewers.request(priority=0) as seat:
            if self.observe is not None:
                self.observe(env.now, len(self.reviewers.queue))
            yield seat
            yield env.timeout(seconds)
        self.cases -= 1
        if truly_eligible:
            outcome = RETURNED if slip < p.honest_error else APPROVED
        elif false_claim:
            outcome = REJECTED if slip < catch else APPROVED
        else:
            outcome = APPROVED if slip < p.honest_error else REJECTED
        decided(env.now, outcome)
