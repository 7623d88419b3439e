"""A plain per-entity interpreter of the policy language: slow, obviously correct.

It walks the same parsed text as the compiler but on one entity's values, with ``None`` for
unknown, and exists to check the vectorized engine (differential tests), not to be fast.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Any

from matching.fields import Registry

Unknown = None


def evaluate_one(text: str, entity: Mapping[str, Any], registry: Registry) -> Any:
    """The value of an (already validated) expression for one entity; None if unknown.

    ``entity`` maps field names to values (code fields by label); absent or None is unknown.
    """
    return _Eval(entity, registry).visit(ast.parse(text.strip(), mode="eval").body)


class _Eval:
    def __init__(self, entity: Mapping[str, Any], registry: Registry) -> None:
        self.entity, self.registry = entity, registry

    def visit(self, node: ast.AST) -> Any:
        return getattr(self, type(node).__name__)(node)

    def Name(self, node: ast.Name) -> Any:
        if node.id in ("True", "False"):
            return node.id == "True"
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
        return (not v) if isinstance(node.op, ast.Not) else -v

    def BinOp(self, node: ast.BinOp) -> Any:
        a, b = self.visit(node.left), self.visit(node.right)
        if a is Unknown or b is Unknown:
            return Unknown
        op = type(node.op)
        if op is ast.Div and b == 0:
            return Unknown
        return (
            {ast.Add: a + b, ast.Sub: a - b, ast.Mult: a * b}.get(op)
            if op is not ast.Div
            else a / b
        )

    def IfExp(self, node: ast.IfExp) -> Any:
        test = self.visit(node.test)
        if test is Unknown:
            return Unknown
        return self.visit(node.body if test else node.orelse)

    def Call(self, node: ast.Call) -> Any:
        args = [self.visit(a) for a in node.args]
        if Unknown in args:
            return Unknown
        name = node.func.id  # type: ignore[attr-defined]
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
                results.append(r)
                continue
            right = self.visit(right_node)
            results.append(
                Unknown if left is Unknown or right is Unknown else _COMPARE[type(op)](left, right)
            )
            left = right
        if False in results:
            return False
        return Unknown if Unknown in results else True


_COMPARE = {
    ast.Eq: lambda a, b: a == b,
    ast.NotEq: lambda a, b: a != b,
    ast.Lt: lambda a, b: a < b,
    ast.LtE: lambda a, b: a <= b,
    ast.Gt: lambda a, b: a > b,
    ast.GtE: lambda a, b: a >= b,
}
