"""Officer test coverage: which parts of a policy its test cases pin down
(docs/policy-language.md, "Test coverage").

A department reviewing a policy wants each condition shown to matter, on both sides, and each
threshold tested where the text puts it (``>= 3`` against ``> 3`` is the classic slip). So:

- **sides**: each condition of the eligibility - a comparison (``<``, ``>=``, ``in`` ...) or a
  yes/no field (``renting``, ``not owns_home``) - has two sides; a
  case *covers* a side when the comparison takes that value in it and *decides* the outcome -
  forcing the comparison to the other value would change whether the entity is eligible
  (unique-cause MC/DC, as avionics and rules engines test decision logic);
- **edges**: an ordering comparison with a number on one side (``insured_months >= 3``, an age
  against 80) needs a deciding case whose value sits exactly on that number;
- **tiers**: each threshold of a ``tiers()`` step needs an eligible case whose value sits on it
  and whose expected amount is written down;
- **review**: a case that expects ``eligible: review`` (a field unknown), since that is what
  the platform does with gaps in its data.

Coverage reads the cases as the check runs them (each on its own date, parameters bound);
nothing is evaluated that the engine does not evaluate anyway.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from matching.fields import Registry
from matching.nodes import Compare, Const, Context, FieldRef, Member, Node, Tiers
from matching.policy import Policy
from matching.policy_tests import case_table
from matching.relations import Related
from matching.table import Table

ORDERING = {operator.lt: "<", operator.le: "<=", operator.gt: ">", operator.ge: ">="}
Path = tuple[tuple[str, int | None], ...]  # field name, and index within a tuple field


@dataclass(frozen=True)
class CoverageItem:
    """One thing a policy's cases should pin down, and the cases that do."""

    kind: str  # side, edge, tier or review
    what: str  # as an officer reads it: "insured_months >= 3: false"
    covered_by: tuple[str, ...]  # the names of the cases that cover it

    @property
    def covered(self) -> bool:
        """Whether some case pins it down."""
        return bool(self.covered_by)


@dataclass(frozen=True)
class _Case:
    name: str
    table: Table
    ctx: Context
    eligible: Node
    amount: Node
    expected: object  # True, False or "review"
    amount_given: bool


def coverage(policy: Policy, registry: Registry) -> list[CoverageItem]:
    """Every side, edge, tier and the review outcome of ``policy``, with the cases covering
    each (a case whose input does not fit the registry is skipped: the check reports it)."""
    cases = list(_cases(policy, registry))
    bound = policy.bind(policy.spec.valid_from)
    items = [*_sides_and_edges(bound.eligible, cases), *_tiers(bound.amount, cases)]
    review = tuple(c.name for c in cases if c.expected == "review")
    return [*items, CoverageItem("review", "a case that needs review (a field unknown)", review)]


def _cases(policy: Policy, registry: Registry) -> Iterator[_Case]:
    for case in policy.spec.tests:
        on = case.date or policy.spec.valid_from
        try:
            table = case_table(case.input, registry, policy, on)
        except ValueError:
            continue
        bound = policy.bind(on)
        yield _Case(
            case.name, table, Context(on), bound.eligible, bound.amount,
            case.output.eligible, case.output.amount is not None,
        )  # fmt: skip


def _sides_and_edges(eligible: Node, cases: list[_Case]) -> Iterator[CoverageItem]:
    for path, node in _walk(eligible, (), (Compare, Member, FieldRef, Related)):
        if isinstance(node, FieldRef | Related) and node.kind != "bool":
            continue  # a number or code is a side of a comparison, not a condition
        text = node.name if isinstance(node, FieldRef) else node.text or type(node).__name__
        sides: dict[bool, list[str]] = {True: [], False: []}
        edge: list[str] = []
        threshold = _threshold(node)
        for case in cases:
            part = _at(case.eligible, path)  # as bound on the case's own date
            value, known = _one(part, case)
            if not known or not _decides(case, path, value):
                continue
            sides[value].append(case.name)
            mine = _threshold(part)
            if mine is not None and _on(mine[0], mine[1], case):
                edge.append(case.name)
        yield CoverageItem("side", f"{text}: true", tuple(sides[True]))
        yield CoverageItem("side", f"{text}: false", tuple(sides[False]))
        if threshold is not None:
            yield CoverageItem("edge", f"{text}: at {_number(threshold[1])}", tuple(edge))


def _tiers(amount: Node, cases: list[_Case]) -> Iterator[CoverageItem]:
    for path, node in _walk(amount, (), (Tiers,)):
        for i, t in enumerate(node.thresholds):
            on = [
                c.name
                for c in cases
                if c.expected is True and c.amount_given and _on_step(_at(c.amount, path), i, c)
            ]
            yield CoverageItem("tier", f"tiers step {i + 1}: at {_number(_step(t))}", tuple(on))


def _on_step(node: Tiers, i: int, case: _Case) -> bool:
    """Whether the case's value sits on step ``i`` (as bound on the case's own date)."""
    return _on(node.x, _step(node.thresholds[i]), case)


def _step(t: float | Node) -> float:
    return float(t.value) if isinstance(t, Const) else float(t)  # type: ignore[arg-type]


def _threshold(node: Node) -> tuple[Node, float] | None:
    """For an ordering comparison against a number: the other side and the number."""
    if not isinstance(node, Compare) or node.op not in ORDERING:
        return None
    if isinstance(node.right, Const) and not isinstance(node.left, Const):
        return node.left, float(node.right.value)
    if isinstance(node.left, Const) and not isinstance(node.right, Const):
        return node.right, float(node.left.value)
    return None


def _on(side: Node, number: float, case: _Case) -> bool:
    """Whether ``side`` (the same path in the case's own binding) equals ``number``."""
    value, known = _one(side, case)
    return bool(known) and bool(np.isclose(float(value), number, rtol=1e-12, atol=1e-9))


def _decides(case: _Case, path: Path, value: bool) -> bool:
    """Whether forcing the node at ``path`` to the other value changes the outcome."""
    flipped = _replace(case.eligible, path, Const(np.bool_(not value), "bool"))
    return _outcome(case.eligible, case) != _outcome(flipped, case)


def _outcome(node: Node, case: _Case) -> object:
    value, known = _one(node, case)
    return bool(value) if known else "review"


def _one(node: Node, case: _Case) -> tuple[object, bool]:
    value, known = node.eval(case.table, case.ctx)
    return np.broadcast_to(value, (1,))[0].item(), bool(np.broadcast_to(known, (1,))[0])


def _walk(node: Node, path: Path, kinds: tuple[type, ...]) -> Iterator[tuple[Path, Node]]:
    """Nodes of ``kinds`` under ``node``, with their paths (not looking inside a comparison:
    its sides are values, not conditions; nor inside a household value: it is computed once
    over the household, as one value)."""
    if isinstance(node, kinds):
        yield path, node
        if not isinstance(node, Tiers):
            return
    if isinstance(node, Related):
        return
    for f in dataclasses.fields(node):  # type: ignore[arg-type]
        v = getattr(node, f.name)
        if isinstance(v, Node):
            yield from _walk(v, (*path, (f.name, None)), kinds)
        elif isinstance(v, tuple):
            for i, x in enumerate(v):
                if isinstance(x, Node):
                    yield from _walk(x, (*path, (f.name, i)), kinds)


def _at(node: Node, path: Path) -> Node:
    for name, i in path:
        v = getattr(node, name)
        node = v if i is None else v[i]
    return node


def _replace(node: Node, path: Path, new: Node) -> Node:
    if not path:
        return new
    (name, i), rest = path[0], path[1:]
    v = getattr(node, name)
    if i is None:
        return dataclasses.replace(node, **{name: _replace(v, rest, new)})  # type: ignore[type-var]
    changed = (*v[:i], _replace(v[i], rest, new), *v[i + 1 :])
    return dataclasses.replace(node, **{name: changed})  # type: ignore[type-var]


def _number(v: float) -> str:
    return f"{int(v):,}" if float(v).is_integer() else f"{v:g}"
