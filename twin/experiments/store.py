"""The results store of a sweep: one Parquet file per run, written whole or not at all.

``DIR/runs/<run>.parquet`` holds one row - the run's key, parameters, seed, scenario hash, code
version and outputs - and nothing that varies between machines, so a sweep resumed after a kill,
or run on more workers, ends byte-identical. Wall times go to ``DIR/timing/<run>.json``; runs
that failed for good to ``DIR/failed/<run>.json``. Queries go through DuckDB with external
access switched off: SQL sees the store's tables and nothing else.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from twin.core.atomic import write_text_atomic

RUNS, TIMING, FAILED, COMPACT = "runs", "timing", "failed", "results.parquet"
QUERY_SECONDS = 60.0  # a query's time budget


def run_path(out: Path, run: str) -> Path:
    return out / RUNS / f"{run}.parquet"


def write_run(out: Path, row: Mapping[str, Any], wall_s: float) -> None:
    """Write one run's row atomically: to a temporary name, then renamed into place."""
    path = run_path(out, str(row["run"]))
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pylist([dict(row)])
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)
    write_text_atomic(out / TIMING / f"{row['run']}.json", json.dumps({"wall_s": wall_s}))


def remove_stale(out: Path) -> int:
    """Delete temporary files left by writers that died (a killed sweep): a run whose file was
    not renamed into place is not in the store and will run again."""
    removed = 0
    for tmp in (out / RUNS).glob("*.tmp*"):
        pid = tmp.suffix.removeprefix(".tmp")
        if pid.isdigit() and int(pid) != os.getpid() and _alive(int(pid)):
            continue  # another sweep is writing it now
        tmp.unlink(missing_ok=True)
        removed += 1
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def write_failure(out: Path, run: str, error: str, attempts: int) -> None:
    text = json.dumps({"run": run, "attempts": attempts, "error": error}, indent=1)
    write_text_atomic(out / FAILED / f"{run}.json", text)


def done(out: Path) -> set[str]:
    """Runs already in the store, as files or compacted (a damaged file is not done: it runs
    again)."""
    found = set()
    for path in (out / RUNS).glob("*.parquet"):
        try:
            pq.read_metadata(path)  # its footer: cheap, and absent from a damaged file
        except (OSError, pa.ArrowException):
            continue
        found.add(path.stem)
    if (out / COMPACT).exists():
        found |= set(pq.read_table(out / COMPACT, columns=["run"])["run"].to_pylist())
    return found


def read(out: Path) -> pa.Table:
    """Every run's row, once each, sorted by run key; damaged files are skipped and named on
    stderr."""
    table, damaged, _ = _read(out)
    if damaged:
        names = ", ".join(str(p.relative_to(out)) for p in damaged)
        print(f"skipped damaged files in {out}: {names} (those runs will run again)",
              file=sys.stderr)  # fmt: skip
    if table.num_rows == 0:
        raise FileNotFoundError(f"{out} holds no runs")
    return table


def _read(out: Path) -> tuple[pa.Table, list[Path], list[Path]]:
    """(the runs, the damaged files, the per-run files read)."""
    parts, damaged, files = [], [], sorted((out / RUNS).glob("*.parquet"))
    sources = ([out / COMPACT] if (out / COMPACT).exists() else []) + files
    for path in sources:
        try:
            part = pq.read_table(path)
        except (OSError, pa.ArrowException):
            damaged.append(path)
            continue
        if "run" in part.column_names:
            parts.append(part)
        else:
            damaged.append(path)
    if not parts:
        return pa.table({"run": pa.array([], pa.string())}), damaged, []
    table = pa.concat_tables(parts, promote_options="default")
    _, first = np.unique(table["run"].to_numpy(zero_copy_only=False), return_index=True)
    table = table.take(np.sort(first))  # a run both compacted and on file counts once
    return table.sort_by("run"), damaged, [f for f in files if f not in damaged]


def compact(out: Path) -> Path:
    """Fold the per-run files into one ``results.parquet`` (sorted by run), then remove the
    files it folded - and only those: runs a sweep writes meanwhile stay on file."""
    table, _, folded = _read(out)
    tmp = out / f"{COMPACT}.tmp{os.getpid()}"
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, out / COMPACT)
    for p in folded:
        p.unlink(missing_ok=True)
    return out / COMPACT


def query_results(out: Path, sql: str):
    """SQL over a sweep's store, as a DataFrame (the public name of ``query``)."""
    return query(out, sql)


def query(out: Path, sql: str, *, seconds: float = QUERY_SECONDS):
    """Run SQL over the store's ``runs`` table (and ``failed``), returning a DataFrame. The
    connection cannot read or write any file: the tables are handed to it, then external
    access is switched off and the configuration locked. A query running longer than
    ``seconds`` is interrupted (TimeoutError)."""
    if not sql.strip():
        raise ValueError("no SQL given")
    con = duckdb.connect(":memory:")
    con.register("runs", read(out))
    con.register("failed", _failures(out))
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    timer = threading.Timer(seconds, con.interrupt)
    timer.start()
    try:
        return con.execute(sql).fetch_df()
    except duckdb.InterruptException:
        raise TimeoutError(f"the query ran longer than its budget of {seconds:g} s") from None
    finally:
        timer.cancel()


def _failures(out: Path) -> pa.Table:
    """The failure records; a damaged one is skipped and named on stderr."""
    rows = []
    for path in sorted((out / FAILED).glob("*.json")):
        try:
            rows.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            print(f"skipped a damaged failure record: {path}", file=sys.stderr)
    return pa.Table.from_pylist(rows) if rows else pa.table({"run": pa.array([], pa.string())})
