"""Why an entity does or does not qualify: each condition with its values and its article."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from matching import bitmaps
from matching.catalogue import Catalogue, MatchSet
from matching.engine import Matcher, amounts_of
from matching.fields import Registry
from matching.formulas import combine
from matching.nodes import Context
from matching.relations import relate
from matching.table import Table

PASS, FAIL, UNKNOWN = "pass", "fail", "unknown"
ELIGIBLE, NOT_ELIGIBLE, REVIEW = "eligible", "not eligible", "needs review"


@dataclass(frozen=True)
class ConditionCheck:
    """One condition for one entity: the rule, the entity's values, the outcome, the article."""

    condition: str
    values: dict[str, str]
    outcome: str  # pass, fail or unknown
    article: str


@dataclass(frozen=True)
class Explanation:
    """One policy's decision for one entity: the outcome and each condition checked."""

    policy_id: str
    row: int
    outcome: str  # eligible, not eligible or needs review
    amount: float | None
    checks: tuple[ConditionCheck, ...]

    @property
    def almost_eligible(self) -> bool:
        """Fails by exactly one condition, and every other condition passes."""
        outcomes = [c.outcome for c in self.checks]
        return outcomes.count(FAIL) == 1 and UNKNOWN not in outcomes

    def render(self) -> str:
        """The explanation as lines an officer reads."""
        amount = "" if self.amount is None else f", {self.amount:,.2f} yuan"
        lines = [f"{self.policy_id}: row {self.row} is {self.outcome}{amount}"]
        for c in self.checks:
            values = ", ".join(f"{k} = {v}" for k, v in c.values.items())
            art = f"  [{c.article}]" if c.article else ""
            lines.append(f"  {c.outcome:<7}  {c.condition}   ({values}){art}")
        return "\n".join(lines)


def explain(
    matcher: Matcher, registry: Registry, table: Table, row: int, policy_id: str, on: dt.date
) -> Explanation:
    """Each condition of one policy for one entity, with the values the library holds."""
    bound = matcher.by_id[policy_id].bind(on)
    one = relate(table, [bound.eligible, bound.amount], on).take(np.array([row]))
    ctx = Context(on)
    checks = []
    for text, article, node in bound.conditions:
        value, known = (np.broadcast_to(a, (1,))[0] for a in node.eval(one, ctx))
        outcome = UNKNOWN if not known else PASS if value else FAIL
        values = {f: _show(one, registry, f) for f in sorted(node.fields())}
        checks.append(ConditionCheck(text, values, outcome, article))
    outcomes = [c.outcome for c in checks]
    overall = NOT_ELIGIBLE if FAIL in outcomes else REVIEW if UNKNOWN in outcomes else ELIGIBLE
    amount = None
    if overall == ELIGIBLE:
        a = float(amounts_of(bound.amount, one, on)[0])
        amount = None if np.isnan(a) else a
    return Explanation(policy_id, row, overall, amount, tuple(checks))


def push_list(found: MatchSet, row: int) -> dict[str, str]:
    """Every policy of a match set and the entity's outcome: the push list is the eligible ones.

    Reads one bit per policy from the bitmaps, so it costs nothing per condition.
    """
    eligible = bitmaps.bit(found.eligible, row)
    review = bitmaps.bit(found.review, row)
    return {
        pid: ELIGIBLE if e else REVIEW if r else NOT_ELIGIBLE
        for pid, e, r in zip(found.policy_ids, eligible.tolist(), review.tolist(), strict=True)
    }


@dataclass(frozen=True)
class EntityExplanation:
    """One entity against every policy of a catalogue: outcome and the conditions that decided.

    ``failed[pid]`` and ``unknown[pid]`` list condition texts; ``almost`` holds the policies the
    entity misses by exactly one condition.
    """

    row: int
    outcome: dict[str, str]
    failed: dict[str, list[str]]
    unknown: dict[str, list[str]]

    @property
    def push_list(self) -> list[str]:
        """The policies the entity is definitely eligible for (what a push would offer)."""
        return [pid for pid, o in self.outcome.items() if o == ELIGIBLE]

    @property
    def almost(self) -> list[str]:
        """Policies the entity misses by a single condition, with that condition."""
        return [pid for pid, f in self.failed.items() if len(f) == 1 and not self.unknown[pid]]


def explain_entity(catalogue: Catalogue, found: MatchSet, row: int) -> EntityExplanation:
    """Explain one entity against all policies from the kept condition bitmaps (no evaluation)."""
    if found.leaves is None:
        raise ValueError("match with keep_leaves=True to explain entities")
    lt = bitmaps.bit(found.leaves.true, row)
    lf = bitmaps.bit(found.leaves.false, row)
    c = catalogue.conditions
    t = np.where(c.negate, lf[c.leaf], lt[c.leaf])
    f = np.where(c.negate, lt[c.leaf], lf[c.leaf])
    for i in np.flatnonzero(c.leaf < 0):  # conditions that are formulas of several leaves
        ct, cf = combine(c.formula[i], lt[:, None].astype(np.uint64), lf[:, None].astype(np.uint64))
        t[i], f[i] = bool(ct[0]), bool(cf[0])
    ids = catalogue.policy_ids
    failed: dict[str, list[str]] = {pid: [] for pid in ids}
    unknown: dict[str, list[str]] = {pid: [] for pid in ids}
    for i in np.flatnonzero(f).tolist():
        failed[ids[c.policy[i]]].append(c.text[i])
    for i in np.flatnonzero(~t & ~f).tolist():
        unknown[ids[c.policy[i]]].append(c.text[i])
    outcome = {
        pid: NOT_ELIGIBLE if failed[pid] else REVIEW if unknown[pid] else ELIGIBLE for pid in ids
    }
    return EntityExplanation(row, outcome, failed, unknown)


def _show(table: Table, registry: Registry, name: str) -> str:
    if not table.known_mask(name)[0]:
        return "unknown"
    return registry[name].label(table.columns[name][0])
