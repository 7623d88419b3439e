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
    every: Mapping[str, str],
) -> dict[str, Decision]:
    """The decisions after every package's rules, in file order (unchanged ones as given).
    ``every``: each decided policy's schedule (once, month, year) - a beneficiary already
    granted the current period is not paid it again."""
    out = dict(decisions)
    for package in packages:
        for rule in package.rules:
            members = package.members(rule)
            if isinstance(rule, Net) and rule.net not in out:
                continue  # nothing to net today
            if any(p in out for p in members):
                out.update(_apply(rule, members, out, on, grants, every))
    return out


def _apply(rule: PackageRule, members: list[str], decisions, on, grants, every) -> dict:
    """One rule over the rows any member decided today; grants count for every member, in
    force today or not."""
    present = [p for p in members if p in decisions]
    rows = np.unique(np.concatenate([decisions[p].eligible_rows for p in present]))
    eligible = np.stack([_member(decisions[p].eligible_rows, rows) for p in present], axis=1)
    amount = np.stack([_amounts(decisions[p], rows) for p in present], axis=1)
    if isinstance(rule, Exclusive | HighestOf):
        granted = np.stack([grants.granted(p, rows) for p in members], axis=1)
        keep = _one_each(eligible, amount, granted, [members.index(p) for p in present],
                         isinstance(rule, HighestOf))  # fmt: skip
        won = keep.any(axis=1)
        return {
            p: _take(decisions[p], rows, keep[:, j], rows[won & ~keep[:, j]])
            for j, p in enumerate(present)
        }
    spent = np.stack([_spent(grants, p, rows, every, on) for p in present], axis=1)
    new = amount.copy()
    if isinstance(rule, Cap):
        left = rule.cap - grants.total(members, rows, since(rule.over, on), on)
        for j in range(len(present)):
            live = eligible[:, j] & ~spent[:, j] & np.isfinite(amount[:, j])
            new[live, j] = np.minimum(amount[live, j], np.maximum(left[live], 0.0))
            left[live] -= new[live, j]
    else:  # Net: the first member, less what the others granted and decide today
        others = eligible[:, 1:] & ~spent[:, 1:] & np.isfinite(amount[:, 1:])
        today = np.where(others, amount[:, 1:], 0.0).sum(axis=1)
        deduct = grants.total(members[1:], rows, since(rule.over, on), on) + today
        live = eligible[:, 0] & ~spent[:, 0]
        new[live, 0] = np.maximum(amount[live, 0] - deduct[live], 0.0)
    changed = {}
    for j, p in enumerate(present):
        if not np.array_equal(new[:, j], amount[:, j], equal_nan=True):
            owed = eligible[:, j] & ~((new[:, j] == 0.0) & (amount[:, j] != 0.0))
            changed[p] = _take(decisions[p], rows, owed, np.zeros(0, np.int64), new[:, j])
    return changed


def _spent(grants: Grants, policy: str, rows, every: Mapping[str, str], on: dt.date):
    """Rows already granted the policy's current period (for a one-off: ever)."""
    first = period_start(every.get(policy, "once"), on)
    return grants.granted(policy, rows, since=first)


def period_start(every: str, on: dt.date) -> dt.date | None:
    """The first day of the period ``on`` falls in: of its month, its year, or None (once)."""
    if every == "month":
        return on.replace(day=1)
    return on.replace(month=1, day=1) if every == "year" else None


def _one_each(eligible, amount, granted, at: list[int], highest: bool) -> np.ndarray:
    """Per row, the one present member it keeps (``at``: their places among all members,
    whose grants are ``granted``): none if a member already granted it is not among them,
    else the one granted (the first listed), else the first eligible, or for ``highest`` the
    eligible one with the highest known amount."""
    n, m = eligible.shape
    if highest:
        score = np.where(eligible & np.isfinite(amount), amount, -np.inf)
        known = np.isfinite(score).any(axis=1)
        pick = np.where(known, score.argmax(axis=1), eligible.argmax(axis=1))
    else:
        pick = eligible.argmax(axis=1)
    had = granted.any(axis=1)
    first = granted.argmax(axis=1)  # among all members
    place = np.full(granted.shape[1], -1)
    place[at] = np.arange(len(at))
    pick = np.where(had, place[first], pick)
    keep = np.zeros((n, m), bool)
    ok = pick >= 0
    keep[np.flatnonzero(ok), pick[ok]] = True
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
    every = {p: matcher.by_id[p].spec.schedule.every for p in decisions}
    return apply_packages(packages, decisions, on, grants, every)
