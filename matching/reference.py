"""A plain per-entity interpreter of the policy language: slow, obviously correct.

It walks the parsed text on one entity's values, with ``None`` for unknown, and exists to check
the vectorized engine (differential tests), not to be fast. Code fields are given by label and
date fields as ``datetime.date``. An entity's ``household`` (an enterprise's ``group``) is the
list of its household's members (itself among them, each a mapping like it, in the library's
row order), None where its household is unknown.
"""

from __future__ import annotations

import ast
import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

Unknown = None
UNDEFINED = math.nan  # a number that is not one (a division by zero): known, false in comparisons


def _undefined(x: Any) -> bool:
    return isinstance(x, float) and math.isnan(x)


def evaluate_one(
    text: str,
    entity: Mapping[str, Any],
    params: Mapping[str, float] | None = None,
    on: dt.date | None = None,
    bools: frozenset[str] = frozenset(),
) -> Any:
    """The value of an (already validated) expression for one entity; None if unknown.
    ``bools`` names the yes/no fields (an absent spouse's is false, not undefined)."""
    source = " ".join(text.split())
    return _Eval(entity, params or {}, on, bools).visit(ast.parse(source, mode="eval").body)


class _Eval:
    def __init__(self, entity: Mapping[str, Any], params: Mapping[str, float], on, bools) -> None:
        self.entity, self.params, self.on, self.bools = entity, params, on, bools

    def Attribute(self, node: ast.Attribute) -> Any:
        """``household.size``, ``group.size`` or ``spouse.FIELD``."""
        owner = node.value.id  # type: ignore[attr-defined]
        if owner != "spouse":
            members = self.entity.get(owner)
            return Unknown if members is None else len(members)
        members = self.entity.get("household")
        me = self.entity.get("relation")
        if me is Unknown:
            return Unknown
        if me not in ("head", "spouse"):
            return self._nobody(node.attr)
        if members is None:
            return Unknown
        partner = "spouse" if me == "head" else "head"
        for member in members:
            if member.get("relation") == partner:
                return member.get(node.attr)
        if any(m.get("relation") is Unknown for m in members):
            return Unknown  # the partner may be the member whose relation is unknown
        return self._nobody(node.attr)

    def _nobody(self, field: str) -> Any:
        return False if field in self.bools else UNDEFINED

    def _members(self, owner: str, how: str, arg: ast.AST) -> Any:
        """``household.HOW(x)`` (or ``group.HOW(x)``) over the members, three-valued."""
        members = self.entity.get(owner)
        if members is None:
            return Unknown
        values = [_Eval(m, self.params, self.on, self.bools).visit(arg) for m in members]
        if how in ("any", "all"):
            decisive = how == "any"
            if any(v is decisive for v in values):
                return decisive
            return Unknown if Unknown in values else not decisive
        if any(v is Unknown for v in values):
            return Unknown
        if how == "count":
            return sum(1 for v in values if v is True)
        if any(_undefined(v) for v in values):
            return UNDEFINED
        total = {"sum": sum, "min": min, "max": max}[how](float(v) for v in values)
        return _finite(total)

    def visit(self, node: ast.AST) -> Any:
        return getattr(self, type(node).__name__)(node)

    def Name(self, node: ast.Name) -> Any:
        if node.id in ("True", "False"):
            return node.id == "True"
        if node.id == "today":
            return self.on
        if node.id in self.params:
            return self.params[node.id]
        return self.entity.get(node.id)

    def Constant(self, node: ast.Constant) -> Any:
        return node.value

    def BoolOp(self, node: ast.BoolOp) -> Any:
        values = [self.visit(v) for v in node.values]
        decisive = isinstance(node.op, ast.Or)  # True decides an or; False decides an and
        if decisive in values:
            return decisive
        return Unknown if Unknown in values else not decisive

    def UnaryOp(self, node: ast.UnaryOp) -> Any:
        v = self.visit(node.operand)
        if v is Unknown:
            return Unknown
        if isinstance(node.op, ast.Not):
            return not v
        return UNDEFINED if _undefined(v) else -v

    def BinOp(self, node: ast.BinOp) -> Any:
        a, b = self.visit(node.left), self.visit(node.right)
        if a is Unknown or b is Unknown:
            return Unknown
        if _undefined(a) or _undefined(b) or (isinstance(node.op, ast.Div) and b == 0):
            return UNDEFINED
        if isinstance(node.op, ast.Div):
            return _finite(a / b)
        return _finite({ast.Add: a + b, ast.Sub: a - b, ast.Mult: a * b}[type(node.op)])

    def IfExp(self, node: ast.IfExp) -> Any:
        test = self.visit(node.test)
        if test is Unknown:
            return Unknown
        return self.visit(node.body if test else node.orelse)

    def Call(self, node: ast.Call) -> Any:
        if isinstance(node.func, ast.Attribute):
            return self._members(node.func.value.id, node.func.attr, node.args[0])  # type: ignore[attr-defined]
        name = node.func.id  # type: ignore[attr-defined]
        if name == "last_year":  # the field's value at the end of last year
            return self.entity.get(f"{node.args[0].id}@last_year")  # type: ignore[attr-defined]
        if name == "tiers":
            x = self.visit(node.args[0])
            table = node.args[1]
            steps = [
                (self.visit(k), self.visit(v))
                for k, v in zip(table.keys, table.values, strict=False)
            ]  # type: ignore[attr-defined]
            if _undefined(x):
                return UNDEFINED
            below = [v for k, v in steps if x is not Unknown and k <= x]
            return float(below[-1]) if below else Unknown
        args = [self.visit(a) for a in node.args]
        if Unknown in args:
            return Unknown
        if name in ("age", "years_since", "months_since", "days_since"):
            return _elapsed(name, args[0], self.on)
        if name in ("year", "month"):
            return args[0].year if name == "year" else args[0].month
        if any(_undefined(a) for a in args):
            return UNDEFINED
        if name == "clip":
            return min(max(args[0], args[1]), args[2])
        if name == "round":
            return float(round(args[0]))
        return {"min": min, "max": max}[name](*args)

    def Compare(self, node: ast.Compare) -> Any:
        results, left = [], self.visit(node.left)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            if isinstance(op, ast.In | ast.NotIn):
                choices = [self.visit(e) for e in right_node.elts]  # type: ignore[attr-defined]
                r = Unknown if left is Unknown else (left in choices) == isinstance(op, ast.In)
                results.append(False if _undefined(left) else r)
                continue
            right = self.visit(right_node)
            unknown = left is Unknown or right is Unknown
            if unknown:
                results.append(Unknown)
            else:
                undefined = _undefined(left) or _undefined(right)
                results.append(False if undefined else _COMPARE[type(op)](left, right))
            left = right
        if False in results:
            return False
        return Unknown if Unknown in results else True


def _finite(x: float) -> float:
    """An overflowing result is no number either."""
    return x if math.isfinite(x) else UNDEFINED


def _elapsed(unit: str, since: dt.date, on: dt.date) -> int:
    if unit == "days_since":
        return (on - since).days
    months = (on.year - since.year) * 12 + on.month - since.month - (on.day < since.day)
    return months // 12 if unit in ("age", "years_since") else months


_COMPARE = {
    ast.Eq: lambda a, b: a == b,
    ast.NotEq: lambda a, b: a != b,
    ast.Lt: lambda a, b: a < b,
    ast.LtE: lambda a, b: a <= b,
    ast.Gt: lambda a, b: a > b,
    ast.GtE: lambda a, b: a >= b,
}
