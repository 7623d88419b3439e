"""Which rows a dated policy's answer can change for overnight, so that between life events
truth re-reads those alone: an age or a time since moves on its anniversary, and a household's
(or enterprise group's) value moves with its members'. Everything else about a row is as it was
yesterday, so its answer is too (docs/history.md, "Cost").
"""

from __future__ import annotations

import ast
import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np

from matching import PolicySpec
from twin.world.truth import elapsed_moved, parsed_texts

ANNIVERSARY = ("age", "years_since", "months_since")  # move on one day of the year or month


@dataclass(frozen=True)
class DatedInputs:
    """What a dated policy reads that moves with the date: (unit, field) of each elapsed time
    of a plain field, and the registers (household, group) whose members are read together."""

    elapsed: frozenset[tuple[str, str]]
    owners: frozenset[str]


def dated_inputs(spec: PolicySpec) -> DatedInputs | None:
    """The policy's dated inputs; None when its answer can move for any row on any day
    (``today``, ``days_since``, or an elapsed time of anything but a plain field)."""
    elapsed, owners = set(), set()
    for node in (n for text in parsed_texts(spec) for n in ast.walk(text)):
        if isinstance(node, ast.Name) and node.id == "today":
            return None
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            owners.add("household" if node.value.id == "spouse" else node.value.id)
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        if node.func.id == "days_since":
            return None
        if node.func.id in ANNIVERSARY:
            arg = node.args[0]
            if not isinstance(arg, ast.Name):
                return None
            elapsed.add((node.func.id, arg.id))
    return DatedInputs(frozenset(elapsed), frozenset(owners))


def rows_to_read(inputs: DatedInputs, columns: Mapping[str, np.ndarray], on: dt.date) -> np.ndarray:
    """The rows (ascending) whose answer may differ on ``on`` from the day before: an
    anniversary today, and every member of a household or group that holds one."""
    moved = np.zeros(len(next(iter(columns.values()))), bool)
    for unit, field in sorted(inputs.elapsed):
        moved |= elapsed_moved(unit, np.asarray(columns[field]), on)
    return whole(moved, columns, inputs.owners)


def whole(moved: np.ndarray, columns: Mapping[str, np.ndarray], owners) -> np.ndarray:
    """The ``moved`` rows with the rest of their households or groups, until none is split:
    an aggregate over the members is read right only with all of them."""
    while owners:
        before = int(moved.sum())
        for owner in sorted(owners):
            ids = np.asarray(columns[owner])
            shared = ids[moved]
            moved |= np.isin(ids, np.unique(shared[shared >= 0]))  # a negative id: alone
        if int(moved.sum()) == before:
            break
    return np.flatnonzero(moved)


class RowsOf(Mapping):
    """The columns at ``rows`` alone, each taken when first read."""

    def __init__(self, columns: Mapping[str, np.ndarray], rows: np.ndarray) -> None:
        self._columns, self._rows, self._taken = columns, rows, {}

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self._taken:
            self._taken[name] = np.asarray(self._columns[name])[self._rows]
        return self._taken[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._columns)

    def __len__(self) -> int:
        return len(self._columns)
