"""Package rules one beneficiary at a time, in plain Python: the reference the array version
(``matching.cross_policy``) is tested against, written from docs/policy-language.md."""

from __future__ import annotations

import datetime as dt
import math

from matching.packages import Cap, Exclusive, HighestOf, Net, PackageSpec, since

Granted = list[tuple[str, int, dt.date, float]]  # (policy, row, day, yuan)


def apply_one_by_one(
    packages: list[PackageSpec],
    decided: dict[str, dict[int, float]],
    review: dict[str, set[int]],
    on: dt.date,
    granted: Granted,
    every: dict[str, str],
) -> tuple[dict[str, dict[int, float]], dict[str, set[int]]]:
    """Each policy's eligible rows with amounts, and review rows, after the packages' rules."""
    decided = {p: dict(rows) for p, rows in decided.items()}
    review = {p: set(rows) for p, rows in review.items()}
    for package in packages:
        for rule in package.rules:
            members = package.members(rule)
            if isinstance(rule, Net) and rule.net not in decided:
                continue
            present = [p for p in members if p in decided]
            if not present:
                continue
            rows = sorted({r for p in present for r in decided[p]})
            for row in rows:
                _one(rule, members, present, row, decided, review, on, granted, every)
    return decided, review


def _ever(granted: Granted, policy: str, row: int, since: dt.date | None = None) -> bool:
    return any(g[0] == policy and g[1] == row and (since is None or g[2] >= since) for g in granted)


def _sum(granted: Granted, policies: list[str], row: int, over: str, on: dt.date) -> float:
    first = since(over, on)
    return sum(
        y for p, r, day, y in granted
        if p in policies and r == row and (first is None or day >= first) and day <= on
    )  # fmt: skip


def _spent(granted: Granted, policy: str, row: int, every: dict[str, str], on: dt.date) -> bool:
    """Granted the current period already: this month, this year, or ever for a one-off."""
    kind = every.get(policy, "once")
    first = None
    if kind == "month":
        first = dt.date(on.year, on.month, 1)
    elif kind == "year":
        first = dt.date(on.year, 1, 1)
    return _ever(granted, policy, row, first)


def _one(rule, members, present, row, decided, review, on, granted, every) -> None:
    elig = [p for p in present if row in decided[p]]
    if isinstance(rule, Exclusive | HighestOf):
        had = [p for p in members if _ever(granted, p, row)]
        if had:
            winner = had[0]  # perhaps not decided today: then none of today's keeps it
        elif isinstance(rule, HighestOf) and any(math.isfinite(decided[p][row]) for p in elig):
            known = [p for p in elig if math.isfinite(decided[p][row])]
            winner = max(known, key=lambda p: (decided[p][row], -members.index(p)))
        else:
            winner = elig[0]
        for p in present:
            if p != winner:
                decided[p].pop(row, None)
                if winner in elig:
                    review[p].discard(row)
        return
    spent = {p for p in present if _spent(granted, p, row, every, on)}
    if isinstance(rule, Cap):
        left = rule.cap - _sum(granted, members, row, rule.over, on)
        for p in present:
            if p in elig and p not in spent and math.isfinite(decided[p][row]):
                paid = min(decided[p][row], max(left, 0.0))
                left -= paid
                _set(decided[p], row, paid)
        return
    net, *of = members
    if net not in elig or net in spent:
        return
    today = sum(
        decided[p][row] for p in of
        if p in elig and p not in spent and math.isfinite(decided[p][row])
    )  # fmt: skip
    deduct = _sum(granted, of, row, rule.over, on) + today
    _set(decided[net], row, max(decided[net][row] - deduct, 0.0))


def _set(rows: dict[int, float], row: int, amount: float) -> None:
    """A new amount; one a rule brought to 0 leaves the eligible rows."""
    if amount == 0.0 and rows[row] != 0.0:
        rows.pop(row)
    else:
        rows[row] = amount
