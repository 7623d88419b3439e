"""Package rules applied to one day's decisions, as arrays over the rows any member decides.

Each rule reads the decisions as the rules before it left them. A row an exclusive rule gives
to one member leaves the others' eligible and review rows; a row whose amount a cap or netting
brings to 0 is taken out (nothing is owed; an amount written as 0 stays). ``once``: the
policies that pay a beneficiary once - one already granted will not pay again, so its decision
neither competes for a cap nor consumes it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import numpy as np

from matching.engine import Decision, Matcher
from matching.grants import Grants
from matching.packages import Cap, Exclusive, HighestOf, Net, PackageRule, PackageSpec, since
from matching.table import Table


def apply_packages(
    packages: Sequence[PackageSpec],
    decisions: Mapping[str, Decision],
    on: dt.date,
    grants: Grants,
    once: set[str],
) -> dict[str, Decision]:
    """The decisions after every package's rules, in file order (unchanged ones as given)."""
    out = dict(decisions)
    for package in packages:
        for rule in package.rules:
            members = [p for p in package.members(rule) if p in out]
            if isinstance(rule, Net) and rule.net not in out:
                continue  # nothing to net today
            if len(members) >= (1 if isinstance(rule, Cap) else 2):
                out.update(_apply(rule, members, out, on, grants, once))
    return out


def _apply(rule: PackageRule, members: list[str], decisions, on, grants, once) -> dict:
    rows = np.unique(np.concatenate([decisions[p].eligible_rows for p in members]))
    eligible = np.stack([_member(decisions[p].eligible_rows, rows) for p in members], axis=1)
    amount = np.stack([_amounts(decisions[p], rows) for p in members], axis=1)
    granted = np.stack([grants.granted(p, rows) for p in members], axis=1)
    if isinstance(rule, Exclusive | HighestOf):
        keep = _one_each(eligible, amount, granted, isinstance(rule, HighestOf))
        won = keep.any(axis=1)
        return {
            p: _take(decisions[p], rows, keep[:, j], rows[won & ~keep[:, j]])
            for j, p in enumerate(members)
        }
    spent = once_granted = granted & np.array([p in once for p in members])
    if isinstance(rule, Cap):
        left = rule.cap - grants.total(members, rows, since(rule.over, on), on)
        new = amount.copy()
        for j in range(len(members)):
            live = eligible[:, j] & ~spent[:, j] & np.isfinite(amount[:, j])
            new[live, j] = np.minimum(amount[live, j], np.maximum(left[live], 0.0))
            left[live] -= new[live, j]
    else:  # Net: the first member, less what the others granted and decide today
        others = eligible[:, 1:] & ~once_granted[:, 1:] & np.isfinite(amount[:, 1:])
        today = np.where(others, amount[:, 1:], 0.0).sum(axis=1)
        deduct = grants.total(members[1:], rows, since(rule.over, on), on) + today
        new = amount.copy()
        live = eligible[:, 0] & ~once_granted[:, 0]
        new[live, 0] = np.maximum(amount[live, 0] - deduct[live], 0.0)
    changed = {}
    for j, p in enumerate(members):
        if not np.array_equal(new[:, j], amount[:, j], equal_nan=True):
            owed = eligible[:, j] & ~((new[:, j] == 0.0) & (amount[:, j] != 0.0))
            changed[p] = _take(decisions[p], rows, owed, np.zeros(0, np.int64), new[:, j])
    return changed


def _one_each(eligible, amount, granted, highest: bool) -> np.ndarray:
    """Per row, the one member it keeps: one already granted (the first listed), else the
    first eligible, or for ``highest`` the eligible one with the highest known amount."""
    n, m = eligible.shape
    if highest:
        score = np.where(eligible & np.isfinite(amount), amount, -np.inf)
        pick = np.where(
            np.isfinite(score).any(axis=1), score.argmax(axis=1), eligible.argmax(axis=1)
        )
    else:
        pick = eligible.argmax(axis=1)
    pick = np.where(granted.any(axis=1), granted.argmax(axis=1), pick)
    keep = np.zeros((n, m), bool)
    keep[np.arange(n), pick] = True
    return keep & eligible


def _take(d: Decision, rows, keep, drop_review, amount=None) -> Decision:
    """A decision with only the kept rows of ``rows`` eligible (others of its own untouched),
    new amounts where given, and ``drop_review`` out of its review rows."""
    mine = _member(d.eligible_rows, rows)
    lose = rows[mine & ~keep]
    stay = ~_member(lose, d.eligible_rows)
    eligible_rows, new_amount = d.eligible_rows[stay], d.amount[stay].copy()
    if amount is not None:
        at = np.searchsorted(rows, eligible_rows)
        new_amount = amount[at]
    review = d.review_rows[~_member(np.sort(drop_review), d.review_rows)]
    return Decision(eligible_rows, new_amount, review)


def _amounts(d: Decision, rows: np.ndarray) -> np.ndarray:
    """The decision's amount for each of ``rows`` (0 where not eligible)."""
    at = np.searchsorted(d.eligible_rows, rows)
    found = _member(d.eligible_rows, rows)
    out = np.zeros(len(rows))
    out[found] = d.amount[at[found]]
    return out


def _member(sorted_rows: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Whether each of ``rows`` is in ``sorted_rows``."""
    at = np.searchsorted(sorted_rows, rows)
    inside = at < len(sorted_rows)
    inside[inside] = sorted_rows[at[inside]] == rows[inside]
    return inside


def decide_with_packages(
    matcher: Matcher,
    packages: Sequence[PackageSpec],
    table: Table,
    target: str,
    on: dt.date,
    grants: Grants,
) -> dict[str, Decision]:
    """Every policy in force, decided (``Matcher.decide``) and then held to the packages'
    rules; copies of one template keep sharing one decision unless a rule changed theirs."""
    decisions = dict(matcher.decide(table, target, on))
    once = {p for p in decisions if matcher.by_id[p].spec.schedule.every == "once"}
    return apply_packages(packages, decisions, on, grants, once)
