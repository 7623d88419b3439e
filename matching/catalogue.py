"""All policies in force on a date, compiled into one catalogue of distinct conditions.

Each distinct condition is evaluated once over the library, in row blocks, into packed bitmaps
of rows where it is definitely true (T) and definitely false (F). A policy is a formula over
conditions, combined bitwise with Kleene logic: for ``a and b``, T = Ta & Tb and
F = Fa | Fb; for ``or`` the reverse; ``not`` swaps T and F. Rows in neither are unknown.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from matching import bitmaps
from matching.nodes import Const, Context, Logic, Node, Not
from matching.policy import BoundPolicy
from matching.table import Table

Formula = tuple  # ("leaf", i) | ("and", (f, ...)) | ("or", (f, ...)) | ("not", f)
DEFAULT_BLOCK_ROWS = 1 << 18  # rows per block: a multiple of 64


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


@dataclass
class LeafBits:
    """T and F bitmaps of every leaf, over a whole table: (n_leaves, n_words) each."""

    true: np.ndarray
    false: np.ndarray

    def slice(self, words: slice) -> LeafBits:
        return LeafBits(self.true[:, words], self.false[:, words])


class Catalogue:
    """Distinct conditions and per-policy formulas for one target and date."""

    def __init__(self, policies: Sequence[BoundPolicy], on) -> None:
        self.on = on
        self.policies = list(policies)
        self.index: dict[Node, int] = {}
        self.leaves: list[Node] = []
        self.formulas = [formula_of(p.eligible, self.index, self.leaves) for p in self.policies]
        self.conditions = _condition_table(self.policies, self.index, self.leaves)

    @property
    def policy_ids(self) -> list[str]:
        return [p.id for p in self.policies]

    def match(
        self,
        table: Table,
        *,
        keep_leaves: bool = True,
        block_rows: int = DEFAULT_BLOCK_ROWS,
        workers: int = 2,
    ) -> MatchSet:
        """Three-valued eligibility of every policy over every row, as bitmaps and counts.

        With ``keep_leaves`` the conditions' bitmaps are kept, so that drafts and explanations
        reuse them instead of evaluating the library again.
        """
        n_words = bitmaps.words_for(len(table))
        shape = (len(self.policies), n_words)
        eligible, review = np.zeros(shape, np.uint64), np.zeros(shape, np.uint64)
        kept = self._empty_bits(n_words) if keep_leaves else None
        all_rows = bitmaps.tail_mask(len(table), n_words)

        def block(start: int) -> None:
            stop = min(start + block_rows, len(table))
            w = slice(start // bitmaps.WORD, bitmaps.words_for(stop))
            bits = self._empty_bits(w.stop - w.start) if kept is None else kept.slice(w)
            sub = table.slice(start, stop)
            _evaluate_leaves(self.leaves, sub, Context(self.on), bits.true, bits.false)
            rows = all_rows[w]
            for i, formula in enumerate(self.formulas):
                t, f = combine(formula, bits.true, bits.false)
                eligible[i, w] = t
                review[i, w] = ~(t | f) & rows

        _blocks(block, len(table), block_rows, workers)
        return MatchSet(self.policy_ids, len(table), eligible, review, kept)

    def _empty_bits(self, n_words: int) -> LeafBits:
        shape = (len(self.leaves), n_words)
        return LeafBits(np.zeros(shape, np.uint64), np.zeros(shape, np.uint64))


@dataclass(frozen=True)
class ConditionTable:
    """Every policy's top-level conditions, flat: for explanations by vectorized lookup."""

    policy: np.ndarray  # int, position of the policy
    leaf: np.ndarray  # int, the condition's leaf, or -1 when it combines several
    formula: list[Formula]
    text: list[str]
    article: list[str]


def _condition_table(policies, index, leaves) -> ConditionTable:
    policy, leaf, formulas, texts, articles = [], [], [], [], []
    for i, p in enumerate(policies):
        for text, article, node in p.conditions:
            formula = formula_of(node, index, leaves)
            policy.append(i)
            leaf.append(formula[1] if formula[0] == "leaf" else -1)
            formulas.append(formula)
            texts.append(text)
            articles.append(article)
    return ConditionTable(np.array(policy, int), np.array(leaf, int), formulas, texts, articles)


def _blocks(fn, n_rows: int, block_rows: int, workers: int) -> None:
    if block_rows % bitmaps.WORD:
        raise ValueError(f"block_rows must be a multiple of {bitmaps.WORD}")
    starts = range(0, n_rows, block_rows)
    if workers > 1 and len(starts) > 1:
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(fn, starts))
    else:
        for start in starts:
            fn(start)


@dataclass
class MatchSet:
    """Eligibility of every policy over every row: bitmaps of eligible and needs-review rows."""

    policy_ids: list[str]
    n_rows: int
    eligible: np.ndarray  # (n_policies, n_words) uint64
    review: np.ndarray  # (n_policies, n_words) uint64
    leaves: LeafBits | None = None

    def position(self, policy_id: str) -> int:
        return self.policy_ids.index(policy_id)

    @property
    def eligible_counts(self) -> np.ndarray:
        return bitmaps.count(self.eligible)

    @property
    def review_counts(self) -> np.ndarray:
        return bitmaps.count(self.review)

    def eligible_mask(self, policy_id: str) -> np.ndarray:
        return bitmaps.unpack(self.eligible[self.position(policy_id)], self.n_rows)

    def review_mask(self, policy_id: str) -> np.ndarray:
        return bitmaps.unpack(self.review[self.position(policy_id)], self.n_rows)

    def eligible_rows(self, policy_id: str) -> np.ndarray:
        return np.flatnonzero(self.eligible_mask(policy_id))


def leaf_bits(
    leaves: Sequence[Node],
    table: Table,
    on,
    *,
    block_rows: int = DEFAULT_BLOCK_ROWS,
    workers: int = 2,
) -> LeafBits:
    """T and F bitmaps of the given conditions over every row of the table."""
    n_words = bitmaps.words_for(len(table))
    bits = LeafBits(*(np.zeros((len(leaves), n_words), np.uint64) for _ in range(2)))

    def block(start: int) -> None:
        stop = min(start + block_rows, len(table))
        part = bits.slice(slice(start // bitmaps.WORD, bitmaps.words_for(stop)))
        _evaluate_leaves(leaves, table.slice(start, stop), Context(on), part.true, part.false)

    _blocks(block, len(table), block_rows, workers)
    return bits


def _evaluate_leaves(leaves, table: Table, ctx: Context, true, false) -> None:
    """Fill T/F bitmaps of each leaf over one block of rows."""
    n, n_words = len(table), true.shape[1]
    known_cache: dict[str, np.ndarray] = {}

    def field_known(name: str) -> np.ndarray:
        if name not in known_cache:
            mask = table.known.get(name)
            known_cache[name] = (
                bitmaps.tail_mask(n, n_words) if mask is None else bitmaps.pack(mask, n_words)
            )
        return known_cache[name]

    for i, leaf in enumerate(leaves):
        value, known = leaf.eval(table, ctx)
        if isinstance(leaf, Const) or np.ndim(value) == 0:
            value = np.broadcast_to(value, (n,))
            known = np.broadcast_to(known, (n,))
        v = bitmaps.pack(value, n_words)
        fields = leaf.fields()
        if leaf.total and fields:
            k = field_known(next(iter(fields))).copy()
            for name in list(fields)[1:]:
                k &= field_known(name)
        else:
            k = bitmaps.pack(known, n_words)
        np.bitwise_and(v, k, out=true[i])
        np.bitwise_and(~v, k, out=false[i])


def combine(formula: Formula, true: np.ndarray, false: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """T and F bitmaps of a formula, from its leaves' bitmaps (rows of ``true`` and ``false``)."""
    kind = formula[0]
    if kind == "leaf":
        return true[formula[1]], false[formula[1]]
    if kind == "not":
        t, f = combine(formula[1], true, false)
        return f, t
    parts = [combine(p, true, false) for p in formula[1]]
    t, f = parts[0][0].copy(), parts[0][1].copy()
    for pt, pf in parts[1:]:
        if kind == "and":
            t &= pt
            f |= pf
        else:
            t |= pt
            f &= pf
    return t, f
