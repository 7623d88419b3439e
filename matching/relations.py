"""Values over an entity's household as the library records it: ``household.size``,
``household.sum(income)``, ``household.any(disability != "none")``, ``spouse.owns_home`` - and
over a firm's enterprise group the same way: ``group.size``, ``group.sum(employees)``.

A household is the set of rows sharing a ``household`` id (a row whose id is negative is a
household of one; a row whose id is unknown is in none the library knows). Such a value needs
rows other than the entity's own, so the engine computes it once over the whole library -
``relate`` adds it as a column - before the library is cut into blocks or rows are taken; the
node then reads that column like a field.

Three-valued: a sum, a count, a minimum or a maximum is unknown where the entity's household
or any member's value is unknown; ``any`` is true where one member's value is definitely true
(``all`` false where one is definitely false) whatever the others'. The spouse is the
register's head for the spouse and the spouse for the head; for anyone without one,
``spouse.FIELD`` is false (a yes/no field) or undefined (a number or code: false in every
comparison), and unknown where a relation the answer depends on is unknown.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from matching.nodes import Context, Node, Values
from matching.table import Table

HOUSEHOLD, RELATION = "household", "relation"  # the register's fields in the person library
GROUP = "group"  # the enterprise library's field of enterprise groups
OWNERS = {HOUSEHOLD: "households", GROUP: "enterprise groups"}  # NAME.size, NAME.sum(x) ...
HEAD, SPOUSE = "head", "spouse"  # the relation codes a spouse is found by
OVER_MEMBERS = {  # household.NAME(x): the kind x must be, and the kind of the result
    "sum": ("number", "number"),
    "min": ("number", "number"),
    "max": ("number", "number"),
    "count": ("bool", "number"),
    "any": ("bool", "bool"),
    "all": ("bool", "bool"),
}


@dataclass(frozen=True)
class Related(Node):
    """``household.size``, ``household.HOW(x)`` or ``spouse.FIELD``: read from the column
    ``relate`` computed over the whole library."""

    how: str  # "size", a key of OVER_MEMBERS, or "spouse"
    inner: Node | None  # x; the field, for the spouse; None for the size
    kind: str
    codes: tuple[int, int] = (0, 1)  # the codes of head and spouse in the relation field
    by: str = HOUSEHOLD  # the field that groups the rows: household, or group
    text: str = field(default="", compare=False)

    def eval(self, table: Table, ctx: Context) -> Values:
        """The value computed for each row by ``relate``."""
        if self.column not in table.columns:
            raise ValueError(
                f"'{self.text}' reads other rows of the library: pass the whole library through "
                "matching.relate() before cutting it into blocks or rows"
            )
        return table.columns[self.column], table.known_mask(self.column)

    @cached_property
    def column(self) -> str:
        """The name of the column ``relate`` adds: unique to this node's meaning."""
        return f"{self.by}.{self.how}<{self.inner!r}>"

    def fields(self) -> frozenset[str]:
        """The library fields it reads: the register's, and the member values'."""
        own = {self.by, RELATION} if self.how == "spouse" else {self.by}
        inner = self.inner.fields() if self.inner is not None else frozenset()
        return frozenset(own) | inner

    def columns(self) -> frozenset[str]:
        """The column it reads once related."""
        return frozenset((self.column,))

    @property
    def total(self) -> bool:
        """Never: other rows decide whether it is known."""
        return False

    may_be_undefined = True  # a sum of an undefined value, an absent spouse's number

    def over(self, groups: Groups, table: Table, ctx: Context) -> Values:
        """The value for every row of the whole library."""
        if self.how == "size":
            return groups.size()
        value, known = _full(self.inner.eval(table, ctx), len(table))  # type: ignore[union-attr]
        if self.how == "spouse":
            return groups.spouse(value, known, *self.codes, table)
        return groups.over(self.how, value, known)


class Groups:
    """The library's rows grouped by household (or enterprise group, ``by``): ``at[i]`` is
    row i's group, -1 where its household is unknown."""

    def __init__(self, table: Table, by: str = HOUSEHOLD) -> None:
        if by not in table.columns:
            raise ValueError(f"the library has no '{by}' field: it records no {OWNERS[by]}")
        ids = np.asarray(table.columns[by]).astype(np.int64)
        in_one = table.known_mask(by)
        n = len(ids)
        alone = ids < 0  # a household of one: an id of its own, above every real one
        own = (ids.max(initial=-1) + 1) + np.arange(n, dtype=np.int64)
        key = np.where(alone, own, ids)[in_one]
        _, inverse = np.unique(key, return_inverse=True)
        self.at = np.full(n, -1, np.int64)
        self.at[in_one] = inverse
        self.n_groups = int(inverse.max(initial=-1)) + 1
        self.known = in_one

    def _per_group(self, weights: np.ndarray) -> np.ndarray:
        return np.bincount(
            self.at[self.known], weights=weights[self.known], minlength=self.n_groups
        )

    def _spread(self, per_group: np.ndarray, fill) -> np.ndarray:
        """Each row's group's value (``fill`` where its household is unknown)."""
        out = np.full(len(self.at), fill, dtype=per_group.dtype)
        out[self.known] = per_group[self.at[self.known]]
        return out

    def size(self) -> Values:
        """Members per household, known where the row's household is."""
        return self._spread(self._per_group(np.ones(len(self.at))), 0.0), self.known

    def over(self, how: str, value: np.ndarray, known: np.ndarray) -> Values:
        """A sum, minimum, maximum, count, any or all over each row's household."""
        unknown = self._per_group((~known).astype(np.float64)) > 0
        if how in ("any", "all"):
            hit = value if how == "any" else ~value
            decided = self._per_group((hit & known).astype(np.float64)) > 0
            result = decided if how == "any" else ~decided
            return self._spread(result, False), self.known & self._spread(decided | ~unknown, False)
        if how == "count":
            totals = self._per_group((value & known).astype(np.float64))
        elif how == "sum":
            totals = self._per_group(np.where(known, value, 0.0).astype(np.float64))
        else:
            totals = np.full(self.n_groups, np.inf if how == "min" else -np.inf)
            ufunc = np.minimum if how == "min" else np.maximum
            rows = self.known & known
            ufunc.at(totals, self.at[rows], value[rows].astype(np.float64))
        totals = np.where(np.isfinite(totals), totals, np.nan)  # too large: no number
        return self._spread(totals, 0.0), self.known & ~self._spread(unknown, True)

    def spouse(self, value, known, head: int, spouse: int, table: Table) -> Values:
        """The partner's value: the spouse's for the head, the head's for the spouse."""
        relation = np.asarray(table.columns[RELATION])
        own = table.known_mask(RELATION)  # a row's own relation: a child has no spouse
        listed = own & self.known
        firsts = {}
        for code in (head, spouse):
            rows = np.flatnonzero(listed & (relation == code))
            first = np.full(self.n_groups + 1, len(self.at), np.int64)  # and one for "none"
            np.minimum.at(first, self.at[rows], rows)  # two heads in a record: the first
            firsts[code] = first
        unsure = np.r_[self._per_group((self.known & ~own).astype(np.float64)) > 0, True]
        me = np.where(own, relation, -1)
        group = np.where(self.known, self.at, self.n_groups)
        partner = np.where(
            me == head, firsts[spouse][group], np.where(me == spouse, firsts[head][group], -1)
        )
        couple = (me == head) | (me == spouse)
        found = couple & (partner >= 0) & (partner < len(self.at))
        safe = np.where(found, partner, 0)
        # none on the record: sure of it unless the household or a member's relation is unknown
        absent_sure = own & ~found & ~(couple & unsure[group])
        if value.dtype == np.bool_:
            out = np.where(found, value[safe], False)
        else:
            out = np.where(found, value[safe].astype(np.float64), np.nan)
        return out, np.where(found, known[safe], absent_sure)


def relate(table: Table, roots: Iterable[Node], on) -> Table:
    """The table with a column for every related value under ``roots`` it lacks, each
    computed over all its rows (the same table where none is needed)."""
    return with_related(table, related_nodes(roots), on)


def related_nodes(roots: Iterable[Node]) -> tuple[Related, ...]:
    """The related values under ``roots``, each once: a subtree many roots share (the copies
    of one template in a catalogue) is walked once."""
    seen: set[int] = set()
    stack, found = list(roots), {}
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, Related):
            found[node] = None
        stack.extend(node.children())
    return tuple(found)


def with_related(table: Table, nodes: Iterable[Related], on) -> Table:
    """The table with the columns of ``nodes`` it lacks (the same table where none is)."""
    wanted = {n for n in nodes if n.column not in table.columns}
    if not wanted:
        return table
    groups = {by: Groups(table, by) for by in sorted({n.by for n in wanted})}
    ctx = Context(on)
    columns, known = dict(table.columns), dict(table.known)
    for node in sorted(wanted, key=lambda n: n.column):
        columns[node.column], known[node.column] = node.over(groups[node.by], table, ctx)
    return Table(columns, known)


def related(roots: Iterable[Node]) -> bool:
    """Whether any of ``roots`` reads other rows of the library."""
    return bool(related_nodes(roots))


def _full(values: Values, n: int) -> Values:
    value, known = values
    return np.broadcast_to(value, (n,)), np.broadcast_to(known, (n,))
