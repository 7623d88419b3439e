"""All policies in force on a date, compiled into one catalogue of distinct conditions.

Each distinct condition is evaluated once over the library, in row blocks, into packed bitmaps
of rows where it is definitely true (T) and definitely false (F). A policy is a formula over
conditions, combined bitwise with Kleene logic: for ``a and b``, T = Ta & Tb and
F = Fa | Fb; for ``or`` the reverse; ``not`` swaps T and F. Rows in neither are unknown.
"""

from __future__ import annotations

import mmap
import multiprocessing as mp
import threading
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from matching import bitmaps
from matching.formulas import Formula, combine_into, formula_of
from matching.nodes import Context, Node
from matching.policy import BoundPolicy
from matching.relations import Related, relate, related_nodes, with_related
from matching.table import Table

DEFAULT_BLOCK_ROWS = 1 << 20  # rows per block: a multiple of 64; fewer, longer numpy calls


@dataclass
class LeafBits:
    """T and F bitmaps of every leaf, over a whole table: (n_leaves, n_words) each."""

    true: np.ndarray
    false: np.ndarray

    def slice(self, words: slice) -> LeafBits:
        """The same bitmaps over a range of words (views, no copy)."""
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
        self.meta = leaf_meta(self.leaves)

    @cached_property
    def _leaf_related(self) -> tuple[Related, ...]:
        return related_nodes(self.leaves)

    @cached_property
    def related(self) -> tuple[Related, ...]:
        """The household values its conditions, amounts and stop rules read, found once: the
        engine adds them to the library every day the catalogue stands."""
        roots = (n for b in self.policies for n in (b.eligible, b.amount, b.stop))
        return related_nodes(n for n in roots if n is not None)

    @property
    def policy_ids(self) -> list[str]:
        """The catalogue's policies, in the order of its bitmaps."""
        return [p.id for p in self.policies]

    def match(
        self,
        table: Table,
        *,
        keep_leaves: bool = True,
        keep_bitmaps: bool = True,
        block_rows: int | None = None,
        workers: int = 1,
    ) -> MatchSet:
        """Three-valued eligibility of every policy over every row: counts, and bitmaps.

        ``keep_leaves`` keeps the conditions' bitmaps, so that drafts and explanations reuse
        them. ``keep_bitmaps=False`` streams: only counts are kept, in little memory.
        ``workers > 1`` shares the row blocks among forked processes. ``block_rows``: rows
        per block (a multiple of 64); by default long blocks, but at least one per worker.
        """
        table = with_related(table, self._leaf_related, self.on)  # over the whole table
        block_rows = block_rows or _block_rows(len(table), workers)
        n_words = bitmaps.words_for(len(table))
        parallel = workers > 1 and len(table) > block_rows and _can_fork()
        alloc = _shared_zeros if parallel else _zeros
        shape = (len(self.policies), n_words)
        job = _MatchJob(
            self,
            table,
            block_rows,
            eligible=alloc(shape) if keep_bitmaps else None,
            review=alloc(shape) if keep_bitmaps else None,
            kept=LeafBits(alloc((len(self.leaves), n_words)), alloc((len(self.leaves), n_words)))
            if keep_leaves
            else None,
            all_rows=bitmaps.tail_mask(len(table), n_words),
        )
        starts = list(range(0, len(table), block_rows))
        if block_rows % bitmaps.WORD:
            raise ValueError(f"block_rows must be a multiple of {bitmaps.WORD}")
        counts = _run_forked(job, starts, workers) if parallel else [job.run(s) for s in starts]
        totals = np.sum(counts, axis=0) if counts else np.zeros((2, len(self.policies)), np.int64)
        return MatchSet(
            self.policy_ids, len(table), job.eligible, job.review, job.kept, totals[0], totals[1]
        )

    def _empty_bits(self, n_words: int) -> LeafBits:
        shape = (len(self.leaves), n_words)
        return LeafBits(np.zeros(shape, np.uint64), np.zeros(shape, np.uint64))


@dataclass(frozen=True)
class ConditionTable:
    """Every policy's top-level conditions, flat: for explanations by vectorized lookup."""

    policy: np.ndarray  # int, position of the policy
    leaf: np.ndarray  # int, the condition's leaf (or negated leaf), -1 when it combines several
    negate: np.ndarray  # bool, the condition is 'not leaf'
    formula: list[Formula]
    text: list[str]
    article: list[str]


def _condition_table(policies, index, leaves) -> ConditionTable:
    policy, leaf, negate, formulas, texts, articles = [], [], [], [], [], []
    for i, p in enumerate(policies):
        for text, article, node in p.conditions:
            formula = formula_of(node, index, leaves)
            inner = formula[1] if formula[0] == "not" else formula
            simple = inner[0] == "leaf"
            policy.append(i)
            leaf.append(inner[1] if simple else -1)
            negate.append(simple and formula[0] == "not")
            formulas.append(formula)
            texts.append(text)
            articles.append(article)
    return ConditionTable(
        np.array(policy, int),
        np.array(leaf, int),
        np.array(negate, bool),
        formulas,
        texts,
        articles,
    )


@dataclass
class _MatchJob:
    """Everything one row block needs; forked workers inherit it."""

    catalogue: Catalogue
    table: Table
    block_rows: int
    eligible: np.ndarray | None
    review: np.ndarray | None
    kept: LeafBits | None
    all_rows: np.ndarray

    def run(self, start: int) -> np.ndarray:
        """Evaluate one block; write its bitmaps; return (eligible, review) counts per policy."""
        cat, n = self.catalogue, len(self.table)
        stop = min(start + self.block_rows, n)
        w = slice(start // bitmaps.WORD, bitmaps.words_for(stop))
        width = w.stop - w.start
        bits = self.kept.slice(w) if self.kept is not None else cat._empty_bits(width)
        sub = self.table.slice(start, stop)
        _evaluate_leaves(cat.leaves, sub, Context(cat.on), bits.true, bits.false, cat.meta)
        rows = self.all_rows[w]
        counts = np.zeros((2, len(cat.formulas)), np.int64)
        # Streaming: each policy's bitmaps live in one scratch pair until they are counted.
        scratch = np.empty((2, width), np.uint64)
        for i, formula in enumerate(cat.formulas):
            t = self.eligible[i, w] if self.eligible is not None else scratch[0]
            r = self.review[i, w] if self.review is not None else scratch[1]
            combine_into(formula, bits.true, bits.false, t, r)
            np.bitwise_or(t, r, out=r)
            np.bitwise_xor(rows, r, out=r)  # rows neither true nor false
            counts[0, i], counts[1, i] = bitmaps.count(t), bitmaps.count(r)  # while in cache
        return counts


def _block_rows(n_rows: int, workers: int) -> int:
    """Long blocks mean few numpy calls; several workers need a block each (of 64K rows at
    least, below which forking costs more than it saves)."""
    if workers <= 1:
        return DEFAULT_BLOCK_ROWS
    share = bitmaps.words_for(-(-n_rows // workers)) * bitmaps.WORD
    return max(1 << 16, min(DEFAULT_BLOCK_ROWS, share))


_FORKED_JOB: _MatchJob | None = None


def _can_fork() -> bool:
    """Forking is safe only from a process with no other Python threads running."""
    return "fork" in mp.get_all_start_methods() and threading.active_count() == 1


def _run_forked(job: _MatchJob, starts: list[int], workers: int) -> list[np.ndarray]:
    """Blocks shared among forked processes; bitmaps land in memory shared with them."""
    global _FORKED_JOB
    _FORKED_JOB = job
    try:
        with warnings.catch_warnings():
            # Native threads of the BLAS library hold no Python locks; Python threads are
            # ruled out by _can_fork, so the fork is safe.
            warnings.filterwarnings(
                "ignore", "This process .* is multi-threaded", DeprecationWarning
            )
            with mp.get_context("fork").Pool(workers) as pool:
                return pool.map(_run_forked_block, starts, chunksize=1)
    finally:
        _FORKED_JOB = None


def _run_forked_block(start: int) -> np.ndarray:
    assert _FORKED_JOB is not None
    return _FORKED_JOB.run(start)


def _zeros(shape: tuple[int, int]) -> np.ndarray:
    return np.zeros(shape, np.uint64)


def _shared_zeros(shape: tuple[int, int]) -> np.ndarray:
    """A zeroed uint64 array in anonymous shared memory, visible to forked children."""
    n = int(np.prod(shape)) * 8
    buffer = mmap.mmap(-1, max(n, 8))
    return np.frombuffer(buffer, dtype=np.uint64, count=int(np.prod(shape))).reshape(shape)


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
    eligible: np.ndarray | None  # (n_policies, n_words) uint64, None when streamed
    review: np.ndarray | None  # (n_policies, n_words) uint64
    leaves: LeafBits | None
    eligible_counts: np.ndarray  # (n_policies,) int64
    review_counts: np.ndarray

    def __post_init__(self) -> None:
        self._at = {pid: i for i, pid in enumerate(self.policy_ids)}

    def position(self, policy_id: str) -> int:
        """The row of a policy in the bitmaps."""
        if policy_id not in self._at:
            raise ValueError(f"{policy_id!r} is not in this match")
        return self._at[policy_id]

    def eligible_mask(self, policy_id: str) -> np.ndarray:
        """Rows definitely eligible for the policy, as booleans."""
        return bitmaps.unpack(self._bitmaps(self.eligible)[self.position(policy_id)], self.n_rows)

    def review_mask(self, policy_id: str) -> np.ndarray:
        """Rows whose eligibility is unknown for lack of data (needs review)."""
        return bitmaps.unpack(self._bitmaps(self.review)[self.position(policy_id)], self.n_rows)

    def _bitmaps(self, which: np.ndarray | None) -> np.ndarray:
        if which is None:
            raise ValueError("this match kept counts only; match with keep_bitmaps=True for rows")
        return which

    def eligible_rows(self, policy_id: str) -> np.ndarray:
        """Indices of the rows definitely eligible for the policy."""
        return np.flatnonzero(self.eligible_mask(policy_id))


def leaf_bits(
    leaves: Sequence[Node],
    table: Table,
    on,
    *,
    block_rows: int = DEFAULT_BLOCK_ROWS,
    workers: int = 1,
) -> LeafBits:
    """T and F bitmaps of the given conditions over every row of the table."""
    table = relate(table, leaves, on)
    n_words = bitmaps.words_for(len(table))
    bits = LeafBits(*(np.zeros((len(leaves), n_words), np.uint64) for _ in range(2)))

    def block(start: int) -> None:
        stop = min(start + block_rows, len(table))
        part = bits.slice(slice(start // bitmaps.WORD, bitmaps.words_for(stop)))
        _evaluate_leaves(leaves, table.slice(start, stop), Context(on), part.true, part.false)

    _blocks(block, len(table), block_rows, workers)
    return bits


def leaf_meta(leaves: Sequence[Node]) -> list[tuple[bool, tuple[str, ...]]]:
    """For each leaf: is it known exactly where its fields are known, and which fields."""
    return [(leaf.total, tuple(sorted(leaf.fields()))) for leaf in leaves]


def _evaluate_leaves(leaves, table: Table, ctx: Context, true, false, meta=None) -> None:
    """Fill T/F bitmaps of each leaf over one block of rows."""
    n, n_words = len(table), true.shape[1]
    meta = meta or leaf_meta(leaves)
    known_cache: dict[str, np.ndarray] = {}

    def field_known(name: str) -> np.ndarray:
        if name not in known_cache:
            mask = table.known.get(name)
            known_cache[name] = (
                bitmaps.tail_mask(n, n_words) if mask is None else bitmaps.pack(mask, n_words)
            )
        return known_cache[name]

    for i, (leaf, (total, fields)) in enumerate(zip(leaves, meta, strict=True)):
        value, known = leaf.eval(table, ctx)
        if np.ndim(value) == 0:
            value = np.broadcast_to(value, (n,))
        if total and fields:
            k = field_known(fields[0])
            for name in fields[1:]:
                k = k & field_known(name)
        else:
            k = bitmaps.pack(np.broadcast_to(known, (n,)), n_words)
        np.bitwise_and(bitmaps.pack(value, n_words), k, out=true[i])
        np.bitwise_xor(k, true[i], out=false[i])  # known and not true
