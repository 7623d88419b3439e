"""An append-only log of events of one kind, kept by column and turned into an Arrow table."""

from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa


class EventLog:
    """Rows appended one at a time by processes; read out once as a typed Arrow table."""

    def __init__(self, schema: Mapping[str, pa.DataType]) -> None:
        self.schema = pa.schema(list(schema.items()))
        self._columns: dict[str, list] = {name: [] for name in schema}

    def append(self, **row: object) -> None:
        if row.keys() != self._columns.keys():
            raise KeyError(f"row keys {sorted(row)} differ from {sorted(self._columns)}")
        for name, value in row.items():
            self._columns[name].append(value)

    def extend(self, **columns: object) -> None:
        """Append many rows at once, one sequence (or array) per column."""
        if columns.keys() != self._columns.keys():
            raise KeyError(f"columns {sorted(columns)} differ from {sorted(self._columns)}")
        for name, values in columns.items():
            self._columns[name].extend(values.tolist() if hasattr(values, "tolist") else values)

    def __len__(self) -> int:
        return len(next(iter(self._columns.values()), []))

    def to_arrow(self) -> pa.Table:
        return pa.table(self._columns, schema=self.schema)
