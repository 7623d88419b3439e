"""The streaming front: newline-delimited JSON or CSV readings into columnar batches.

A reading names its device, its time in seconds and its value::

    {"device": "gas-000017", "ts": 1654041600.0, "value": 3.2}
    device,ts,value
    gas-000017,1654041600.0,3.2

Parsing is pyarrow's (C++, whole chunks at once); a chunk with malformed lines is parsed again
line by line, so that one bad line costs only itself. Device ids become engine indices through
a dictionary of known ids; unknown ids are counted, never guessed.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.json as pa_json

SCHEMA = pa.schema([("device", pa.string()), ("ts", pa.float64()), ("value", pa.float64())])


@dataclass
class Batch:
    """Readings ready for ``AlertEngine.ingest``, and what could not be read."""

    device: np.ndarray  # int64 engine indices
    ts: np.ndarray  # float64 seconds
    value: np.ndarray  # float64
    malformed: int = 0
    unknown_device: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason), first few

    def __len__(self) -> int:
        return len(self.device)


class ReadingParser:
    """Parses chunks of readings for a fixed set of device ids (their order = engine index)."""

    MAX_ERRORS = 20

    def __init__(self, device_ids: Sequence[str], *, use_threads: bool = False) -> None:
        self.ids = pa.array([str(d) for d in device_ids], pa.string())
        self.use_threads = use_threads  # one core by default: a service runs one parser per core

    def ndjson(self, chunk: bytes) -> Batch:
        """Readings from newline-delimited JSON, bad lines counted and located."""
        try:
            table = pa_json.read_json(
                io.BytesIO(chunk),
                read_options=pa_json.ReadOptions(use_threads=self.use_threads),
                parse_options=pa_json.ParseOptions(explicit_schema=SCHEMA),
            )
            return self._batch(table)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            return self._line_by_line(chunk, _json_line)

    def csv(self, chunk: bytes) -> Batch:
        """CSV with a header row ``device,ts,value``."""
        try:
            table = pa_csv.read_csv(
                io.BytesIO(chunk),
                read_options=pa_csv.ReadOptions(use_threads=self.use_threads),
                convert_options=pa_csv.ConvertOptions(column_types=SCHEMA),
            )
            return self._batch(table.select(["device", "ts", "value"]))
        except (pa.ArrowInvalid, pa.ArrowTypeError, KeyError):
            lines = chunk.split(b"\n")
            return self._line_by_line(b"\n".join(lines[1:]), _csv_line, first_line=2)

    def _batch(self, table: pa.Table, malformed: int = 0, errors=None) -> Batch:
        index = pc.index_in(table["device"], value_set=self.ids)
        known = pc.is_valid(index).to_numpy(zero_copy_only=False)
        device = pc.fill_null(index, -1).to_numpy(zero_copy_only=False)
        ts = pc.fill_null(table["ts"], np.nan).to_numpy(zero_copy_only=False)
        value = pc.fill_null(table["value"], np.nan).to_numpy(zero_copy_only=False)
        ok = known & ~np.isnan(ts)
        return Batch(
            device=np.asarray(device[ok], dtype=np.int64),
            ts=ts[ok],
            value=value[ok],
            malformed=malformed + int((known & np.isnan(ts)).sum()),
            unknown_device=int((~known).sum()),
            errors=errors or [],
        )

    def _line_by_line(self, chunk: bytes, read, first_line: int = 1) -> Batch:
        rows, errors, bad = [], [], 0
        for number, line in enumerate(chunk.split(b"\n"), start=first_line):
            if not line.strip():
                continue
            try:
                rows.append(read(line))
            except (ValueError, KeyError, TypeError) as exc:
                bad += 1
                if len(errors) < self.MAX_ERRORS:
                    errors.append((number, str(exc)[:120]))
        table = pa.table(
            {k: [r[i] for r in rows] for i, k in enumerate(SCHEMA.names)}, schema=SCHEMA
        )
        return self._batch(table, malformed=bad, errors=errors)


def _json_line(line: bytes) -> tuple[str, float, float]:
    obj = json.loads(line)
    if not isinstance(obj, dict):
        raise ValueError("a reading must be a JSON object")
    return str(obj["device"]), _number(obj["ts"], "ts"), _number(obj["value"], "value")


def _csv_line(line: bytes) -> tuple[str, float, float]:
    parts = line.decode("utf-8").strip().split(",")
    if len(parts) != 3:
        raise ValueError(f"expected 3 fields (device,ts,value), found {len(parts)}")
    return parts[0], _number(parts[1], "ts"), _number(parts[2], "value")


def _number(x: object, name: str) -> float:
    if isinstance(x, bool) or x is None:
        raise ValueError(f"{name} must be a number")
    return float(x)  # type: ignore[arg-type]
