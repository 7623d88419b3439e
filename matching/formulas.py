"""Kleene formulas over conditions, and their T and F bitmaps from the conditions' bitmaps.

A policy's eligibility is a formula over distinct conditions (leaves): for ``a and b``,
T = Ta & Tb and F = Fa | Fb; for ``or`` the reverse; ``not`` swaps T and F.
"""

from __future__ import annotations

import numpy as np

from matching.nodes import Logic, Node, Not

Formula = tuple  # ("leaf", i) | ("and", (f, ...)) | ("or", (f, ...)) | ("not", f)


def formula_of(node: Node, index: dict[Node, int], leaves: list[Node]) -> Formula:
    """The formula of a boolean node, registering its leaves (distinct conditions)."""
    if isinstance(node, Logic):
        return (
            "and" if node.is_and else "or",
            tuple(formula_of(p, index, leaves) for p in node.parts),
        )
    if isinstance(node, Not):
        return ("not", formula_of(node.operand, index, leaves))
    if node not in index:
        index[node] = len(leaves)
        leaves.append(node)
    return ("leaf", index[node])


def combine(formula: Formula, true: np.ndarray, false: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """T and F bitmaps of a formula, from its leaves' bitmaps (rows of ``true`` and ``false``)."""
    if formula[0] == "leaf":
        return true[formula[1]], false[formula[1]]
    width = len(true[0]) if len(formula) else 0
    t, f = np.empty(width, np.uint64), np.empty(width, np.uint64)
    combine_into(formula, true, false, t, f)
    return t, f


def combine_into(formula: Formula, true, false, t: np.ndarray, f: np.ndarray) -> None:
    """Write the formula's T and F bitmaps into t and f (no allocation for flat and/or)."""
    kind = formula[0]
    if kind == "leaf":
        np.copyto(t, true[formula[1]])
        np.copyto(f, false[formula[1]])
        return
    if kind == "not":
        combine_into(formula[1], true, false, f, t)
        return
    # and: T = all T, F = any F; or: the reverse
    t_op, f_op = (
        (np.bitwise_and, np.bitwise_or) if kind == "and" else (np.bitwise_or, np.bitwise_and)
    )
    first, *rest = formula[1]
    combine_into(first, true, false, t, f)
    for part in rest:
        if part[0] == "leaf":
            pt, pf = true[part[1]], false[part[1]]
        else:
            pt, pf = np.empty_like(t), np.empty_like(f)
            combine_into(part, true, false, pt, pf)
        t_op(t, pt, out=t)
        f_op(f, pf, out=f)
