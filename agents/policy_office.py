"""The department running one policy: turns each day's new matches into pushes and payments."""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from agents.treasury import Route, beneficiary_confirms, treasury_payment
from twin.eventlog import EventLog


@dataclass(frozen=True)
class Uptake:
    """How beneficiaries act: confirm a push, or apply unprompted (``apply`` delivery)."""

    confirm_probability: float
    confirm_delay_seconds: float
    apply_probability: float
    apply_delay_seconds: float


class PolicyOffice(mesa.Agent):
    """Delivers a policy to each newly matched entity once: auto pays at once, push waits for a
    confirmation, apply waits for the beneficiary to apply; then the treasury pays."""

    def __init__(
        self,
        model: mesa.Model,
        policy_id: str,
        delivery: str,
        *,
        account_valid: np.ndarray,
        truly_eligible: np.ndarray,
        route: Route,
        uptake: Uptake,
        rng: np.random.Generator,
        matches: EventLog,
        payments: EventLog,
        reviews: EventLog,
    ) -> None:
        super().__init__(model)
        self.policy_id, self.delivery = policy_id, delivery
        self.account_valid, self.truly_eligible = account_valid, truly_eligible
        self.route, self.uptake, self.stream = route, uptake, rng
        self.matches, self.payments, self.reviews = matches, payments, reviews
        self.served = np.zeros(len(account_valid), dtype=bool)
        self.queued = np.zeros(len(account_valid), dtype=bool)

    def deliver(
        self, eligible: np.ndarray, amount_yuan: np.ndarray, needs_review: np.ndarray
    ) -> int:
        """Act on today's decision: every definitely eligible entity not yet served is served
        once; entities the platform cannot decide on join the human review queue once."""
        env = self.model.clock.env
        for row in np.flatnonzero(needs_review & ~self.queued & ~self.served).tolist():
            self.reviews.append(
                policy_id=self.policy_id,
                entity=row,
                queued_at=env.now,
                truly_eligible=bool(self.truly_eligible[row]),
            )
        self.queued |= needs_review
        rows = np.flatnonzero(eligible & ~self.served & np.isfinite(amount_yuan))
        self.served[rows] = True
        for row in rows.tolist():
            fen = round(float(amount_yuan[row]) * 100)
            self.matches.append(
                policy_id=self.policy_id,
                entity=row,
                matched_at=env.now,
                delivery=self.delivery,
                amount_fen=fen,
                truly_eligible=bool(self.truly_eligible[row]),
            )
            if self.delivery == "auto":
                self._pay(row, fen, env.now)
            else:
                push = self.delivery == "push"
                p = self.uptake.confirm_probability if push else self.uptake.apply_probability
                d = self.uptake.confirm_delay_seconds if push else self.uptake.apply_delay_seconds
                env.process(
                    beneficiary_confirms(
                        env,
                        p,
                        d,
                        rng=self.stream,
                        confirmed=lambda row=row, fen=fen, at=env.now: self._pay(row, fen, at),
                    )
                )
        return len(rows)

    def _pay(self, row: int, fen: int, matched_at: float) -> None:
        env = self.model.clock.env
        started = env.now

        def settle(at: float, status: str) -> None:
            self.payments.append(
                policy_id=self.policy_id,
                entity=row,
                amount_fen=fen,
                matched_at=matched_at,
                started_at=started,
                settled_at=at,
                status=status,
                truly_eligible=bool(self.truly_eligible[row]),
            )

        env.process(
            treasury_payment(
                env, self.route, bool(self.account_valid[row]), rng=self.stream, settle=settle
            )
        )
