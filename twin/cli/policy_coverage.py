"""``twin policy check --coverage``: what each policy's test cases pin down, as an officer
reads it (matching.coverage; docs/policy-language.md, "Test coverage")."""

from __future__ import annotations

from collections.abc import Mapping

from matching import CoverageItem, Policy, Registry, coverage

HINTS = {
    "side": "a case that this condition alone decides, on this side",
    "edge": "a case sitting exactly on the number, which this condition alone decides",
    "tier": "an eligible case sitting exactly on the step, with its amount",
    "review": "a case leaving a field the conditions read unknown: eligible: review",
}


def coverage_lines(policies: list[Policy], registries: Mapping[str, Registry]) -> list[str]:
    """A summary line, then per policy its items: covered by which cases, or what to add."""
    found = {p.id: coverage(p, registries[p.target]) for p in policies}
    items = [i for its in found.values() for i in its]
    full = sum(all(i.covered for i in its) for its in found.values())
    out = [
        f"coverage: {full} of {len(policies)} policies fully covered; "
        f"{sum(i.covered for i in items):,} of {len(items):,} items"
    ]
    for policy in policies:
        its = found[policy.id]
        out += ["", f"{policy.id} ({policy.file}): {sum(i.covered for i in its)} of {len(its)}"]
        out += [_line(i) for i in its]
    return out


def _line(item: CoverageItem) -> str:
    if item.covered:
        return f"  covered  {item.what}  <- {'; '.join(item.covered_by)}"
    return f"  MISSING  {item.what}  (add {HINTS[item.kind]})"
