"""Why a package's rules changed what one beneficiary gets: each rule that moved an amount,
with the amounts before and after, as lines an officer reads."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from matching.cross_policy import apply_packages
from matching.engine import Decision
from matching.grants import Grants
from matching.packages import Cap, Exclusive, HighestOf, PackageRule, PackageSpec

WHY = {
    Exclusive: "one of these per beneficiary: the one already granted, else the first listed",
    HighestOf: "not cumulative: the highest amount is paid",
    Cap: "what the package grants one beneficiary is capped",
}


@dataclass(frozen=True)
class PackageStep:
    """One rule of a package that changed a beneficiary's amounts (None: not paid)."""

    package: str
    article: str
    rule: str
    before: dict[str, float | None]
    after: dict[str, float | None]

    def render(self) -> str:
        """The step as an officer reads it."""
        art = f" [{self.article}]" if self.article else ""
        lines = [f"  package {self.package}{art}: {self.rule}"]
        for pid, was in self.before.items():
            now = self.after[pid]
            if was is None:
                lines.append(f"    {pid}: nothing to pay")
            elif _same(was, now):
                lines.append(f"    {pid}: {_yuan(was)}, kept")
            else:
                lines.append(f"    {pid}: {_yuan(was)} -> {_yuan(now)}")
        return "\n".join(lines)


def explain_packages(
    packages: Sequence[PackageSpec],
    decisions: Mapping[str, Decision],
    row: int,
    on: dt.date,
    grants: Grants,
    every: Mapping[str, str],
) -> list[PackageStep]:
    """The rules that changed what ``row`` gets, in the order they apply, by applying each
    rule alone to the decisions as the rules before it left them."""
    mine = {p: _only(d, row) for p, d in decisions.items()}
    steps = []
    for package in packages:
        for rule in package.rules:
            one = package.model_copy(update={"rules": [rule]})
            after = apply_packages([one], mine, on, grants, every)
            members = [p for p in package.members(rule) if p in mine]
            was = {p: _amount(mine[p]) for p in members}
            now = {p: _amount(after[p]) for p in members}
            if not all(_same(was[p], now[p]) for p in members):
                steps.append(PackageStep(package.package, package.source.article,
                                         _describe(rule), was, now))  # fmt: skip
            mine = after
    return steps


def _describe(rule: PackageRule) -> str:
    data = rule.model_dump(exclude_none=True)
    text = ", ".join(
        f"{k}: {', '.join(v) if isinstance(v, list) else f'{v:,.0f} yuan' if k == 'cap' else v}"
        for k, v in data.items()
    )
    why = WHY.get(type(rule), "its amount less what the others grant the same beneficiary")
    return f"{text} - {why}"


def _only(d: Decision, row: int) -> Decision:
    keep = d.eligible_rows == row
    return Decision(d.eligible_rows[keep], d.amount[keep], d.review_rows[d.review_rows == row])


def _amount(d: Decision) -> float | None:
    return float(d.amount[0]) if len(d.eligible_rows) else None


def _same(a: float | None, b: float | None) -> bool:
    return a == b or (_nan(a) and _nan(b))


def _nan(x: float | None) -> bool:
    return x is not None and math.isnan(x)


def _yuan(x: float | None) -> str:
    if x is None:
        return "not paid"
    return "amount unknown" if math.isnan(x) else f"{x:,.0f} yuan"
