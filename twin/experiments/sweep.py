"""Run a sweep: plan its runs, skip those already stored, execute the rest on a local process
pool or a Dask cluster in batches, retry failures, store each result as it lands.

A run is one design point at one replication. Its key ``p<point>-r<replication>`` and its seed
(``designs.run_seed``) depend only on the sweep file, so the store's content does not depend
on how many workers ran it or in which order.
"""

from __future__ import annotations

import hashlib
import json
import time
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from datafiles import Problem, UserError
from twin.core.atomic import write_text_atomic
from twin.experiments import store
from twin.experiments.designs import points, run_seed
from twin.experiments.sweep_file import SweepFile


@dataclass(frozen=True)
class Run:
    """One run to do: its key, where it sits in the design, and everything it needs."""

    key: str
    point: int
    replication: int
    seed: int
    overrides: dict[str, Any]


def plan(spec: SweepFile) -> list[Run]:
    """Every run of the sweep, in order; a point's values are checked against the scenario
    schema first, so a bad range fails before anything runs."""
    pts = points(spec)
    if not pts:
        raise UserError.one("the design has no points", key="design", hint="check its parameters")
    _check_values(spec, pts)
    width = len(str(len(pts) - 1))
    runs = []
    for i, values in enumerate(pts):
        for r in range(spec.replications):
            # a listed point may carry its own seed (a calibration's runs each have one)
            seed = run_seed(int(values.get("seed", spec.seed)), r)
            overrides = {**spec.base, **values, "seed": seed}
            runs.append(Run(f"p{i:0{width}d}-r{r:03d}", i, r, seed, overrides))
    return runs


def _check_values(spec: SweepFile, pts: list[dict[str, Any]]) -> None:
    from twin.runs.compare import with_overrides
    from twin.scenario.loader import load_scenario

    base = load_scenario(spec.scenario, spec.base)
    extremes = {}
    for k, p in spec.parameters.items():
        extremes[k] = list(p.levels) if p.levels is not None else list(p.range)
    for p in pts:
        for k, v in p.items():
            extremes.setdefault(k, []).append(v)
    problems = []
    for k, values in extremes.items():
        for v in {json.dumps(x, sort_keys=True, default=str): x for x in values}.values():
            try:
                with_overrides(base, {k: v}, "sweep")
            except UserError as exc:
                p = exc.problems[0]
                problems.append(
                    Problem(
                        f"parameter '{k}' cannot take {v!r}: {p.message}",
                        key=f"parameters.{k}",
                        expected=p.expected,
                        found=repr(v),
                    )
                )
                break
    if problems:
        raise UserError(problems)


def scenario_hash(spec: SweepFile) -> str:
    from twin.scenario.loader import load_scenario

    resolved = load_scenario(spec.scenario, spec.base).to_json_dict()
    for key in ("seed",):
        resolved.pop(key, None)
    return hashlib.sha256(json.dumps(resolved, sort_keys=True).encode()).hexdigest()[:16]


# -- one run, in a worker ------------------------------------------------------------------


def execute(scenario: str, outputs: list[str], runs: list[tuple[str, dict]]) -> list[tuple]:
    """Run a batch in this process; per run (key, row or None, error or None, wall seconds)."""
    import twin
    from twin.scenario.loader import load_scenario

    out = []
    for key, overrides in runs:
        start = time.perf_counter()
        try:
            result = twin.run(load_scenario(scenario, overrides))
            row = {o: _value(result, o) for o in outputs}
            out.append((key, row, None, time.perf_counter() - start))
        except Exception:
            out.append((key, None, traceback.format_exc(limit=8), time.perf_counter() - start))
    return out


def _value(result, name: str) -> float | None:
    v = result.summary["metrics"].get(name, {}).get("value")
    return None if v is None else float(v)


# -- the sweep -------------------------------------------------------------------------------


@dataclass
class Progress:
    done: int = 0
    failed: int = 0
    skipped: int = 0


def run_sweep(
    spec: SweepFile,
    out: Path,
    *,
    jobs: int = 1,
    dask: str | int | None = None,
    batch: int | None = None,
    on_run: Callable[[int, int], None] | None = None,
) -> Progress:
    """Run what is missing from the store at ``out``; ``dask`` is a scheduler address or a
    number of LocalCluster workers, else a local pool of ``jobs`` processes."""
    from twin import __version__

    out.mkdir(parents=True, exist_ok=True)
    store.remove_stale(out)
    runs = plan(spec)
    have = store.done(out)
    todo = [r for r in runs if r.key not in have]
    progress = Progress(skipped=len(runs) - len(todo))
    text = json.dumps({"sweep": spec.model_dump(mode="json"), "runs": len(runs)}, indent=1)
    write_text_atomic(out / "sweep.json", text + "\n")
    fixed = {"scenario_hash": scenario_hash(spec), "code_version": __version__}
    by_key = {r.key: r for r in todo}
    attempts = dict.fromkeys(by_key, 0)
    size = batch or max(1, min(50, len(todo) // (4 * max(jobs, 1)) or 1))

    def record(results: Iterable[tuple]) -> list[str]:
        again = []
        for key, row, error, wall in results:
            run = by_key[key]
            attempts[key] += 1
            if row is not None:
                store.write_run(out, _row(run, row, fixed, spec), wall)
                progress.done += 1
            elif attempts[key] <= spec.retries:
                again.append(key)
                continue
            else:
                store.write_failure(out, key, error, attempts[key])
                progress.failed += 1
            if on_run:
                on_run(progress.done + progress.failed, len(todo))
        return again

    pending = [r.key for r in todo]
    submit = _dask_executor(dask) if dask is not None else _local_executor(jobs)
    with submit as pool:
        while pending:
            batches = [pending[i : i + size] for i in range(0, len(pending), size)]
            pending = []
            for results in pool(str(spec.scenario), spec.outputs, batches, by_key):
                pending += record(results)
    return progress


def _row(run: Run, row: dict, fixed: dict, spec: SweepFile) -> dict:
    params = {f"param:{k}": _plain(run.overrides.get(k)) for k in spec.parameters}
    return {
        "run": run.key,
        "point": run.point,
        "replication": run.replication,
        "seed": run.seed,
        **fixed,
        **params,
        **row,
    }


def _plain(v: Any) -> Any:
    return v if isinstance(v, int | float | str | bool) or v is None else json.dumps(v)


class _local_executor:
    """A pool of worker processes (spawned: nothing inherited but the arguments)."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs

    def __enter__(self):
        self.pool = (
            ProcessPoolExecutor(self.jobs, mp_context=get_context("spawn"))
            if self.jobs > 1
            else None
        )
        return self.map

    def map(self, scenario, outputs, batches, by_key):
        work = [[(k, by_key[k].overrides) for k in b] for b in batches]
        if self.pool is None:
            for w in work:
                yield execute(scenario, outputs, w)
            return
        futures = {self.pool.submit(execute, scenario, outputs, w) for w in work}
        while futures:
            finished, futures = wait(futures, return_when=FIRST_COMPLETED)
            for f in finished:
                yield f.result()

    def __exit__(self, *exc) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


class _dask_executor:
    """Dask distributed: a scheduler address, or a LocalCluster of N worker processes."""

    def __init__(self, where: str | int) -> None:
        self.where = where

    def __enter__(self):
        from distributed import Client, LocalCluster

        if isinstance(self.where, int):
            self.cluster = LocalCluster(
                n_workers=self.where, threads_per_worker=1, processes=True, dashboard_address=None
            )
            self.client = Client(self.cluster)
        else:
            self.cluster = None
            self.client = Client(self.where)
        return self.map

    def map(self, scenario, outputs, batches, by_key):
        from distributed import as_completed

        work = [[(k, by_key[k].overrides) for k in b] for b in batches]
        futures = [self.client.submit(execute, scenario, outputs, w, pure=False) for w in work]
        for f in as_completed(futures):
            yield f.result()

    def __exit__(self, *exc) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()
