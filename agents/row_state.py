"""Per-entity state of one policy office, kept only for the entities the office has dealt with.

A catalogue of two thousand policies over a city of millions cannot hold a dense array per
policy and attribute (docs/history.md, "Scale"): an office's audience - the truly eligible,
false claimants, those its library matched or queued - is a small share of the population.
``RowState`` holds one array per attribute over that share, keyed by the sorted entity rows;
an entity never seen reads as the attribute's default.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np


class RowState:
    """Columns over a sorted set of entity rows; rows join on first write, never leave."""

    def __init__(self, size: int, columns: Mapping[str, tuple[type | np.dtype, object]]) -> None:
        self.size = size  # entities in the population: rows run from 0 to size - 1
        self.defaults = {name: default for name, (_, default) in columns.items()}
        self.rows = np.zeros(0, np.int64)
        self.columns = {name: np.zeros(0, dtype) for name, (dtype, _) in columns.items()}

    def __len__(self) -> int:
        return len(self.rows)

    def find(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where each of ``rows`` sits, and whether it is held at all."""
        at = np.searchsorted(self.rows, rows)
        held = at < len(self.rows)
        held[held] = self.rows[at[held]] == np.asarray(rows)[held]
        return at, held

    def add(self, rows: np.ndarray) -> None:
        """Hold ``rows`` (any order, repeats allowed), each attribute at its default."""
        rows = np.asarray(rows, np.int64)
        if len(rows):
            self._add_missing(rows, self.find(rows)[1])

    def _add_missing(self, rows: np.ndarray, held: np.ndarray) -> bool:
        """Hold the rows not ``held``; whether any joined."""
        if held.all():
            return False
        new = np.unique(rows[~held])  # few beside the rows held: insert, do not re-sort
        fresh = np.searchsorted(self.rows, new) + np.arange(len(new))  # where each lands
        kept = np.ones(len(self.rows) + len(new), bool)
        kept[fresh] = False
        kept = np.flatnonzero(kept)  # one placement for every column, as np.insert would
        self.rows = _placed(self.rows, kept, fresh, new)
        for name, column in self.columns.items():
            self.columns[name] = _placed(column, kept, fresh, self.defaults[name])
        return True

    def positions(self, rows: np.ndarray) -> np.ndarray:
        """Where each of ``rows`` sits, for rows known to be held (an error otherwise)."""
        at, held = self.find(rows)
        if not held.all():
            raise KeyError(f"rows not held: {np.asarray(rows)[~held][:5].tolist()}")
        return at

    def get(self, name: str, rows: np.ndarray) -> np.ndarray:
        """The attribute of each of ``rows``; its default for rows not held."""
        rows = np.asarray(rows, np.int64)
        at, held = self.find(rows)
        column = self.columns[name]
        if held.all():
            return column[at]
        out = np.full(len(rows), self.defaults[name], column.dtype)
        out[held] = column[at[held]]
        return out

    def set(self, name: str, rows: np.ndarray, values) -> None:
        """Write the attribute of ``rows`` (held from now on)."""
        rows = np.asarray(rows, np.int64)
        if not len(rows):
            return
        at, held = self.find(rows)
        if self._add_missing(rows, held):
            at = np.searchsorted(self.rows, rows)
        self.columns[name][at] = values

    def one(self, name: str, row: int):
        """The attribute of one entity (a Python scalar)."""
        at = int(np.searchsorted(self.rows, row))
        if at < len(self.rows) and self.rows[at] == row:
            return self.columns[name][at].item()
        return self.defaults[name]

    def put(self, name: str, row: int, value) -> None:
        """Write the attribute of one entity."""
        at = int(np.searchsorted(self.rows, row))
        if at >= len(self.rows) or self.rows[at] != row:
            self.add(np.array([row], np.int64))
        self.columns[name][at] = value

    def rows_where(self, mask: np.ndarray) -> np.ndarray:
        """The held rows where ``mask`` (over the held rows) is true, ascending."""
        return self.rows[mask]

    def dense(self, name: str) -> np.ndarray:
        """The attribute over the whole population (for tests and tables, not the daily loop)."""
        column = self.columns[name]
        out = np.full(self.size, self.defaults[name], column.dtype)
        out[self.rows] = column
        return out


def _placed(column: np.ndarray, kept: np.ndarray, fresh: np.ndarray, value) -> np.ndarray:
    """``column`` at positions ``kept`` of a longer array, ``value`` at positions ``fresh``."""
    out = np.empty(len(kept) + len(fresh), column.dtype)
    out[kept] = column
    out[fresh] = value
    return out
