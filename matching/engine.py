"""The matching engine's public face: compile policies once, evaluate them on any date.

>>> import datetime as dt
>>> import numpy as np
>>> from matching import Matcher, PolicySpec, Registry, Table, compile_policy
>>> registry = Registry.model_validate({"entity": "person", "fields": {
...     "age": {"type": "int", "unit": "years"}, "income": {"type": "float"}}})
>>> spec = PolicySpec.model_validate({"id": "old-age-allowance", "title": "Old-age allowance",
...     "department": "civil affairs", "target": "person", "source": {"document": "Notice 1"},
...     "valid_from": "2022-01-01", "eligible": "age >= 80", "amount": "200"})
>>> matcher = Matcher([compile_policy(spec, registry)])
>>> library = Table({"age": np.array([85, 79, 90]), "income": np.zeros(3)},
...                 {"age": np.array([True, True, False])})  # the third age is unknown
>>> (match,) = matcher.evaluate(library, "person", dt.date(2022, 6, 1))
>>> match.eligible.tolist(), match.needs_review.tolist(), match.amount.tolist()
([True, False, False], [False, False, True], [200.0, 0.0, 0.0])
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from matching import bitmaps
from matching.catalogue import Catalogue, MatchSet
from matching.nodes import Context, Node
from matching.policy import BoundPolicy, Policy
from matching.relations import Related, relate, related_nodes, with_related
from matching.table import Table


@dataclass(frozen=True)
class PolicyMatch:
    """One policy over one library on one date.

    ``eligible``: definitely eligible; ``needs_review``: eligibility unknown for lack of data;
    ``amount``: yuan per row, computed on eligible rows only (0 elsewhere, NaN where the amount
    itself is unknown).
    """

    policy_id: str
    eligible: np.ndarray
    needs_review: np.ndarray
    amount: np.ndarray

    @property
    def eligible_count(self) -> int:
        """How many rows are definitely eligible."""
        return int(self.eligible.sum())

    @property
    def review_count(self) -> int:
        """How many rows need review."""
        return int(self.needs_review.sum())


@dataclass(frozen=True)
class Decision:
    """One policy over one library on one date, as rows: ``eligible_rows`` (ascending) with
    ``amount`` in yuan for each (NaN where unknown), and ``review_rows`` (ascending), whose
    eligibility is unknown for lack of data."""

    eligible_rows: np.ndarray
    amount: np.ndarray
    review_rows: np.ndarray


KEPT_CATALOGUES = 16  # a run changes its policies in force as it goes: older sets never return


class Matcher:
    """Policies compiled once; catalogues built per (target, date) and reused."""

    def __init__(self, policies: Sequence[Policy]) -> None:
        _check_unique(policies)
        self.policies = tuple(policies)
        self.by_id = {p.id: p for p in self.policies}
        self._catalogues: OrderedDict[tuple, Catalogue] = OrderedDict()  # the latest few
        self._bound: dict[tuple, BoundPolicy] = {}  # (id, parameter values): bound once
        self._node_reads: dict[int, tuple] = {}  # id(node) -> (node, related, columns)

    def in_force(self, target: str, on: dt.date) -> list[Policy]:
        """The target's policies in force on a date (valid_from <= on <= valid_to)."""
        return [p for p in self.policies if p.target == target and p.in_force(on)]

    def catalogue(self, target: str, on: dt.date) -> Catalogue:
        """The catalogue of policies in force; reused while their parameters do not change."""
        bound = [self._bind(p, on) for p in self.in_force(target, on)]
        key = (target, tuple(id(b) for b in bound))  # bound policies live as long as the matcher
        if key not in self._catalogues:
            self._catalogues[key] = Catalogue(bound, on)
            while len(self._catalogues) > KEPT_CATALOGUES:
                self._catalogues.popitem(last=False)
        self._catalogues.move_to_end(key)
        cat = self._catalogues[key]
        cat.on = on
        return cat

    def _bind(self, policy: Policy, on: dt.date) -> BoundPolicy:
        """The policy bound to its parameters' values on a date: once per set of values."""
        key = (policy.id, tuple(policy.parameters_on(on).items()))
        if key not in self._bound:
            self._bound[key] = policy.bind(on)
        return self._bound[key]

    def match(self, table: Table, target: str, on: dt.date, **options) -> MatchSet:
        """Three-valued eligibility of every policy in force, as bitmaps (see Catalogue.match)."""
        return self.catalogue(target, on).match(table, **options)

    def amounts(self, policy_id: str, table: Table, rows: np.ndarray, on: dt.date) -> np.ndarray:
        """Amounts in yuan for the given rows (NaN where unknown, never below 0)."""
        node = self._bind(self.by_id[policy_id], on).amount
        related, columns = self._reads(node)
        table = with_related(table, related, on)
        return amounts_of(node, table.take(rows, columns), on, n=len(rows))

    def _reads(self, node: Node) -> tuple[tuple[Related, ...], frozenset[str]]:
        """The household values and the columns an expression reads, found once per node
        (bound nodes live as long as the matcher; the entry keeps its node alive)."""
        if id(node) not in self._node_reads:
            self._node_reads[id(node)] = (node, related_nodes([node]), node.columns())
        return self._node_reads[id(node)][1:]

    def stops(self, policy_id: str, table: Table, rows: np.ndarray, on: dt.date) -> np.ndarray:
        """Whether the policy's stop rule definitely holds for each of ``rows`` on ``on``
        (False for a policy without one, and where a field it reads is unknown)."""
        node = self._bind(self.by_id[policy_id], on).stop
        if node is None:
            return np.zeros(len(rows), bool)
        related, columns = self._reads(node)
        value, known = node.eval(with_related(table, related, on).take(rows, columns), Context(on))
        shape = (len(rows),)
        return np.broadcast_to(value, shape) & np.broadcast_to(known, shape)

    def evaluate(self, table: Table, target: str, on: dt.date) -> list[PolicyMatch]:
        """Every policy in force, as boolean arrays with amounts: what a platform acts on."""
        table = self.relate(table, target, on)
        found = self.match(table, target, on, keep_leaves=False)
        keys = {pid: self._amount_key(pid, on) for pid in found.policy_ids}
        shared = {k for k, n in Counter(keys.values()).items() if n > 1}
        whole: dict[tuple, np.ndarray] = {}  # an amount many policies share, for every row once
        out = []
        for i, pid in enumerate(found.policy_ids):
            eligible = bitmaps.unpack(found.eligible[i], found.n_rows)  # type: ignore[index]
            amount = np.zeros(len(table))
            rows = np.flatnonzero(eligible)
            if keys[pid] in shared:
                if keys[pid] not in whole:
                    node = self._bind(self.by_id[pid], on).amount
                    whole[keys[pid]] = amounts_of(node, table, on)
                amount[rows] = whole[keys[pid]][rows]
            else:
                amount[rows] = self.amounts(pid, table, rows, on)
            review = bitmaps.unpack(found.review[i], found.n_rows)  # type: ignore[index]
            out.append(PolicyMatch(pid, eligible, review, amount))
        return out

    def decide(self, table: Table, target: str, on: dt.date) -> Iterator[tuple[str, Decision]]:
        """Every policy in force, in catalogue order, as the rows it finds eligible with their
        amounts and the rows it cannot decide: what a platform acts on, in memory that follows
        the eligible, not the library. Policies whose conditions and amount are the same on
        ``on`` (copies of one template) are decided once and share one ``Decision``."""
        cat = self.catalogue(target, on)
        table = self.relate(table, target, on)
        found = cat.match(table, keep_leaves=False)
        decided: dict[tuple, Decision] = {}
        for i, pid in enumerate(found.policy_ids):
            key = (cat.formulas[i], self._amount_key(pid, on))
            if key not in decided:
                eligible = bitmaps.unpack(found.eligible[i], found.n_rows)  # type: ignore[index]
                rows = np.flatnonzero(eligible)
                review = bitmaps.unpack(found.review[i], found.n_rows)  # type: ignore[index]
                amount = self.amounts(pid, table, rows, on)
                decided[key] = Decision(rows, amount, np.flatnonzero(review))
            yield pid, decided[key]

    def relate(self, table: Table, target: str, on: dt.date) -> Table:
        """The library with the household values the target's policies in force read, computed
        over all its rows: decide a part of it (rows taken) only after this."""
        return with_related(table, self.catalogue(target, on).related, on)

    def _amount_key(self, policy_id: str, on: dt.date) -> tuple:
        """Policies with equal keys owe every row the same amount on ``on``: the same amount
        expression under the same parameter values (copies of one template)."""
        p = self.by_id[policy_id]
        return p.target, p.spec.amount, tuple(p.parameters_on(on).items())


MAX_AMOUNT_YUAN = 1e9  # one payment to one entity: beyond it an amount is a fault, not money


def amounts_of(node: Node, table: Table, on: dt.date, n: int | None = None) -> np.ndarray:
    """Amounts in yuan for every row (``n`` rows when the table holds no columns): below 0
    reads as nothing owed; unknown, not finite or above ``MAX_AMOUNT_YUAN`` as unknown (NaN),
    which the platform cannot pay without a reviewer."""
    value = raw_amounts(node, table, on, n)
    with np.errstate(invalid="ignore"):
        payable = np.isfinite(value) & (value <= MAX_AMOUNT_YUAN)
    return np.where(payable, np.maximum(value, 0.0), np.nan)


def raw_amounts(node: Node, table: Table, on: dt.date, n: int | None = None) -> np.ndarray:
    """The amount expression's values as computed (NaN where a field is unknown)."""
    n = len(table) if n is None else n
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        value, known = node.eval(table, Context(on))
        value = np.broadcast_to(np.asarray(value, dtype=np.float64), (n,))
    known = np.broadcast_to(known, (n,))
    return np.where(known, value, np.nan)


def evaluate_policy(policy: Policy, table: Table, on: dt.date | None = None) -> PolicyMatch:
    """One policy evaluated on its own, without bitmaps: the per-policy numpy way.

    Kept as the baseline of the benchmark and as a second implementation for tests.
    """
    on = on or policy.spec.valid_from
    bound = policy.bind(on)
    table = relate(table, [bound.eligible, bound.amount], on)
    value, known = bound.eligible.eval(table, Context(on))
    n = len(table)
    value, known = np.broadcast_to(value, (n,)), np.broadcast_to(known, (n,))
    eligible = value & known
    amount = np.zeros(n)
    rows = np.flatnonzero(eligible)
    amount[rows] = amounts_of(bound.amount, table.take(rows), on)
    return PolicyMatch(policy.id, eligible, ~known, amount)


def _check_unique(policies: Sequence[Policy]) -> None:
    ids = [p.id for p in policies]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise ValueError(f"policy ids must be unique; repeated: {', '.join(dup)}")
