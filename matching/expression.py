"""A small, safe expression language for policy conditions and amounts.

Text is parsed with Python's ``ast`` and walked against an allow-list; each accepted node
becomes a typed node of ``matching.nodes`` that evaluates vectorized with three-valued logic.
Names resolve against the field registry (and the policy's parameters); code labels are
checked against the field's code list. Nothing from the text is ever executed.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Collection
from dataclasses import dataclass

import numpy as np

from datafiles import did_you_mean
from matching.fields import LAST_YEAR, Registry
from matching.nodes import (
    DATE_HELPERS,
    DATE_PARTS,
    Arith,
    Choose,
    Compare,
    Const,
    Context,
    DatePart,
    Elapsed,
    FieldRef,
    Logic,
    Member,
    Node,
    Not,
    ParamRef,
    Tiers,
    Today,
    Values,
)
from matching.relations import (
    HEAD,
    HOUSEHOLD,
    OVER_MEMBERS,
    OWNERS,
    RELATION,
    SPOUSE,
    Related,
    relate,
    related,
)
from matching.table import Table

TODAY = "today"  # the evaluation date, by name
MAX_CHARS = 4_000
MAX_DEPTH = 40
MAX_NODES = 500
MAX_LITERAL = 1e15
ALLOWED = (
    "fields, numbers, text codes, comparisons, and/or/not, in, + - * /, min, max, round, "
    "clip, tiers, last_year, age, years_since, months_since, days_since, year, month, today, "
    "household.size, household.sum/min/max/count/any/all(...), the same of group, spouse.FIELD "
    "and "
    "'a if condition else b'"
)


class ExpressionError(ValueError):
    """A fault in an expression, at a 1-based column of its text."""

    def __init__(self, message: str, column: int | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.column = column
        self.hint = hint


@dataclass(frozen=True)
class Expr:
    """A compiled expression: its text, its kind ('bool' or 'number') and its node tree."""

    text: str
    kind: str
    node: Node

    def evaluate(self, table: Table, on: object = None) -> Values:
        """Values and known masks over every row of the table, on a date."""
        table = relate(table, [self.node], on)
        value, known = self.node.eval(table, Context(on))  # type: ignore[arg-type]
        n = len(table)
        return np.broadcast_to(value, (n,)).copy(), np.broadcast_to(known, (n,)).copy()


_COMPARE = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}
_ARITH = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.divide}
_CALLS: dict[str, tuple[Callable, int]] = {  # name: (function, number of arguments)
    "min": (np.minimum, 2),
    "max": (np.maximum, 2),
    "round": (np.round, 1),
    "clip": (np.clip, 3),
}


def compile_expression(
    text: str, registry: Registry, *, kind: str, params: Collection[str] = ()
) -> Expr:
    """Parse and type-check an expression of the given kind ('bool' or 'number')."""
    if not isinstance(text, str):
        raise ExpressionError(f"an expression must be text, found {type(text).__name__}")
    if len(text) > MAX_CHARS:
        raise ExpressionError(f"expression longer than {MAX_CHARS} characters", 1)
    if _bracket_depth(text) > MAX_DEPTH:
        raise ExpressionError(f"expression nested deeper than {MAX_DEPTH} levels", 1)
    source = " ".join(text.split()) if "\n" in text else text.strip()
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"syntax error: {exc.msg}", exc.offset) from None
    except (RecursionError, MemoryError):
        raise ExpressionError(f"expression nested deeper than {MAX_DEPTH} levels", 1) from None
    except ValueError as exc:  # e.g. an integer literal of thousands of digits
        raise ExpressionError(f"invalid expression: {exc}", 1) from None
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise ExpressionError(f"expression has more than {MAX_NODES} parts", 1)
    node = _Compiler(registry, frozenset(params), source).build(tree.body, 0)
    got = "number" if node.kind.startswith("code") else node.kind
    if got != kind:
        raise ExpressionError(f"expected a {kind} expression, found a {got} one", 1)
    return Expr(source, kind, node)


class _Compiler:
    def __init__(self, registry: Registry, params: frozenset[str], source: str) -> None:
        self.registry, self.params, self.source = registry, params, source

    def build(self, node: ast.AST, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise ExpressionError(f"expression nested deeper than {MAX_DEPTH} levels", _col(node))
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            raise ExpressionError(
                f"'{type(node).__name__}' is not allowed in a policy expression",
                _col(node),
                hint=f"use {ALLOWED}",
            )
        return method(node, depth + 1)

    def _text(self, node: ast.AST) -> str:
        return ast.get_source_segment(self.source, node) or ""

    def _Name(self, node: ast.Name, depth: int) -> Node:
        if node.id in ("True", "False"):
            return Const(node.id == "True", "bool")
        if node.id == TODAY:
            if node.id in self.params:
                raise ExpressionError(
                    "'today' is the evaluation date", _col(node), hint="rename the parameter"
                )
            return Today()
        if node.id in self.params:
            return ParamRef(node.id)
        if node.id not in self.registry:
            hint = did_you_mean(node.id, [*self.registry.fields, *self.params])
            raise ExpressionError(f"unknown field '{node.id}'", _col(node), hint=hint)
        spec = self.registry[node.id]
        kind = {"bool": "bool", "code": f"code:{node.id}", "date": "date"}.get(spec.type, "number")
        return FieldRef(node.id, kind)

    def _Constant(self, node: ast.Constant, depth: int) -> Node:
        v = node.value
        if isinstance(v, bool):
            return Const(v, "bool")
        if isinstance(v, int | float):
            if not abs(v) <= MAX_LITERAL:
                raise ExpressionError(f"number out of range (at most {MAX_LITERAL:g})", _col(node))
            return Const(int(v) if float(v).is_integer() else float(v), "number")
        if isinstance(v, str):
            return _Label(v, _col(node))
        raise ExpressionError(f"constant {v!r} is not allowed", _col(node))

    def _BoolOp(self, node: ast.BoolOp, depth: int) -> Node:
        parts = tuple(self._expect(v, depth, "bool") for v in node.values)
        return Logic(isinstance(node.op, ast.And), parts)

    def _UnaryOp(self, node: ast.UnaryOp, depth: int) -> Node:
        if isinstance(node.op, ast.Not):
            return Not(self._expect(node.operand, depth, "bool"))
        if isinstance(node.op, ast.USub):
            inner = self._expect(node.operand, depth, "number")
            if isinstance(inner, Const):
                return Const(-inner.value, "number")
            return Arith(np.negative, (inner,))
        raise ExpressionError("only 'not' and '-' may stand before a value", _col(node))

    def _BinOp(self, node: ast.BinOp, depth: int) -> Node:
        op = _ARITH.get(type(node.op))
        if op is None:
            sym = {ast.Pow: "**", ast.Mod: "%", ast.FloorDiv: "//"}.get(type(node.op), "this")
            raise ExpressionError(
                f"operator '{sym}' is not allowed",
                _col(node),
                hint="use + - * / and min, max, round, clip",
            )
        left = self._expect(node.left, depth, "number")
        return Arith(op, (left, self._expect(node.right, depth, "number")))

    def _IfExp(self, node: ast.IfExp, depth: int) -> Node:
        return Choose(
            self._expect(node.test, depth, "bool"),
            self._expect(node.body, depth, "number"),
            self._expect(node.orelse, depth, "number"),
        )

    def _Attribute(self, node: ast.Attribute, depth: int) -> Node:
        """``household.size``, ``group.size`` or ``spouse.FIELD``."""
        owner = node.value.id if isinstance(node.value, ast.Name) else None
        if owner in OWNERS and node.attr == "size":
            self._grouped(node, owner)
            return Related("size", None, "number", by=owner, text=self._text(node))
        if owner == "spouse":
            return self._spouse(node)
        raise ExpressionError(
            f"'{self._text(node)}' is not a value a policy can read",
            _col(node),
            hint="use household.size, household.sum(FIELD) ..., group.sum(FIELD) ... or "
            "spouse.FIELD",
        )

    def _grouped(self, node: ast.AST, owner: str) -> None:
        """The library records the grouping ``owner`` names (households, enterprise groups)."""
        if owner not in self.registry.fields:
            raise ExpressionError(
                f"the {self.registry.entity} library records no {OWNERS[owner]}",
                _col(node),
                hint="households are read on persons, enterprise groups on enterprises",
            )

    def _spouse(self, node: ast.Attribute) -> Node:
        codes = self._households(node, spouse=True)
        if node.attr not in self.registry.fields:
            hint = did_you_mean(node.attr, list(self.registry.fields))
            raise ExpressionError(f"unknown field '{node.attr}'", _col(node), hint=hint)
        spec = self.registry[node.attr]
        if spec.type == "date" or node.attr in (HOUSEHOLD, RELATION):
            raise ExpressionError(
                f"spouse.{node.attr} cannot be read",
                _col(node),
                hint="a spouse's yes/no, number or coded field, e.g. spouse.owns_home",
            )
        kind = {"bool": "bool", "code": f"code:{node.attr}"}.get(spec.type, "number")
        inner = FieldRef(node.attr, kind)
        return Related("spouse", inner, kind, codes, text=self._text(node))

    def _households(self, node: ast.AST, *, spouse: bool = False) -> tuple[int, int]:
        """The codes of head and spouse, once the library is known to record households."""
        self._grouped(node, HOUSEHOLD)
        if RELATION not in self.registry.fields:
            raise ExpressionError(
                f"the {self.registry.entity} library records no relations in a household",
                _col(node),
                hint="a spouse is read through the field 'relation'",
            )
        codes = self.registry.fields[RELATION].codes
        if spouse and not {HEAD, SPOUSE} <= set(codes):
            raise ExpressionError(
                f"the relation field has no '{HEAD}' and '{SPOUSE}' codes", _col(node)
            )
        return (codes.index(HEAD), codes.index(SPOUSE)) if spouse else (0, 1)

    def _over_members(self, node: ast.Call, depth: int) -> Node:
        """``household.HOW(x)``, ``group.HOW(x)``: x over every member of the entity's
        household or enterprise group."""
        func = node.func
        assert isinstance(func, ast.Attribute)
        owner = func.value.id if isinstance(func.value, ast.Name) else None
        if owner not in OWNERS or func.attr not in OVER_MEMBERS or node.keywords:
            raise ExpressionError(
                "only household." + ", household.".join(OVER_MEMBERS) + " (and the same of "
                "group) may be called",
                _col(node),
                hint=did_you_mean(func.attr, list(OVER_MEMBERS)) if owner in OWNERS else None,
            )
        self._grouped(node, owner)
        self._arity(node, f"{owner}.{func.attr}", 1)
        wants, gives = OVER_MEMBERS[func.attr]
        inner = self._expect(node.args[0], depth, wants)
        if related((inner,)):
            raise ExpressionError(
                "a household value cannot be nested in another", _col(node.args[0])
            )
        return Related(func.attr, inner, gives, by=owner, text=self._text(node))

    def _Call(self, node: ast.Call, depth: int) -> Node:
        if isinstance(node.func, ast.Attribute):
            return self._over_members(node, depth)
        name = node.func.id if isinstance(node.func, ast.Name) else None
        known = [*_CALLS, "tiers", "last_year", *DATE_HELPERS, *DATE_PARTS]
        if name not in known or node.keywords:
            raise ExpressionError(
                "only " + ", ".join(known) + " may be called",
                _col(node),
                hint=did_you_mean(name, known) if name else None,
            )
        if name == "tiers":
            return self._tiers(node, depth)
        if name == "last_year":
            return self._last_year(node)
        if name in DATE_HELPERS or name in DATE_PARTS:
            self._arity(node, name, 1)
            date = self.build(node.args[0], depth)
            if date.kind != "date":
                raise ExpressionError(f"{name} needs a date field", _col(node.args[0]))
            return Elapsed(name, date) if name in DATE_HELPERS else DatePart(name, date)
        fn, n = _CALLS[name]
        self._arity(node, name, n)
        return Arith(fn, tuple(self._expect(a, depth, "number") for a in node.args))

    def _last_year(self, node: ast.Call) -> Node:
        """``last_year(field)``: the field's value at the end of last year, for a field the
        registry keeps history of."""
        self._arity(node, "last_year", 1)
        arg = node.args[0]
        kept = [n for n, f in self.registry.fields.items() if f.history]
        if not isinstance(arg, ast.Name) or arg.id not in self.registry.fields:
            raise ExpressionError(
                "last_year takes a field, e.g. last_year(revenue)", _col(arg),
                hint="fields with history: " + (", ".join(kept) or "none"),
            )  # fmt: skip
        if not self.registry.fields[arg.id].history:
            raise ExpressionError(
                f"the library keeps no history of '{arg.id}'", _col(arg),
                hint="fields with history: " + (", ".join(kept) or "none"),
            )  # fmt: skip
        column = arg.id + LAST_YEAR
        spec = self.registry[column]
        kind = {"bool": "bool", "code": f"code:{arg.id}", "date": "date"}.get(spec.type, "number")
        return FieldRef(column, kind)

    def _arity(self, node: ast.Call, name: str, n: int) -> None:
        if len(node.args) != n:
            raise ExpressionError(
                f"{name} takes {n} argument(s), found {len(node.args)}", _col(node)
            )

    def _tiers(self, node: ast.Call, depth: int) -> Node:
        self._arity(node, "tiers", 2)
        table = node.args[1]
        usage = "tiers(x, {0: 1000, 10: 5000}) - the value of the highest threshold at or below x"
        if not isinstance(table, ast.Dict) or not table.keys:
            raise ExpressionError(f"use {usage}", _col(node))
        pairs: list[tuple[float | Node, float | Node]] = []
        for k, v in zip(table.keys, table.values, strict=True):
            kc, vc = (self._expect(e, depth, "number") if e else None for e in (k, v))
            if not all(isinstance(c, Const | ParamRef) for c in (kc, vc)):
                raise ExpressionError(
                    f"tier thresholds and values must be numbers or parameters: {usage}",
                    _col(table),
                )
            pairs.append((_step(kc), _step(vc)))  # type: ignore[arg-type]
        fixed = [p[0] for p in pairs if not isinstance(p[0], Node)]
        if fixed != sorted(set(fixed)):  # with parameters: checked on each of their dates
            raise ExpressionError("tier thresholds must increase", _col(table))
        x = self._expect(node.args[0], depth, "number")
        return Tiers(x, tuple(p[0] for p in pairs), tuple(p[1] for p in pairs))

    def _Compare(self, node: ast.Compare, depth: int) -> Node:
        links, left = [], node.left
        for op, right in zip(node.ops, node.comparators, strict=True):
            links.append(self._link(left, op, right, depth))
            left = right
        return links[0] if len(links) == 1 else Logic(True, tuple(links))

    def _link(self, left: ast.AST, op: ast.cmpop, right: ast.AST, depth: int) -> Node:
        a = self.build(left, depth)
        if isinstance(op, ast.In | ast.NotIn):
            choices = self._choices(right, a, depth)
            word = "not in" if isinstance(op, ast.NotIn) else "in"
            text = f"{self._text(left)} {word} {self._text(right)}"
            return Member(a, choices, isinstance(op, ast.NotIn), text=text)
        fn = _COMPARE.get(type(op))
        if fn is None:
            raise ExpressionError("'is' is not allowed; use == or !=", _col(right))
        b = self.build(right, depth)
        a, b = self._unify(a, b, _col(left)), self._unify(b, a, _col(right))
        if a.kind != b.kind or (
            a.kind in ("bool", "date") and fn not in (operator.eq, operator.ne)
        ):
            raise ExpressionError(
                f"cannot compare a {_kind_name(a)} with a {_kind_name(b)}",
                _col(left),
                hint="compare dates through age(), years_since(), months_since() or days_since()"
                if "date" in (a.kind, b.kind)
                else None,
            )
        if a.kind.startswith("code") and fn not in (operator.eq, operator.ne):
            raise ExpressionError("codes can only be compared with == or != or 'in'", _col(left))
        sym = {
            v: k
            for k, v in {
                "==": operator.eq,
                "!=": operator.ne,
                "<": operator.lt,
                "<=": operator.le,
                ">": operator.gt,
                ">=": operator.ge,
            }.items()
        }[fn]
        return Compare(fn, a, b, text=f"{self._text(left)} {sym} {self._text(right)}")

    def _choices(self, node: ast.AST, item: Node, depth: int) -> tuple[int | float, ...]:
        if not isinstance(node, ast.Set | ast.List | ast.Tuple) or not node.elts:
            raise ExpressionError(
                '\'in\' needs a list of values, e.g. {"master", "phd"}', _col(node)
            )
        values = [self._unify(self.build(e, depth), item, _col(e)) for e in node.elts]
        if any(not isinstance(v, Const) or v.kind != item.kind for v in values):
            raise ExpressionError(f"the values after 'in' must be {_kind_name(item)}s", _col(node))
        return tuple(sorted({v.value for v in values}))  # type: ignore[union-attr]

    def _unify(self, node: Node, other: Node, col: int) -> Node:
        """A text label next to a code field becomes that field's code number."""
        if not isinstance(node, _Label):
            return node
        if not other.kind.startswith("code:"):
            raise ExpressionError(
                f"text '{node.text}' can only be compared with a coded field", col
            )
        field = other.kind.removeprefix("code:")
        codes = self.registry[field].codes
        if node.text not in codes:
            raise ExpressionError(
                f"'{node.text}' is not a code of field '{field}'",
                col,
                hint=did_you_mean(node.text, codes) or "allowed codes: " + ", ".join(codes),
            )
        return Const(codes.index(node.text), other.kind)

    def _expect(self, node: ast.AST, depth: int, kind: str) -> Node:
        built = self.build(node, depth)
        if built.kind != kind:
            raise ExpressionError(
                f"expected a {kind} here, found a {_kind_name(built)}", _col(node)
            )
        return built


@dataclass(frozen=True)
class _Label(Node):
    """A text literal, only meaningful beside a code field."""

    text: str
    col: int
    kind: str = "label"

    def eval(self, table: Table, ctx: Context) -> Values:
        raise ExpressionError(f"text '{self.text}' has no value on its own", self.col)


def _step(node: Const | ParamRef) -> float | Node:
    """A tier's threshold or value: a number, or the parameter until it is bound."""
    return float(node.value) if isinstance(node, Const) else node


def _bracket_depth(text: str) -> int:
    depth = deepest = 0
    for ch in text:
        depth += (ch in "([{") - (ch in ")]}")
        deepest = max(deepest, depth)
    return deepest


def _kind_name(node: Node) -> str:
    return "code" if node.kind.startswith("code") else node.kind


def _col(node: ast.AST) -> int:
    return getattr(node, "col_offset", 0) + 1
