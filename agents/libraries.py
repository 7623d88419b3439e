"""The platform's libraries: what departments have shared about truth, with gaps and lag."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class DataQuality:
    """Per-cell chance that a value is unknown or stale, and the mean days until it is corrected."""

    missing: float
    stale: float
    update_lag_days: float


class Library:
    """A copy of truth per field, where some cells are unknown and some hold an outdated value.

    A stale cell holds a value copied from another entity: plausible but wrong. Each day every
    unknown or stale cell is corrected with probability 1 - exp(-1 / update_lag_days). Each
    field has the quality of the department that shares it.
    """

    def __init__(
        self,
        truth: Mapping[str, np.ndarray],
        quality: DataQuality | Mapping[str, DataQuality],
        *,
        rng: np.random.Generator,
        registered: np.ndarray | None = None,
    ) -> None:
        """``quality`` is one for every field, or one per field (each field's source);
        ``registered`` marks the rows the platform has records of (default: all)."""
        self.quality = {
            k: quality if isinstance(quality, DataQuality) else quality[k] for k in truth
        }
        self.values: dict[str, np.ndarray] = {}
        self.known: dict[str, np.ndarray] = {}
        n_rows = len(next(iter(truth.values()))) if truth else 0
        # rows the platform has a record of; others (not yet born, arrived or founded) it lacks
        self.registered = np.ones(n_rows, bool) if registered is None else registered.copy()
        for name, column in truth.items():
            n, q = len(column), self.quality[name]
            stale = rng.random(n) < q.stale
            value = column.copy()
            value[stale] = column[rng.integers(0, n, size=int(stale.sum()))]
            self.values[name] = value
            self.known[name] = (rng.random(n) >= q.missing) & self.registered

    def refresh(
        self,
        truth: Mapping[str, np.ndarray],
        days: float,
        *,
        rng: np.random.Generator,
        exists: np.ndarray | None = None,
        registration_lag_days: float = 7.0,
    ) -> int:
        """Correct cells after ``days`` of data sharing; return how many were corrected.

        Entities that ``exist`` but have no record are registered (with unknown fields) at
        the rate ``1 - exp(-days / registration_lag_days)``; only registered rows are corrected.
        """
        if exists is not None:
            new = exists & ~self.registered
            self.registered |= new & (
                rng.random(len(new)) < -np.expm1(-days / registration_lag_days)
            )
        corrected = 0
        for name, column in truth.items():
            p = 1.0 - np.exp(-days / self.quality[name].update_lag_days)
            wrong = ~self.known[name] | (self.values[name] != column)
            fix = wrong & self.registered & (rng.random(len(column)) < p)
            self.values[name][fix] = column[fix]
            self.known[name][fix] = True
            corrected += int(fix.sum())
        return corrected

    def wrong_cells(self, truth: Mapping[str, np.ndarray]) -> int:
        """Cells that are unknown or differ from truth."""
        return sum(int((~self.known[k] | (self.values[k] != v)).sum()) for k, v in truth.items())
