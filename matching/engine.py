"""Evaluate policies over a library: three-valued eligibility and amounts, vectorized."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from matching.policy import Policy
from matching.table import Table


@dataclass(frozen=True)
class PolicyMatch:
    """One policy over one library on one date.

    ``eligible``: definitely eligible; ``needs_review``: eligibility unknown for lack of data;
    ``amount``: yuan per row, computed for eligible rows (0 elsewhere, NaN if the amount is
    unknown).
    """

    policy_id: str
    eligible: np.ndarray
    needs_review: np.ndarray
    amount: np.ndarray

    @property
    def eligible_count(self) -> int:
        return int(self.eligible.sum())

    @property
    def review_count(self) -> int:
        return int(self.needs_review.sum())


class Matcher:
    """Policies compiled once; evaluated against a library table for any date."""

    def __init__(self, policies: Sequence[Policy]) -> None:
        ids = [p.id for p in policies]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"policy ids must be unique; repeated: {', '.join(dup)}")
        self.policies = tuple(policies)

    def in_force(self, target: str, on: dt.date) -> list[Policy]:
        return [p for p in self.policies if p.spec.target == target and p.in_force(on)]

    def evaluate(self, table: Table, target: str, on: dt.date) -> list[PolicyMatch]:
        """Every policy in force on ``on`` for this kind of entity, over every row of ``table``."""
        return [evaluate_policy(p, table) for p in self.in_force(target, on)]


def evaluate_policy(policy: Policy, table: Table) -> PolicyMatch:
    """Eligibility (value + known) for each row, and the amount where definitely eligible."""
    value, known = policy.eligible.evaluate(table)
    eligible = value & known
    amount = np.zeros(len(table), dtype=np.float64)
    if eligible.any():
        a, ka = policy.amount.evaluate(table)
        amount[eligible] = np.where(ka, np.maximum(a, 0.0), np.nan)[eligible]
    return PolicyMatch(policy.id, eligible, ~known, amount)
