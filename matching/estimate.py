"""The sandbox estimate (匡算): who a draft policy reaches and what it costs, before it exists.

A draft reuses a catalogue's kept condition bitmaps and evaluates only its new conditions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from matching import bitmaps
from matching.catalogue import Catalogue, MatchSet, leaf_bits
from matching.engine import amounts_of
from matching.fields import Registry
from matching.formulas import combine, formula_of
from matching.nodes import Context, Elapsed, FieldRef
from matching.policy import Policy
from matching.relations import relate
from matching.table import Table

AGE_BANDS = (0, 18, 35, 60, 80)
AGE_LABELS = ("0-17", "18-34", "35-59", "60-79", "80+")
OVERLAP_CHUNK = 256  # policies per chunk when intersecting bitmaps
OVERLAP_SAMPLE = 16  # rank overlaps on one word in 16, then count the leaders exactly


@dataclass(frozen=True)
class Group:
    """One row of a breakdown: a group's eligible, needs-review, budget and reach."""

    label: str
    eligible: float
    review: float
    budget: float

    @property
    def reach(self) -> float | None:
        """Share of the group's possible beneficiaries the rule reaches without review."""
        total = self.eligible + self.review
        return None if total == 0 else self.eligible / total


@dataclass(frozen=True)
class Estimate:
    """A draft policy over a library: counts and money are weighted (survey weights)."""

    policy_id: str
    on: dt.date
    eligible: float
    review: float
    budget: float  # yuan, over eligible entities with a known amount
    amount_unknown: float  # eligible entities whose amount cannot be computed
    breakdowns: dict[str, list[Group]]
    overlap: list[tuple[str, float]]  # (policy id, eligible under both), largest first
    gini: float | None  # of amounts among eligible entities
    new_conditions: int  # conditions the catalogue did not have

    def render(self) -> str:
        """The estimate as a text report for a department."""
        lines = [
            f"draft {self.policy_id} on {self.on}",
            f"  eligible        {self.eligible:>14,.0f}",
            f"  needs review    {self.review:>14,.0f}",
            f"  budget (yuan)   {self.budget:>14,.0f}",
            f"  amount unknown  {self.amount_unknown:>14,.0f}",
            f"  Gini of amounts {'-' if self.gini is None else f'{self.gini:14.3f}':>14}",
        ]
        for name, groups in self.breakdowns.items():
            lines.append(f"\n  by {name:<14} {'eligible':>12} {'review':>10} {'budget':>14} reach")
            for g in groups:
                reach = "-" if g.reach is None else f"{g.reach:.2f}"
                lines.append(
                    f"    {g.label:<15} {g.eligible:>12,.0f} {g.review:>10,.0f} "
                    f"{g.budget:>14,.0f} {reach}"
                )
        if self.overlap:
            lines.append("\n  overlap with existing policies (eligible under both)")
            lines += [f"    {pid:<40} {n:>12,.0f}" for pid, n in self.overlap]
        return "\n".join(lines)


def estimate(
    catalogue: Catalogue,
    found: MatchSet,
    draft: Policy,
    table: Table,
    registry: Registry,
    on: dt.date,
    *,
    weights: float | np.ndarray = 1.0,
    by: Sequence[str] = ("district",),
    top: int = 5,
) -> Estimate:
    """Estimate a draft on the table ``found`` was matched on (``keep_leaves=True``)."""
    if found.leaves is None:
        raise ValueError("match the library with keep_leaves=True to estimate drafts")
    bound = draft.bind(on)
    table = relate(table, [bound.eligible, bound.amount], on)
    index, leaves = dict(catalogue.index), list(catalogue.leaves)
    formula = formula_of(bound.eligible, index, leaves)
    old = len(catalogue.leaves)
    fresh = leaf_bits(leaves[old:], table, on) if len(leaves) > old else None
    t, f = combine(
        formula,
        _Stack(found.leaves.true, fresh and fresh.true, old),
        _Stack(found.leaves.false, fresh and fresh.false, old),
    )
    review = ~(t | f) & bitmaps.tail_mask(len(table), len(t))
    eligible_mask, review_mask = bitmaps.unpack(t, len(table)), bitmaps.unpack(review, len(table))
    rows = np.flatnonzero(eligible_mask)
    amount_table = Table(
        {k: table.columns[k][rows] for k in bound.amount.columns()},
        {k: table.known[k][rows] for k in bound.amount.columns() if k in table.known},
    )
    amount = amounts_of(bound.amount, amount_table, on, n=len(rows))
    w_all = np.broadcast_to(np.asarray(weights, dtype=np.float64), (len(table),))
    w = w_all[rows]
    known = ~np.isnan(amount)
    return Estimate(
        policy_id=draft.id,
        on=on,
        eligible=float(w.sum()),
        review=float(w_all[review_mask].sum()),
        budget=float((amount[known] * w[known]).sum()),
        amount_unknown=float(w[~known].sum()),
        breakdowns={
            g: _breakdown(
                g,
                table,
                registry,
                on,
                eligible_mask,
                review_mask,
                rows,
                np.where(known, amount, 0.0) * w,
                w_all,
            )
            for g in by
        },
        overlap=_overlap(found, t, top, float(w.sum()) / max(len(rows), 1)),
        gini=gini(amount[known], w[known]),
        new_conditions=len(leaves) - old,
    )


class _Stack:
    """Leaves 0..n-1 from the catalogue's kept bitmaps, n.. from the draft's new ones."""

    def __init__(self, kept: np.ndarray, fresh: np.ndarray | None, n: int) -> None:
        self.kept, self.fresh, self.n = kept, fresh, n

    def __getitem__(self, i: int) -> np.ndarray:
        return self.kept[i] if i < self.n else self.fresh[i - self.n]  # type: ignore[index]


def _breakdown(group, table, registry, on, eligible, review, rows, money, w_all) -> list[Group]:
    codes, labels = _group_codes(group, table, registry, on)
    n = len(labels)
    e = np.bincount(codes[eligible], weights=w_all[eligible], minlength=n)
    r = np.bincount(codes[review], weights=w_all[review], minlength=n)
    b = np.bincount(codes[rows], weights=money, minlength=n)
    return [Group(labels[i], float(e[i]), float(r[i]), float(b[i])) for i in range(n)]


def _group_codes(group: str, table: Table, registry: Registry, on) -> tuple[np.ndarray, tuple]:
    """Codes per row for a breakdown; unknown values form their own last group."""
    if group == "age_band":
        date_field = next(n for n, s in registry.fields.items() if s.type == "date")
        age, known = Elapsed("age", FieldRef(date_field, "date")).eval(table, Context(on))
        codes = np.searchsorted(np.asarray(AGE_BANDS), age, side="right") - 1
        labels = AGE_LABELS
    else:
        spec = registry[group]
        if spec.type != "code":
            raise ValueError(f"break down by a coded field or age_band, not '{group}'")
        codes, known, labels = table.columns[group], table.known_mask(group), spec.codes
    return np.where(known, codes, len(labels)).astype(np.int64), (*labels, "unknown")


def _overlap(found: MatchSet, draft: np.ndarray, top: int, mean_weight: float) -> list:
    """The policies sharing most eligible entities with the draft, with exact counts.

    All policies are ranked on every OVERLAP_SAMPLE-th word of the bitmaps; the best few
    times ``top`` are then counted exactly over every row.
    """
    if not found.policy_ids:
        return []
    sample = slice(None, None, OVERLAP_SAMPLE)
    rough = np.concatenate(
        [
            bitmaps.count(found.eligible[i : i + OVERLAP_CHUNK, sample] & draft[sample])
            for i in range(0, len(found.policy_ids), OVERLAP_CHUNK)
        ]
    )
    candidates = np.argsort(-rough, kind="stable")[: top * 4]
    exact = bitmaps.count(found.eligible[candidates] & draft)
    order = candidates[np.argsort(-exact, kind="stable")][:top]
    counts = dict(zip(candidates.tolist(), exact.tolist(), strict=True))
    return [(found.policy_ids[i], float(counts[i]) * mean_weight) for i in order if counts[i]]


def gini(values: np.ndarray, weights: np.ndarray | None = None) -> float | None:
    """Gini coefficient of non-negative values (0 = all equal), with optional weights."""
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0 or values.sum() == 0:
        return None
    w = np.ones_like(values) if weights is None else np.asarray(weights, dtype=np.float64)
    order = np.argsort(values, kind="stable")
    v, w = values[order], w[order]
    cum_w = np.cumsum(w)
    cum_vw = np.cumsum(v * w)
    # area under the Lorenz curve by trapezoids over population shares
    pop = cum_w / cum_w[-1]
    lorenz = cum_vw / cum_vw[-1]
    area = np.sum((pop - np.r_[0, pop[:-1]]) * (lorenz + np.r_[0, lorenz[:-1]]) / 2)
    return float(1 - 2 * area)
