"""Household values for truth (``household.size``, ``household.sum(x)``, ``spouse.FIELD``),
written from docs/policy-language.md apart from the engine's: members are found by sorting the
register ids and reducing over runs of equal ids, where the engine counts with bincount.

Semantics as documented: a negative id is a household of one; a value over a household is
unknown where the household or a member's value is (``any`` true on one true member, ``all``
false on one false); no spouse reads false for yes/no and undefined (NaN) for numbers.
"""

from __future__ import annotations

import numpy as np

REDUCE = {"sum": np.add, "min": np.minimum, "max": np.maximum, "count": np.add}


class Register:
    """Rows in runs of one household each: ``order`` sorts rows by household, ``starts``
    opens each run, ``group[i]`` is row i's run (-1 where its household is unknown)."""

    def __init__(self, ids: np.ndarray, known) -> None:
        n = len(ids)
        self.known = np.broadcast_to(np.asarray(known, bool), (n,))
        rows = np.arange(n)
        key = np.where(ids >= 0, ids.astype(np.int64), -1 - rows)  # alone: a key of its own
        listed = rows[self.known]
        self.order = listed[np.argsort(key[listed], kind="stable")]
        sorted_key = key[self.order]
        opens = np.r_[True, sorted_key[1:] != sorted_key[:-1]][: len(sorted_key)]
        self.starts = np.flatnonzero(opens)
        self.group = np.full(n, -1, np.int64)
        self.group[self.order] = np.cumsum(opens) - 1

    def _reduce(self, ufunc, values: np.ndarray) -> np.ndarray:
        if not len(self.order):
            return np.zeros(0, values.dtype)
        return ufunc.reduceat(values[self.order], self.starts)

    def _back(self, per_group: np.ndarray, fill) -> np.ndarray:
        out = np.full(len(self.group), fill, per_group.dtype)
        mine = self.group >= 0
        out[mine] = per_group[self.group[mine]]
        return out

    def size(self) -> tuple[np.ndarray, np.ndarray]:
        ones = np.ones(len(self.group), np.int64)
        return self._back(self._reduce(np.add, ones), 0).astype(float), self.known

    def over(self, how: str, value: np.ndarray, known: np.ndarray):
        """A member aggregate, three-valued, for every row."""
        known = np.broadcast_to(np.asarray(known, bool), value.shape)
        some_unknown = self._back(self._reduce(np.logical_or, ~known), True)
        if how in ("any", "all"):
            hit = value.astype(bool) if how == "any" else ~value.astype(bool)
            decided = self._back(self._reduce(np.logical_or, hit & known), False)
            result = decided if how == "any" else ~decided
            return result, self.known & (decided | ~some_unknown)
        x = (value.astype(bool) & known) if how == "count" else np.where(known, value, 0.0)
        with np.errstate(all="ignore"):
            total = self._back(self._reduce(REDUCE[how], x.astype(float)), 0.0)
        return np.where(np.isfinite(total), total, np.nan), self.known & ~some_unknown

    def spouse(self, value: np.ndarray, known, relation: np.ndarray, rel_known, codes):
        """The head's spouse's value for the head, the head's for the spouse; none for the
        rest (false, or NaN) - unknown where a relation that decides it is unknown."""
        head, spouse = codes
        n = len(self.group)
        own = np.broadcast_to(np.asarray(rel_known, bool), (n,))  # a child has no spouse
        known = np.broadcast_to(np.asarray(known, bool), (n,))
        first = {}
        for code in (head, spouse):
            rows = np.flatnonzero(own & self.known & (relation == code))[::-1]
            at = np.full(len(self.starts), -1, np.int64)
            at[self.group[rows]] = rows  # written last to first: the lowest row stays
            first[code] = at
        unsure = self._back(self._reduce(np.logical_or, self.known & ~own), True)
        g = np.where(self.group >= 0, self.group, 0)
        partner = np.full(n, -1, np.int64)
        is_head = own & (relation == head)
        is_spouse = own & (relation == spouse)
        if len(self.starts):
            partner = np.where(is_head, first[spouse][g], np.where(is_spouse, first[head][g], -1))
            partner = np.where(self.group >= 0, partner, -1)
        found = partner >= 0
        at = np.where(found, partner, 0)
        couple = is_head | is_spouse
        sure_none = own & ~found & ~(couple & unsure)
        known_out = np.where(found, known[at], sure_none)
        if value.dtype == bool:
            return np.where(found, value[at], False), known_out
        return np.where(found, value[at].astype(float), np.nan), known_out
