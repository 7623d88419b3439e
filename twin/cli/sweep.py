"""``twin sweep`` and ``twin results``: for researchers running many runs."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from datafiles import UserError
from twin.cli.args import at_least_one


def add_commands(sub) -> None:
    sweep = sub.add_parser("sweep", help="run a sweep file into a results store (resumable)")
    sweep.add_argument(
        "file", type=Path, help="sweep file (YAML), e.g. scenarios/sweeps/smoke.yaml"
    )
    sweep.add_argument("--out", type=Path, help="results store (default: runs/sweeps/<name>)")
    sweep.add_argument(
        "-j", "--jobs", type=at_least_one, default=os.cpu_count() or 1,
        help="local worker processes (default: one per core)",
    )  # fmt: skip
    where = sweep.add_mutually_exclusive_group()
    where.add_argument(
        "--dask-local", type=int, metavar="N", help="a Dask LocalCluster of N workers"
    )
    where.add_argument("--scheduler", metavar="ADDRESS", help="a running Dask scheduler")
    sweep.add_argument("--batch", type=at_least_one, help="runs per task (default: chosen by size)")
    sweep.add_argument("--quiet", action="store_true", help="no progress bar")
    regress = sub.add_parser(
        "regress",
        help="regression scenarios: exact snapshots, or replicated figures (--replications)",
    )
    regress.add_argument(
        "--suite", type=Path, default=Path("scenarios/regression/suite.yaml"), help="suite file"
    )
    regress.add_argument(
        "--replications",
        action="store_true",
        help="the statistical level: replicated key figures against their stored replications",
    )
    regress.add_argument(
        "--update", action="store_true", help="rewrite the snapshots (or, with --replications, "
        "the replicated baselines)"
    )  # fmt: skip
    regress.add_argument("-j", "--jobs", type=int, default=1, help="local worker processes")
    regress.add_argument("--junit", type=Path, metavar="FILE", help="also write a JUnit XML file")
    regress.add_argument("--quiet", action="store_true", help="no progress bar")
    results = sub.add_parser("results", help="query, compact or analyse a results store")
    rsub = results.add_subparsers(dest="results_command", required=True, parser_class=type(results))
    q = rsub.add_parser("query", help="SQL over the store's 'runs' and 'failed' tables (DuckDB)")
    q.add_argument("store", type=Path)
    q.add_argument("sql")
    q.add_argument(
        "--timeout", type=_positive_seconds, default=60.0, metavar="SECONDS",
        help="stop a query that runs longer (default 60)",
    )  # fmt: skip
    c = rsub.add_parser("compact", help="fold per-run files into results.parquet")
    c.add_argument("store", type=Path)
    a = rsub.add_parser(
        "analyze", help="per-point means with confidence intervals; Sobol or Morris indices"
    )
    a.add_argument("store", type=Path)
    a.add_argument("--output", required=True, help="an output of the sweep, e.g. coverage")
    a.add_argument("--figure", type=Path, help="write a bar figure of the indices (PNG)")


def run(args: argparse.Namespace) -> int:
    if args.command == "sweep":
        return _sweep(args)
    if args.command == "regress":
        return _regress(args)
    return {"query": _query, "compact": _compact, "analyze": _analyze}[args.results_command](args)


def _sweep(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from twin.experiments.sweep import run_sweep
    from twin.experiments.sweep_file import load_sweep

    if args.jobs < 1 or (args.dask_local is not None and args.dask_local < 1):
        raise UserError.one(
            "workers must be 1 or more", key="--jobs/--dask-local", found=str(args.jobs)
        )
    spec = load_sweep(args.file)
    out = args.out or Path("runs/sweeps") / spec.name
    started = time.perf_counter()
    dask = args.dask_local if args.dask_local is not None else args.scheduler

    def advance(done: int, todo: int) -> None:  # the sweep knows what is left to run
        bar.total = todo
        bar.update(done - bar.n)

    with tqdm(unit="run", desc=spec.name, disable=args.quiet, file=sys.stderr) as bar:
        progress = run_sweep(
            spec, out, jobs=args.jobs, dask=dask, batch=args.batch, on_run=advance
        )  # fmt: skip
    print(
        f"{progress.done} runs done, {progress.skipped} already stored, {progress.failed} failed "
        f"in {time.perf_counter() - started:.1f} s; results in {out}/"
    )
    if progress.failed:
        print(f"failed runs and their errors: {out}/failed/", file=sys.stderr)
        return 1
    return 0


def _query(args: argparse.Namespace) -> int:
    import duckdb

    from twin.experiments import store

    try:
        frame = store.query(args.store, args.sql, seconds=args.timeout)
    except FileNotFoundError as exc:
        raise UserError.one(str(exc), file=str(args.store), hint="run 'twin sweep' first") from None
    except ValueError as exc:
        raise UserError.one(str(exc), key="SQL", hint="for example: select * from runs") from None
    except TimeoutError as exc:
        hint = "narrow the query, or --timeout SECONDS"
        raise UserError.one(str(exc), key="SQL", hint=hint) from None
    except duckdb.Error as exc:
        raise UserError.one(
            "the query failed", key="SQL", found=str(exc).splitlines()[0],
            hint="tables: runs (one row per run) and failed; files cannot be read",
        ) from None  # fmt: skip
    print(frame.to_string(index=False))
    return 0


def _compact(args: argparse.Namespace) -> int:
    from twin.experiments import store

    print(f"compacted into {store.compact(args.store)}")
    return 0


def _analyze(args: argparse.Namespace) -> int:
    import json

    from twin.experiments import analysis, store
    from twin.experiments.sweep_file import SweepFile

    meta = args.store / "sweep.json"
    if not meta.exists():
        raise UserError.one(
            "not a sweep's results store", file=str(args.store), hint="no sweep.json"
        )
    try:
        spec = SweepFile.model_validate(json.loads(meta.read_text(encoding="utf-8"))["sweep"])
    except (ValueError, KeyError, TypeError):
        raise UserError.one(
            "a damaged sweep.json", file=str(meta), hint="run the sweep again: 'twin sweep FILE'"
        ) from None
    table = store.read(args.store)
    means = analysis.point_means(table, args.output)
    print(analysis.readable_means(means, args.output).to_string(index=False))
    kind = spec.design.kind
    if kind in ("sobol", "morris"):
        indices = getattr(analysis, kind)(spec, table, args.output)
        print(f"\n{kind} indices of {args.output} (95% confidence intervals):")
        print(indices.to_string(float_format=lambda v: f"{v:.3f}"))
        if args.figure:
            analysis.indices_figure(indices, args.output).savefig(args.figure, dpi=100)
            print(f"figure: {args.figure}")
    return 0


def _regress(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from twin.experiments.regression import load_suite, run_exact, run_statistical
    from twin.experiments.regression.report import exact_lines, statistical_lines, write_junit

    if args.jobs < 1:
        raise UserError.one("workers must be 1 or more", key="--jobs", found=str(args.jobs))
    suite = load_suite(args.suite)
    level = "statistical" if args.replications else "exact"
    runs = len(suite.cases) * (suite.replications if args.replications else 1)
    started = time.perf_counter()
    with tqdm(total=runs, unit="run", desc=f"regress ({level})", disable=args.quiet,
              file=sys.stderr) as bar:  # fmt: skip
        level_run = run_statistical if args.replications else run_exact
        results = level_run(suite, update=args.update, jobs=args.jobs, done=lambda _: bar.update())
    seconds = time.perf_counter() - started
    describe = statistical_lines if args.replications else exact_lines
    for r in results:
        print("\n".join(describe(r)))
    if args.junit:
        write_junit(args.junit, level, results, seconds)
    failed = [r.case for r in results if not r.ok]
    what = "replicated baselines" if args.replications else "snapshots"
    verdict = f"{what} rewritten; " if args.update else ""
    verdict += f"{len(failed)} of {len(results)} cases failed" if failed else "all cases pass"
    print(f"\n{level} level: {verdict} ({runs} runs in {seconds:.1f} s)")
    return 1 if failed else 0


def _positive_seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds < 1e6:
        raise argparse.ArgumentTypeError(f"a number of seconds above 0, not {text!r}")
    return seconds
