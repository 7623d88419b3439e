"""A small, safe expression language for policy conditions and amounts.

Text is parsed with Python's ``ast`` and walked against an allow-list; each accepted node becomes
a typed node of our own that evaluates vectorized over a Table with three-valued logic (a value
array plus a known mask). Nothing from the text is ever executed.
"""

from __future__ import annotations

import ast
import functools
import operator
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from datafiles import did_you_mean
from matching.fields import Registry
from matching.table import Table

MAX_CHARS = 4_000
MAX_DEPTH = 40
MAX_NODES = 500
MAX_LITERAL = 1e15

Values = tuple[np.ndarray, np.ndarray]  # (value, known)


class ExpressionError(ValueError):
    """A fault in an expression, at a 1-based column of its text."""

    def __init__(self, message: str, column: int | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.column = column
        self.hint = hint


@dataclass(frozen=True)
class Expr:
    """A compiled expression: its kind ('bool' or 'number') and its evaluator."""

    text: str
    kind: str
    node: Node

    def evaluate(self, table: Table) -> Values:
        value, known = self.node.eval(table)
        n = len(table)
        return np.broadcast_to(value, (n,)).copy(), np.broadcast_to(known, (n,)).copy()


class Node:
    kind: str  # "bool", "number" or "code"

    def eval(self, table: Table) -> Values:
        raise NotImplementedError


@dataclass(frozen=True)
class FieldRef(Node):
    name: str
    kind: str

    def eval(self, table: Table) -> Values:
        return table.columns[self.name], table.known_mask(self.name)


@dataclass(frozen=True)
class Const(Node):
    value: float | bool
    kind: str

    def eval(self, table: Table) -> Values:
        return np.asarray(self.value), np.asarray(True)


@dataclass(frozen=True)
class Compare(Node):
    op: Callable
    left: Node
    right: Node
    kind: str = "bool"

    def eval(self, table: Table) -> Values:
        (a, ka), (b, kb) = self.left.eval(table), self.right.eval(table)
        return self.op(a, b), ka & kb


@dataclass(frozen=True)
class Member(Node):
    item: Node
    choices: tuple[float, ...]
    negate: bool
    kind: str = "bool"

    def eval(self, table: Table) -> Values:
        a, ka = self.item.eval(table)
        hit = np.isin(a, np.asarray(self.choices))
        return (~hit if self.negate else hit), ka


@dataclass(frozen=True)
class Logic(Node):
    """Kleene logic: False and unknown is False; True or unknown is True."""

    is_and: bool
    parts: tuple[Node, ...]
    kind: str = "bool"

    def eval(self, table: Table) -> Values:
        value, known = self.parts[0].eval(table)
        for part in self.parts[1:]:
            b, kb = part.eval(table)
            if self.is_and:
                decided = (known & ~value) | (kb & ~b)
                value, known = value & b, (known & kb) | decided
            else:
                decided = (known & value) | (kb & b)
                value, known = (value & known) | (b & kb), (known & kb) | decided
        return value, known


@dataclass(frozen=True)
class Not(Node):
    operand: Node
    kind: str = "bool"

    def eval(self, table: Table) -> Values:
        a, ka = self.operand.eval(table)
        return ~a, ka


@dataclass(frozen=True)
class Arith(Node):
    op: Callable
    parts: tuple[Node, ...]
    kind: str = "number"

    def eval(self, table: Table) -> Values:
        evaluated = [p.eval(table) for p in self.parts]
        with np.errstate(all="ignore"):
            value = self.op(*(np.asarray(v, dtype=np.float64) for v, _ in evaluated))
        known = functools.reduce(np.logical_and, [k for _, k in evaluated]) & np.isfinite(value)
        return value, known


@dataclass(frozen=True)
class Choose(Node):
    test: Node
    then: Node
    other: Node
    kind: str = "number"

    def eval(self, table: Table) -> Values:
        (c, kc), (a, ka), (b, kb) = (n.eval(table) for n in (self.test, self.then, self.other))
        return np.where(c, a, b), kc & np.where(c, ka, kb)


_COMPARE = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}
_ARITH = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.divide}
_CALLS: dict[str, tuple[Callable, int, int]] = {  # name: (function, min args, max args)
    "min": (np.minimum, 2, 2),
    "max": (np.maximum, 2, 2),
    "round": (np.round, 1, 1),
    "clip": (np.clip, 3, 3),
}


def compile_expression(text: str, registry: Registry, *, kind: str) -> Expr:
    """Parse and type-check an expression of the given kind ('bool' or 'number')."""
    if not isinstance(text, str):
        raise ExpressionError(f"an expression must be text, found {type(text).__name__}")
    if len(text) > MAX_CHARS:
        raise ExpressionError(f"expression longer than {MAX_CHARS} characters", 1)
    if _bracket_depth(text) > MAX_DEPTH:
        raise ExpressionError(f"expression nested deeper than {MAX_DEPTH} levels", 1)
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"syntax error: {exc.msg}", exc.offset) from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionError(f"expression nested deeper than {MAX_DEPTH} levels", 1) from None
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise ExpressionError(f"expression has more than {MAX_NODES} parts", 1)
    node = _Compiler(registry).build(tree.body, 0)
    got = "bool" if node.kind == "bool" else "number" if node.kind == "number" else node.kind
    if got != kind:
        raise ExpressionError(f"expected a {kind} expression, found a {got} one", 1)
    return Expr(text, kind, node)


class _Compiler:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def build(self, node: ast.AST, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise ExpressionError(f"expression nested deeper than {MAX_DEPTH} levels", _col(node))
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            raise ExpressionError(
                f"'{type(node).__name__}' is not allowed in a policy expression",
                _col(node),
                hint="use fields, numbers, text codes, comparisons, and/or/not, in, + - * /, "
                "min, max, round, clip and 'a if condition else b'",
            )
        return method(node, depth + 1)

    def _Name(self, node: ast.Name, depth: int) -> Node:
        if node.id in ("True", "False"):
            return Const(node.id == "True", "bool")
        if node.id not in self.registry:
            hint = did_you_mean(node.id, self.registry.fields)
            raise ExpressionError(f"unknown field '{node.id}'", _col(node), hint=hint)
        spec = self.registry[node.id]
        kind = "bool" if spec.type == "bool" else f"code:{node.id}" if spec.codes else "number"
        return FieldRef(node.id, kind)

    def _Constant(self, node: ast.Constant, depth: int) -> Node:
        v = node.value
        if isinstance(v, bool):
            return Const(v, "bool")
        if isinstance(v, int | float):
            if not abs(v) <= MAX_LITERAL:
                raise ExpressionError(f"number out of range (at most {MAX_LITERAL:g})", _col(node))
            return Const(float(v), "number")
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
        parts = (
            self._expect(node.left, depth, "number"),
            self._expect(node.right, depth, "number"),
        )
        return Arith(op, parts)

    def _IfExp(self, node: ast.IfExp, depth: int) -> Node:
        return Choose(
            self._expect(node.test, depth, "bool"),
            self._expect(node.body, depth, "number"),
            self._expect(node.orelse, depth, "number"),
        )

    def _Call(self, node: ast.Call, depth: int) -> Node:
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name not in _CALLS or node.keywords:
            raise ExpressionError("only min, max, round and clip may be called", _col(node))
        fn, lo, hi = _CALLS[name]
        if not lo <= len(node.args) <= hi:
            raise ExpressionError(
                f"{name} takes {lo} argument(s), found {len(node.args)}", _col(node)
            )
        return Arith(fn, tuple(self._expect(a, depth, "number") for a in node.args))

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
            return Member(a, choices, isinstance(op, ast.NotIn))
        fn = _COMPARE.get(type(op))
        if fn is None:
            raise ExpressionError("'is' is not allowed; use == or !=", _col(right))
        b = self.build(right, depth)
        a, b = self._unify(a, b, _col(left)), self._unify(b, a, _col(right))
        if a.kind != b.kind or (a.kind == "bool" and fn not in (operator.eq, operator.ne)):
            raise ExpressionError(
                f"cannot compare a {_kind_name(a)} with a {_kind_name(b)}", _col(left)
            )
        if a.kind.startswith("code") and fn not in (operator.eq, operator.ne):
            raise ExpressionError("codes can only be compared with == or != or 'in'", _col(left))
        return Compare(fn, a, b)

    def _choices(self, node: ast.AST, item: Node, depth: int) -> tuple[float, ...]:
        if not isinstance(node, ast.Set | ast.List | ast.Tuple) or not node.elts:
            raise ExpressionError(
                '\'in\' needs a list of values, e.g. {"master", "phd"}', _col(node)
            )
        values = [self._unify(self.build(e, depth), item, _col(e)) for e in node.elts]
        if any(not isinstance(v, Const) or v.kind != item.kind for v in values):
            raise ExpressionError(f"the values after 'in' must be {_kind_name(item)}s", _col(node))
        return tuple(float(v.value) for v in values)  # type: ignore[union-attr]

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
        return Const(float(codes.index(node.text)), other.kind)

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
