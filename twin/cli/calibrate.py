"""``twin calibrate``: fit a scenario's parameters to target figures (docs/calibration.md)."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from twin.cli.args import at_least_one


def add_commands(sub) -> None:
    cal = sub.add_parser(
        "calibrate", help="fit scenario parameters to target figures (history matching)"
    )
    cal.add_argument(
        "file", type=Path, help="calibration file, e.g. scenarios/calibration/history.yaml"
    )
    cal.add_argument(
        "--out", type=Path, help="calibration folder (default: runs/calibration/<name>)"
    )
    cal.add_argument(
        "--quick", action="store_true",
        help="the file's quick mode: cheap runs, few of them, to check the whole chain (CI)",
    )  # fmt: skip
    cal.add_argument(
        "-j", "--jobs", type=at_least_one, default=os.cpu_count() or 1,
        help="local worker processes (default: one per core)",
    )  # fmt: skip
    where = cal.add_mutually_exclusive_group()
    where.add_argument("--dask-local", type=at_least_one, metavar="N",
                       help="a Dask LocalCluster of N workers")  # fmt: skip
    where.add_argument("--scheduler", metavar="ADDRESS", help="a running Dask scheduler")
    cal.add_argument(
        "--force", action="store_true", help="start over: remove the folder's runs (else resumed)"
    )
    cal.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from twin.calibration.calibrate import calibrate
    from twin.calibration.calibration_file import load_calibration
    from twin.calibration.write import lines, write
    from twin.core.folders import check_destination

    spec = load_calibration(args.file)
    if args.quick:
        spec = spec.quick_mode()
    out = args.out or Path("runs/calibration") / spec.name
    if out.exists() and not out.is_dir():
        check_destination(out, replace=False)  # names the fault
    if args.force and out.is_dir():
        shutil.rmtree(out)
    dask = args.dask_local if args.dask_local is not None else args.scheduler
    with tqdm(unit="run", disable=args.quiet, file=sys.stderr) as bar:

        def advance(stage: str, done: int, todo: int) -> None:
            bar.set_description(f"{spec.name}: {stage}")
            if done == 1:
                bar.reset(total=todo)
            bar.update(done - bar.n)

        result = calibrate(spec, out, jobs=args.jobs, dask=dask, on_run=advance)
    summary = write(result, out)
    print("\n".join(lines(summary)))
    print(f"calibration folder: {out}/ (calibration.md, calibration.json, posterior.parquet, "
          "calibration.png)")  # fmt: skip
    if not summary["fitted"]:  # a finding about the model and its priors, not bad input
        print(
            "no parameter values within the priors fit every target: widen the priors or "
            "revisit the targets (calibration.md shows the waves)",
            file=sys.stderr,
        )
        return 1
    return 0
