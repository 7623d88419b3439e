"""A columnar library as the platform holds it: one array per field and a mask of known values."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Table:
    """Rows are entities. ``known[name]`` is False where the library has no value (unknown).

    A field absent from ``known`` is known for every row. Date fields hold days since
    1970-01-01; code fields hold the index of their label in the registry.
    """

    columns: Mapping[str, np.ndarray]
    known: Mapping[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        sizes = {len(v) for v in self.columns.values()} | {len(v) for v in self.known.values()}
        if len(sizes) > 1:
            raise ValueError(f"columns differ in length: {sorted(sizes)}")

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()))) if self.columns else 0

    def known_mask(self, name: str) -> np.ndarray:
        """Where a field is known (all rows, when the table has no mask for it)."""
        mask = self.known.get(name)
        return np.ones(len(self), dtype=bool) if mask is None else mask

    def slice(self, start: int, stop: int) -> Table:
        """Rows start..stop-1, as views (no copy)."""
        return Table(
            {k: v[start:stop] for k, v in self.columns.items()},
            {k: v[start:stop] for k, v in self.known.items()},
        )

    def take(self, rows: np.ndarray, fields: Collection[str] | None = None) -> Table:
        """The given rows, copied, in the given order; only ``fields``, when given."""
        keep = self.columns.keys() if fields is None else set(fields) & self.columns.keys()
        return Table(
            {k: self.columns[k][rows] for k in keep},
            {k: v[rows] for k, v in self.known.items() if k in keep},
        )
