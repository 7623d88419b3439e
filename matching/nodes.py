"""The typed nodes a policy expression compiles to, each evaluated vectorized over a Table.

Every node returns ``(value, known)``: a value per row and whether it is known. Unknown
inputs make unknown outputs, except where Kleene logic decides (``False and ?`` is False).
"""

from __future__ import annotations

import abc
import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from matching.fields import EPOCH
from matching.table import Table

Values = tuple[np.ndarray, np.ndarray]  # (value, known)


@dataclass(frozen=True)
class Context:
    """What an evaluation may depend on besides the table: the evaluation date.

    ``cache`` keeps computed values (ages, ratios) for one table, so that many conditions on
    ``age(birth_date)`` compute the ages once.
    """

    on: dt.date | None = None
    cache: dict = field(default_factory=dict, compare=False, repr=False)

    def cached(self, node: Node, table: Table) -> Values:
        """The node's values over the table, computed once per evaluation."""
        if node not in self.cache:
            self.cache[node] = node.compute(table, self)
        return self.cache[node]

    @property
    def day(self) -> int:
        """The evaluation date as numpy's datetime64 day."""
        if self.on is None:
            raise ValueError("this expression uses dates: evaluate it with a date")
        return (self.on - EPOCH).days


class Node(abc.ABC):
    """A compiled expression: ``eval`` gives (values, known) over a table."""

    kind: str  # "bool", "number", "code:<field>", or "label" (text beside a code field)

    @abc.abstractmethod
    def eval(self, table: Table, ctx: Context) -> Values:
        """Value and known mask of this node over every row of the table."""

    def children(self) -> tuple[Node, ...]:
        """The nodes this one reads."""
        return tuple(
            v
            for f in dataclasses.fields(self)  # type: ignore[arg-type]
            for v in _as_nodes(getattr(self, f.name))
        )

    def fields(self) -> frozenset[str]:
        """Names of the library fields this node reads."""
        return frozenset().union(*(c.fields() for c in self.children()))

    def columns(self) -> frozenset[str]:
        """Names of the table columns evaluating it reads: its fields, or for a value over a
        household the column ``matching.relate`` adds."""
        return frozenset().union(*(c.columns() for c in self.children()))

    @property
    def total(self) -> bool:
        """True if the value is known exactly where all fields it reads are known."""
        return all(c.total for c in self.children())


def defined(x) -> np.ndarray | bool:
    """Where a number is defined: not the NaN a division by zero leaves (known, no value)."""
    x = np.asarray(x)
    return ~np.isnan(x) if x.dtype.kind == "f" else True


def computed(node: Node) -> bool:
    """Whether a number may be undefined: it is computed (arithmetic, tiers, a household's
    sum), not read."""
    return (
        isinstance(node, Arith | Tiers | Choose)
        or getattr(node, "may_be_undefined", False)
        or any(computed(c) for c in node.children())
    )


def both(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a & b for known masks, skipping the work when one side is the scalar 'always known'."""
    if np.ndim(b) == 0 and b:
        return a
    if np.ndim(a) == 0 and a:
        return b
    return a & b


def _as_nodes(value: object) -> tuple[Node, ...]:
    if isinstance(value, Node):
        return (value,)
    if isinstance(value, tuple):
        return tuple(v for v in value if isinstance(v, Node))
    return ()


@dataclass(frozen=True)
class FieldRef(Node):
    """A field of the library."""

    name: str
    kind: str

    def eval(self, table: Table, ctx: Context) -> Values:
        """The field's column and its known mask."""
        return table.columns[self.name], table.known_mask(self.name)

    def fields(self) -> frozenset[str]:
        """The field this node reads."""
        return frozenset((self.name,))

    def columns(self) -> frozenset[str]:
        """The field's column."""
        return frozenset((self.name,))


@dataclass(frozen=True)
class Const(Node):
    """A number, a code or a truth value."""

    value: int | float | bool
    kind: str

    def eval(self, table: Table, ctx: Context) -> Values:
        # A Python scalar, not a 0-d array: numpy then compares in the column's own dtype.
        """The constant, known everywhere."""
        return self.value, np.True_


@dataclass(frozen=True)
class ParamRef(Node):
    """A named, dated parameter of the policy; replaced by its value for a date (``bind``)."""

    name: str
    kind: str = "number"

    def eval(self, table: Table, ctx: Context) -> Values:
        """A parameter left unbound cannot be evaluated."""
        raise ValueError(f"parameter '{self.name}' was not bound to a date")


@dataclass(frozen=True)
class Compare(Node):
    """A comparison of two values."""

    op: Callable
    left: Node
    right: Node
    kind: str = "bool"
    text: str = field(default="", compare=False)

    def eval(self, table: Table, ctx: Context) -> Values:
        """The comparison, known where both sides are; false where a side is undefined."""
        (a, ka), (b, kb) = self.left.eval(table, ctx), self.right.eval(table, ctx)
        value = self.op(a, b)
        left, right = self.computed_sides
        if left:
            value = value & defined(a)
        if right:
            value = value & defined(b)
        return value, both(ka, kb)

    @cached_property
    def computed_sides(self) -> tuple[bool, bool]:
        """Which sides may be undefined (computed, not read): only they need the check."""
        return computed(self.left), computed(self.right)


@dataclass(frozen=True)
class Member(Node):
    """Membership in a fixed set of values (``in``, ``not in``)."""

    item: Node
    choices: tuple[int | float, ...]
    negate: bool
    kind: str = "bool"
    text: str = field(default="", compare=False)

    def eval(self, table: Table, ctx: Context) -> Values:
        """Whether each value is one of the choices, known where it is."""
        a, ka = self.item.eval(table, ctx)
        if len(self.choices) <= 8:
            hit = np.zeros(np.shape(a), dtype=bool)
            for c in self.choices:
                hit |= a == c
        else:
            hit = np.isin(a, np.asarray(self.choices))
        hit = ~hit if self.negate else hit
        return (hit & defined(a) if self.computed_item else hit), ka

    @cached_property
    def computed_item(self) -> bool:
        """Whether the item may be undefined (computed, not read)."""
        return computed(self.item)


@dataclass(frozen=True)
class Logic(Node):
    """Kleene logic: False and unknown is False; True or unknown is True."""

    is_and: bool
    parts: tuple[Node, ...]
    kind: str = "bool"

    def eval(self, table: Table, ctx: Context) -> Values:
        """The conjunction or disjunction under Kleene logic."""
        value, known = self.parts[0].eval(table, ctx)
        for part in self.parts[1:]:
            b, kb = part.eval(table, ctx)
            if self.is_and:
                decided = (known & ~value) | (kb & ~b)
                value, known = value & b, (known & kb) | decided
            else:
                decided = (known & value) | (kb & b)
                value, known = (value & known) | (b & kb), (known & kb) | decided
        return value, known


@dataclass(frozen=True)
class Not(Node):
    """Negation: unknown stays unknown."""

    operand: Node
    kind: str = "bool"

    def eval(self, table: Table, ctx: Context) -> Values:
        """The negated values, known where the operand is."""
        a, ka = self.operand.eval(table, ctx)
        return ~a, ka


@dataclass(frozen=True)
class Arith(Node):
    """Arithmetic and min/max/round/clip; a result that is not a finite number (x / 0) is
    undefined: known, NaN, and false in every comparison."""

    op: Callable
    parts: tuple[Node, ...]
    kind: str = "number"

    def eval(self, table: Table, ctx: Context) -> Values:
        """The arithmetic result, computed once per evaluation."""
        return ctx.cached(self, table)

    def compute(self, table: Table, ctx: Context) -> Values:
        """The result, unknown where any operand is, undefined (NaN) where it is not finite."""
        evaluated = [p.eval(table, ctx) for p in self.parts]
        with np.errstate(all="ignore"):
            value = self.op(*(np.asarray(v, dtype=np.float64) for v, _ in evaluated))
        known = evaluated[0][1]
        for _, k in evaluated[1:]:
            known = both(known, k)
        finite = np.isfinite(value)
        if not np.all(finite):
            value = np.where(finite, value, np.nan)
        return value, known


@dataclass(frozen=True)
class Choose(Node):
    """``a if test else b``."""

    test: Node
    then: Node
    other: Node
    kind: str = "number"

    def eval(self, table: Table, ctx: Context) -> Values:
        """The chosen value, unknown where the test is."""
        (c, kc), (a, ka), (b, kb) = (n.eval(table, ctx) for n in (self.test, self.then, self.other))
        return np.where(c, a, b), kc & np.where(c, ka, kb)

    @property
    def total(self) -> bool:
        """Never: the test may be unknown."""
        return False


@dataclass(frozen=True)
class Tiers(Node):
    """A step function: the value of the highest threshold at or below x (unknown below all)."""

    x: Node
    thresholds: tuple[float | Node, ...]  # ascending; a parameter is a node until bound
    values: tuple[float | Node, ...]
    kind: str = "number"

    def eval(self, table: Table, ctx: Context) -> Values:
        """The step function's value, unknown below the first threshold."""
        x, kx = self.x.eval(table, ctx)
        thresholds = np.asarray(self.steps(self.thresholds, table, ctx), dtype=np.float64)
        i = np.searchsorted(thresholds, x, side="right") - 1
        vals = np.asarray(self.steps(self.values, table, ctx), dtype=np.float64)
        ok = np.asarray(defined(x))  # tiers of an undefined number are undefined
        return np.where(ok, vals[np.clip(i, 0, None)], np.nan), kx & ((i >= 0) | ~ok)

    @staticmethod
    def steps(items: tuple[float | Node, ...], table: Table, ctx: Context) -> list[float]:
        """Thresholds or values as numbers (a bound parameter is a constant node)."""
        return [float(v.eval(table, ctx)[0]) if isinstance(v, Node) else v for v in items]

    @property
    def total(self) -> bool:
        """Never: values below the first threshold are unknown."""
        return False


DATE_HELPERS = ("age", "years_since", "months_since", "days_since")
DATE_PARTS = ("year", "month")


@dataclass(frozen=True)
class Today(Node):
    """The evaluation date: the day a run decides, or a test case's ``date``."""

    kind: str = "date"

    def eval(self, table: Table, ctx: Context) -> Values:
        """The date as days since 1970, known."""
        return ctx.day, np.True_


@dataclass(frozen=True)
class DatePart(Node):
    """The calendar year, or month (1 to 12), of a date."""

    unit: str  # one of DATE_PARTS
    date: Node
    kind: str = "number"

    def eval(self, table: Table, ctx: Context) -> Values:
        """The year or month of each date, known where the date is."""
        d, kd = self.date.eval(table, ctx)
        days = np.asarray(d).astype(np.int64).astype("datetime64[D]")
        if self.unit == "year":
            return days.astype("datetime64[Y]").astype(np.int64) + 1970, kd
        return days.astype("datetime64[M]").astype(np.int64) % 12 + 1, kd


@dataclass(frozen=True)
class Elapsed(Node):
    """Whole years, months or days from a date field to the evaluation date."""

    unit: str  # one of DATE_HELPERS
    date: Node
    kind: str = "number"

    def eval(self, table: Table, ctx: Context) -> Values:
        """Whole years, months or days to the evaluation date, computed once."""
        return ctx.cached(self, table)

    def compute(self, table: Table, ctx: Context) -> Values:
        """The elapsed time per row, through a lookup per distinct day."""
        d, kd = self.date.eval(table, ctx)
        d = np.asarray(d)
        if d.size == 0:
            return np.zeros(0, np.int32), kd
        # Dates span a small range of days: compute once per distinct day, then look up.
        lo, hi = int(d.min()), int(d.max())
        days = np.arange(lo, hi + 1).astype("datetime64[D]")
        return self._elapsed(days, np.datetime64(ctx.day, "D"))[d - lo], kd

    def _elapsed(self, days: np.ndarray, today: np.datetime64) -> np.ndarray:
        if self.unit == "days_since":
            return (today - days).astype(np.int32)
        months = _months(today) - _months(days) - (_day_of_month(today) < _day_of_month(days))
        out = months // 12 if self.unit in ("age", "years_since") else months
        return out.astype(np.int32)


def _months(d: np.ndarray) -> np.ndarray:
    return d.astype("datetime64[M]").astype(np.int64)


def _day_of_month(d: np.ndarray) -> np.ndarray:
    return (d - d.astype("datetime64[M]")).astype(np.int64)


def bind(node: Node, params: Mapping[str, float]) -> Node:
    """The same node with every parameter replaced by its value."""
    if isinstance(node, ParamRef):
        value = params[node.name]
        return Const(int(value) if float(value).is_integer() else float(value), "number")
    changes = {}
    for f in dataclasses.fields(node):  # type: ignore[arg-type]
        v = getattr(node, f.name)
        if isinstance(v, Node):
            changes[f.name] = bind(v, params)
        elif isinstance(v, tuple) and any(isinstance(x, Node) for x in v):
            changes[f.name] = tuple(bind(x, params) if isinstance(x, Node) else x for x in v)
    return dataclasses.replace(node, **changes) if changes else node  # type: ignore[type-var]


def params_of(node: Node) -> frozenset[str]:
    """The names of the parameters a node reads."""
    if isinstance(node, ParamRef):
        return frozenset((node.name,))
    return frozenset().union(*(params_of(c) for c in node.children()))
