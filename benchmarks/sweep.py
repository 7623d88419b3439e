"""Sweep overhead: many short runs on 2 local worker processes and on a Dask LocalCluster of 2,
against the ideal (the runs' own wall times summed, divided by the workers), measured in the
same run; and the cost of storing one run's results.

Figures: ``sweep_overhead_pct`` and ``dask_overhead_pct`` (target <= 10%), ``store_ms_per_run``
(target <= 5 ms).
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path = [p for p in sys.path if Path(p or ".").resolve() != HERE]

from twin.bench.convention import Figure, parse_args, report  # noqa: E402
from twin.experiments import store  # noqa: E402
from twin.experiments.sweep import run_sweep  # noqa: E402
from twin.experiments.sweep_file import SweepFile  # noqa: E402

WORKERS = 2


def spec(runs: int) -> SweepFile:
    """One design point, ``runs`` replications of a one-day run of a tiny city."""
    return SweepFile.model_validate(
        {
            "name": "overhead",
            "scenario": str(HERE.parent / "scenarios/skeleton.yaml"),
            "base": {
                "city.scale": 0.0002,
                "duration": "1d",
                "sensing.enabled": False,
                "life.enabled": False,
            },
            "seed": 5,
            "replications": runs,
            "design": {"kind": "list", "points": [{}]},
            "outputs": ["coverage", "paid"],
        }
    )


def overhead(runs: int, **where) -> tuple[float, float, float]:
    """(elapsed, ideal, mean run) seconds for a sweep of ``runs`` runs."""
    out = Path(tempfile.mkdtemp(prefix="sweep-bench-"))
    try:
        start = time.perf_counter()
        run_sweep(spec(runs), out, **where)
        elapsed = time.perf_counter() - start
        walls = [json.loads(p.read_text())["wall_s"] for p in (out / "timing").glob("*.json")]
        return elapsed, sum(walls) / WORKERS, sum(walls) / len(walls)
    finally:
        shutil.rmtree(out, ignore_errors=True)


def store_ms(n: int) -> float:
    out = Path(tempfile.mkdtemp(prefix="store-bench-"))
    try:
        row = {"run": "", "point": 0, "replication": 0, "seed": 1, "scenario_hash": "0" * 16,
               "code_version": "0", "param:x": 0.5, "coverage": 0.9, "paid": 12.0}  # fmt: skip
        start = time.perf_counter()
        for i in range(n):
            store.write_run(out, {**row, "run": f"p0-r{i:05d}", "replication": i}, 0.1)
        return (time.perf_counter() - start) / n * 1e3
    finally:
        shutil.rmtree(out, ignore_errors=True)


def main() -> None:
    args = parse_args(__doc__)
    runs = 2_000 if not args.quick else 40
    local, ideal, mean_run = overhead(runs, jobs=WORKERS)
    dask, dask_ideal, _ = overhead(runs, dask=WORKERS)
    report(
        [
            Figure("sweep_overhead_pct", (local / ideal - 1) * 100, "%"),
            Figure("sweep_s", local, "s", ideal, ideal / local),
            Figure("dask_overhead_pct", (dask / dask_ideal - 1) * 100, "%"),
            Figure("dask_s", dask, "s", dask_ideal, dask_ideal / dask),
            Figure("run_ms", mean_run * 1e3, "ms"),
            Figure("store_ms_per_run", store_ms(200 if not args.quick else 50), "ms"),
            Figure("runs", float(runs), "count"),
        ],
        args.json,
    )


if __name__ == "__main__":
    main()
