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
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

RUNS, TIMING, FAILED, COMPACT = "runs", "timing", "failed", "results.parquet"


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
    timing = out / TIMING / f"{row['run']}.json"
    timing.parent.mkdir(parents=True, exist_ok=True)
    timing.write_text(json.dumps({"wall_s": wall_s}), encoding="utf-8")


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
    path = out / FAILED / f"{run}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"run": run, "attempts": attempts, "error": error}, indent=1))


def done(out: Path) -> set[str]:
    """Runs already in the store, as files or compacted."""
    found = {p.stem for p in (out / RUNS).glob("*.parquet")}
    if (out / COMPACT).exists():
        found |= set(pq.read_table(out / COMPACT, columns=["run"])["run"].to_pylist())
    return found


def read(out: Path) -> pa.Table:
    """Every run's row, sorted by run key."""
    parts = [pq.read_table(p) for p in sorted((out / RUNS).glob("*.parquet"))]
    if (out / COMPACT).exists():
        parts.append(pq.read_table(out / COMPACT))
    if not parts:
        raise FileNotFoundError(f"{out} holds no runs")
    table = pa.concat_tables(parts, promote_options="default")
    return table.sort_by("run")


def compact(out: Path) -> Path:
    """Fold the per-run files into one ``results.parquet`` (sorted by run), then remove them."""
    table = read(out)
    tmp = out / f"{COMPACT}.tmp"
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, out / COMPACT)
    for p in (out / RUNS).glob("*.parquet"):
        p.unlink()
    return out / COMPACT


def query_results(out: Path, sql: str):
    """SQL over a sweep's store, as a DataFrame (the public name of ``query``)."""
    return query(out, sql)


def query(out: Path, sql: str):
    """Run SQL over the store's ``runs`` table (and ``failed``), returning a DataFrame. The
    connection cannot read or write any file: the tables are handed to it, then external
    access is switched off and the configuration locked."""
    con = duckdb.connect(":memory:")
    runs = read(out)
    con.register("runs", runs)
    failures = [json.loads(p.read_text()) for p in sorted((out / FAILED).glob("*.json"))]
    fails = (
        pa.Table.from_pylist(failures) if failures else pa.table({"run": pa.array([], pa.string())})
    )
    con.register("failed", fails)
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con.execute(sql).fetch_df()
