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
    once: set[str],
) -> tuple[dict[str, dict[int, float]], dict[str, set[int]]]:
    """Each policy's eligible rows with amounts, and review rows, after the packages' rules."""
    decided = {p: dict(rows) for p, rows in decided.items()}
    review = {p: set(rows) for p, rows in review.items()}
    for package in packages:
        for rule in package.rules:
            members = [p for p in package.members(rule) if p in decided]
            if isinstance(rule, Net) and rule.net not in decided:
                continue
            if len(members) < (1 if isinstance(rule, Cap) else 2):
                continue
            rows = sorted({r for p in members for r in decided[p]})
            for row in rows:
                _one(rule, members, row, decided, review, on, granted, once)
    return decided, review


def _ever(granted: Granted, policy: str, row: int) -> bool:
    return any(g[0] == policy and g[1] == row for g in granted)


def _sum(granted: Granted, policies: list[str], row: int, over: str, on: dt.date) -> float:
    first = since(over, on)
    return sum(
        y for p, r, day, y in granted
        if p in policies and r == row and (first is None or day >= first) and day <= on
    )  # fmt: skip


def _one(rule, members, row, decided, review, on, granted, once) -> None:
    elig = [p for p in members if row in decided[p]]
    if isinstance(rule, Exclusive | HighestOf):
        had = [p for p in members if _ever(granted, p, row)]
        if had:
            winner = had[0]
        elif isinstance(rule, HighestOf) and any(math.isfinite(decided[p][row]) for p in elig):
            known = [p for p in elig if math.isfinite(decided[p][row])]
            winner = max(known, key=lambda p: (decided[p][row], -members.index(p)))
        else:
            winner = elig[0]
        for p in members:
            if p != winner:
                decided[p].pop(row, None)
                if winner in elig:
                    review[p].discard(row)
        return
    spent = {p for p in members if p in once and _ever(granted, p, row)}
    if isinstance(rule, Cap):
        left = rule.cap - _sum(granted, members, row, rule.over, on)
        for p in members:
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
