"""Who is truly owed what: each policy's rules read from its text and applied to the true
population, by an interpreter that shares no evaluation code with the matching engine.

The engine compiles a policy into typed nodes and bitmaps; this walks Python's parse tree of
the same text with its own vectorised three-valued logic, written from docs/policy-language.md.
So a fault in the engine's evaluation (an operator, a date helper, Kleene logic) shows as
exclusion or inclusion error instead of scoring itself as right; the differential tests hold
the two, and the per-entity reference interpreter, equal on random policies and libraries.

Semantics: a value is a pair (values, known); ``False and unknown`` is False, ``True or
unknown`` True, anything else with an unknown is unknown; a non-finite arithmetic result
(``x / 0``) is undefined - known, and false in every comparison (an amount of it is unknown);
``tiers`` is unknown below its first threshold; a parameter takes its latest value on or
before the evaluation date (and never one before ``valid_from``).
"""

from __future__ import annotations

import ast
import datetime as dt
import functools
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from matching import PolicySpec, Registry
from twin.world.truth_households import Register

EPOCH = np.datetime64("1970-01-01", "D")


@dataclass(frozen=True)
class Entitlement:
    """One policy over a population: definitely eligible, and the amount owed in yuan (0 where
    not eligible, NaN where the amount is unknown)."""

    eligible: np.ndarray
    amount: np.ndarray


def entitlement(
    spec: PolicySpec,
    registry: Registry,
    columns: Mapping[str, np.ndarray],
    on: dt.date,
    known: Mapping[str, np.ndarray] | None = None,
    *,
    memo: Memo | None = None,
) -> Entitlement:
    """The policy as written, on the population's ``columns`` (codes as indices, dates as
    days since 1970), on date ``on``; ``known`` marks known values (all, when left out).
    ``memo`` shares the value of a text between policies evaluated on the same columns and
    date (a district's copy of a template repeats the template's conditions)."""
    n = len(next(iter(columns.values())))
    params = _parameters(spec, on)
    env = _Env(registry, columns, known or {}, params, on, n)
    pkey = tuple((k, repr(v)) for k, v in sorted(params.items()))

    def value_of(text: str) -> _Val:
        if memo is None:
            return env.visit(_parse(text))
        return memo.get((spec.target, on, text, pkey), lambda: env.visit(_parse(text)))

    texts = [spec.eligible] if isinstance(spec.eligible, str) else [c.when for c in spec.eligible]
    if spec.pay_to == "household_head":  # once per household: the head alone is owed
        texts = [*texts, 'relation == "head"']
    conditions = [value_of(t) for t in texts]
    eligible = np.array(_full(_all(conditions).true, n), dtype=bool)  # writable: truth grows
    value = value_of(spec.amount)
    with np.errstate(invalid="ignore"):
        amount = _full(value.v, n).astype(float)
        payable = _full(value.known, n) & np.isfinite(amount) & (amount <= MOST_OWED)
    owed = np.where(payable, np.maximum(amount, 0), np.nan)
    return Entitlement(eligible, np.where(eligible, owed, 0.0))


class Memo:
    """The latest few values of texts (conditions, amounts), each under its target, date and
    parameter values: bounded, so that a city of millions holds a few arrays, not one per
    policy; callers evaluate policies sharing a text one after another."""

    def __init__(self, size: int = 8) -> None:
        self.size, self._kept = size, OrderedDict()

    def get(self, key: tuple, compute):
        if key in self._kept:
            self._kept.move_to_end(key)
            return self._kept[key]
        value = self._kept[key] = compute()
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)
        return value


# the policy language's ceiling on one amount (docs/policy-language.md): an amount beyond it,
# or not finite, is owed but unknown - as a department would have to work it out by hand
MOST_OWED = 1e9


ELAPSED = ("age", "years_since", "months_since", "days_since")  # functions of the day


def moves_with_the_date(spec: PolicySpec) -> bool:
    """Whether the policy's answer can change from one day to the next with no change in the
    population: an elapsed-time function (an age, months since arrival), ``today``, or a
    parameter whose value changes on a date."""
    nodes = [node for text in parsed_texts(spec) for node in ast.walk(text)]
    elapsed = any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in ELAPSED
        for n in nodes
    )
    today = any(isinstance(n, ast.Name) and n.id == "today" for n in nodes)
    return elapsed or today or any(len(p.values) > 1 for p in spec.parameters.values())


def parsed_texts(spec: PolicySpec) -> list[ast.expr]:
    """The policy's conditions and amount, parsed."""
    texts = [spec.eligible] if isinstance(spec.eligible, str) else [c.when for c in spec.eligible]
    return [_parse(text) for text in (*texts, spec.amount)]


def elapsed_moved(unit: str, days: np.ndarray, on: dt.date) -> np.ndarray:
    """Where the whole ``unit``s (``ELAPSED``) from each date to ``on`` differ from those to
    the day before: an anniversary on ``on`` (every date, for ``days_since``)."""
    if days.size == 0:
        return np.zeros(0, bool)
    first, last = _span(days)
    today = int((np.datetime64(on, "D") - EPOCH).astype(np.int64))
    now, before = (_elapsed_table(unit, first, last, day) for day in (today, today - 1))
    return (now != before)[days.astype(np.int64) - first]


def rules_key(spec: PolicySpec, on: dt.date) -> tuple:
    """What a policy's entitlement on ``on`` depends on besides the population: its target,
    its conditions and amount as written, and its parameters' values that day. Policies with
    equal keys (copies of one template run alike) are owed the same on the same day."""
    texts = (
        (spec.eligible,) if isinstance(spec.eligible, str) else tuple(c.when for c in spec.eligible)
    )
    values = tuple((k, repr(v)) for k, v in sorted(_parameters(spec, on).items()))
    return spec.target, texts, spec.amount, values, spec.pay_to


def _parameters(spec: PolicySpec, on: dt.date) -> dict[str, float]:
    when = max(on, spec.valid_from)
    out = {}
    for name, p in spec.parameters.items():
        dates = sorted(d for d in p.values if d <= when)
        out[name] = p.values[dates[-1]]
    return out


@functools.lru_cache(maxsize=4096)  # a catalogue's copies share their templates' texts
def _parse(text: str) -> ast.expr:
    return ast.parse(" ".join(text.split()), mode="eval").body


def _full(x, n: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(x), (n,))


@dataclass(frozen=True)
class _Val:
    """Values with a known mask; ``kind`` number, bool, code, date or label; ``field``: the
    coded field a code value comes from (to read labels against)."""

    v: object
    known: object
    kind: str
    field: str = ""

    @property
    def true(self):
        if self.known is True:  # the truth table knows every value: no mask to apply
            return np.asarray(self.v, dtype=bool)
        return np.logical_and(self.v, self.known)

    @property
    def false(self):
        if self.known is True:
            return np.logical_not(self.v)
        return np.logical_and(np.logical_not(self.v), self.known)


def _all(parts: list[_Val]) -> _Val:
    true, false = parts[0].true, parts[0].false
    for p in parts[1:]:
        true, false = true & p.true, false | p.false
    return _Val(true, true | false, "bool")


def _any(parts: list[_Val]) -> _Val:
    true, false = parts[0].true, parts[0].false
    for p in parts[1:]:
        true, false = true | p.true, false & p.false
    return _Val(true, true | false, "bool")


class _Env:
    def __init__(self, registry, columns, known, params, on, n) -> None:
        self.registry, self.columns, self.known = registry, columns, known
        self.params, self.n = params, n
        self.today = np.datetime64(on, "D")
        self._registers: dict[str, Register] = {}

    def visit(self, node: ast.AST) -> _Val:
        return getattr(self, type(node).__name__)(node)

    def Name(self, node: ast.Name) -> _Val:
        if node.id in ("True", "False"):
            return _Val(node.id == "True", True, "bool")
        if node.id == "today":  # the evaluation date, as days since 1970
            return _Val(int((self.today - EPOCH).astype(np.int64)), True, "date")
        if node.id in self.params:
            return _Val(self.params[node.id], True, "number")
        spec = self.registry.fields[node.id]
        kind = {"bool": "bool", "code": "code", "date": "date"}.get(spec.type, "number")
        known = self.known.get(node.id, True)
        return _Val(np.asarray(self.columns[node.id]), known, kind, node.id)

    def Constant(self, node: ast.Constant) -> _Val:
        if isinstance(node.value, str):
            return _Val(node.value, True, "label")
        return _Val(node.value, True, "bool" if isinstance(node.value, bool) else "number")

    def BoolOp(self, node: ast.BoolOp) -> _Val:
        parts = [self.visit(v) for v in node.values]
        return _all(parts) if isinstance(node.op, ast.And) else _any(parts)

    def UnaryOp(self, node: ast.UnaryOp) -> _Val:
        a = self.visit(node.operand)
        if isinstance(node.op, ast.Not):
            return _Val(np.logical_not(a.v), a.known, "bool")
        return _Val(-np.asarray(a.v, dtype=float), a.known, "number")

    def BinOp(self, node: ast.BinOp) -> _Val:
        a, b = self.visit(node.left), self.visit(node.right)
        x, y = np.asarray(a.v, dtype=float), np.asarray(b.v, dtype=float)
        with np.errstate(all="ignore"):
            value = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply}.get(
                type(node.op), np.true_divide
            )(x, y)
        return _Val(np.where(np.isfinite(value), value, np.nan), a.known & b.known, "number")

    def IfExp(self, node: ast.IfExp) -> _Val:
        test, a, b = self.visit(node.test), self.visit(node.body), self.visit(node.orelse)
        pick = np.asarray(test.v, dtype=bool)
        known = test.known & np.where(pick, a.known, b.known)
        return _Val(np.where(pick, a.v, b.v), known, "number")

    def Attribute(self, node: ast.Attribute) -> _Val:
        """``household.size``, ``group.size``, or ``spouse.FIELD``."""
        owner = node.value.id  # type: ignore[attr-defined]
        if owner != "spouse":
            value, known = self._register(owner).size()
            return _Val(value, known, "number")
        mine = self.Name(ast.Name(node.attr))
        relation = self.Name(ast.Name("relation"))
        codes = self.registry.fields["relation"].codes
        value, known = self._register("household").spouse(
            np.asarray(mine.v), mine.known, np.asarray(relation.v), relation.known,
            (codes.index("head"), codes.index("spouse")),
        )  # fmt: skip
        return _Val(value, known, mine.kind, mine.field)

    def _register(self, owner: str) -> Register:
        """The rows by household (or enterprise group), built once per evaluation."""
        if owner not in self._registers:
            ids = np.asarray(self.columns[owner])
            self._registers[owner] = Register(ids, self.known.get(owner, True))
        return self._registers[owner]

    def _members(self, node: ast.Call) -> _Val:
        """``household.sum(x)`` and the other values over a household's members."""
        x = self.visit(node.args[0])
        how, owner = node.func.attr, node.func.value.id  # type: ignore[attr-defined]
        value, known = self._register(owner).over(how, _full(x.v, self.n), x.known)
        return _Val(value, known, "bool" if how in ("any", "all") else "number")

    def Call(self, node: ast.Call) -> _Val:
        if isinstance(node.func, ast.Attribute):
            return self._members(node)
        name = node.func.id  # type: ignore[attr-defined]
        if name == "tiers":
            return self._tiers(node)
        if name == "last_year":  # a column of its own: the field at the end of last year
            field = node.args[0].id  # type: ignore[attr-defined]
            column = f"{field}@last_year"
            kind = self.visit(node.args[0]).kind
            return _Val(np.asarray(self.columns[column]), self.known.get(column, True), kind,
                        field)  # fmt: skip
        args = [self.visit(a) for a in node.args]
        if name in ELAPSED:
            return _Val(self._elapsed(name, np.asarray(args[0].v)), args[0].known, "number")
        if name in ("year", "month"):
            return _Val(_calendar(name, np.asarray(args[0].v)), args[0].known, "number")
        known = args[0].known
        for a in args[1:]:
            known = known & a.known
        xs = [np.asarray(a.v, dtype=float) for a in args]
        if name == "min":
            value = np.where(xs[0] <= xs[1], xs[0], xs[1])
        elif name == "max":
            value = np.where(xs[0] >= xs[1], xs[0], xs[1])
        elif name == "clip":
            value = np.where(xs[0] < xs[1], xs[1], np.where(xs[0] > xs[2], xs[2], xs[0]))
        else:  # round, half to even as Python rounds
            value = np.round(xs[0])
        undefined = np.zeros(np.shape(value), bool)
        for x in xs:
            undefined = undefined | np.isnan(x)
        return _Val(np.where(undefined, np.nan, value), known, "number")

    def _tiers(self, node: ast.Call) -> _Val:
        x = self.visit(node.args[0])
        steps = [
            (float(self.visit(k).v), float(self.visit(v).v))  # type: ignore[arg-type]
            for k, v in zip(node.args[1].keys, node.args[1].values, strict=True)  # type: ignore[attr-defined]
        ]
        xv = np.asarray(x.v, dtype=float)
        value, reached = np.zeros(xv.shape), np.zeros(xv.shape, bool)
        for threshold, amount in sorted(steps):
            at_or_above = xv >= threshold
            value = np.where(at_or_above, amount, value)
            reached |= at_or_above
        undefined = np.isnan(xv)  # tiers of a number that is none
        return _Val(np.where(undefined, np.nan, value), x.known & (reached | undefined), "number")

    def _elapsed(self, unit: str, days: np.ndarray) -> np.ndarray:
        """Whole years, months or days from each date to the evaluation date; dates span a
        few thousand distinct days, so each is computed once and looked up."""
        if days.size == 0:
            return np.zeros(0, np.int64)
        first, last = _span(days)
        table = _elapsed_table(unit, first, last, self.today.astype(np.int64).item())
        return table[days.astype(np.int64) - first]

    def Compare(self, node: ast.Compare) -> _Val:
        links, left = [], node.left
        for op, right in zip(node.ops, node.comparators, strict=True):
            links.append(self._link(left, op, right))
            left = right
        return _all(links)

    def _link(self, left: ast.AST, op: ast.cmpop, right: ast.AST) -> _Val:
        a = self.visit(left)
        if isinstance(op, ast.In | ast.NotIn):
            choices = [self._as(self.visit(e), a).v for e in right.elts]  # type: ignore[attr-defined]
            hit = np.isin(np.asarray(a.v), np.asarray(choices))
            hit = hit if isinstance(op, ast.In) else ~hit
            return _Val(hit & _is_number(a.v), a.known, "bool")
        b = self.visit(right)
        a, b = self._as(a, b), self._as(b, a)
        fn = {
            ast.Eq: np.equal, ast.NotEq: np.not_equal, ast.Lt: np.less,
            ast.LtE: np.less_equal, ast.Gt: np.greater, ast.GtE: np.greater_equal,
        }[type(op)]  # fmt: skip
        return _Val(fn(a.v, b.v) & _is_number(a.v) & _is_number(b.v), a.known & b.known, "bool")

    def _as(self, value: _Val, other: _Val) -> _Val:
        """A label beside a coded field is that field's code."""
        if value.kind != "label":
            return value
        codes = self.registry.fields[other.field].codes
        return _Val(codes.index(value.v), True, "code", other.field)  # type: ignore[arg-type]


def _is_number(v) -> np.ndarray | bool:
    """False where a value is the NaN of a division by zero: no comparison with it holds."""
    v = np.asarray(v)
    return ~np.isnan(v) if v.dtype.kind == "f" else True


def _calendar(unit: str, days: np.ndarray) -> np.ndarray:
    """The calendar year, or month from 1 to 12, of days since the epoch."""
    dates = EPOCH + days.astype(np.int64).astype("timedelta64[D]")
    years = dates.astype("datetime64[Y]").astype(np.int64)
    if unit == "year":
        return years + 1970
    return dates.astype("datetime64[M]").astype(np.int64) - 12 * years + 1


def _span(days: np.ndarray, block: int = 1024) -> tuple[int, int]:
    """The first and last day of a table covering ``days``, widened to whole blocks so that
    the rows of one column read on one day (all, or the few an anniversary moved) share it."""
    return int(days.min()) // block * block, -(-(int(days.max()) + 1) // block) * block - 1


@functools.lru_cache(maxsize=256)
def _elapsed_table(unit: str, first: int, last: int, today: int) -> np.ndarray:
    """Elapsed ``unit`` from each day in [first, last] (days since the epoch) to ``today``:
    shared by every policy evaluated on one day over one date column (read-only)."""
    span = np.arange(first, last + 1)
    born = EPOCH + span.astype("timedelta64[D]")
    on = EPOCH + np.timedelta64(today, "D")
    if unit == "days_since":
        table = (on - born).astype(np.int64)
    else:
        y0, m0, d0 = _ymd(born)
        y1, m1, d1 = _ymd(on)
        months = (y1 - y0) * 12 + (m1 - m0) - (d1 < d0)
        table = months // 12 if unit in ("age", "years_since") else months
    table.flags.writeable = False
    return table


def _ymd(d) -> tuple:
    d = np.asarray(d, dtype="datetime64[D]")
    months = d.astype("datetime64[M]")
    year = months.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (d - months).astype(np.int64) + 1
    return year, month, day
