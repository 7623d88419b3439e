"""The ``twin`` command: run and validate scenarios."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from datafiles import UserError
from twin.cli.args import at_least_one

EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own errors also exit 2, with a hint
        self.print_usage(sys.stderr)
        sys.stderr.write(f"error: {message}\n  hint: see '{self.prog} --help'\n")
        sys.exit(EXIT_BAD_INPUT)


def build_parser() -> argparse.ArgumentParser:
    from twin import __version__

    parser = _Parser(
        prog="twin", description="citytwin: rehearse city policy before it meets real people."
    )
    parser.add_argument("--version", action="version", version=f"citytwin {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    run = sub.add_parser("run", help="run a scenario and write its run folder")
    run.add_argument("scenario", type=Path, help="scenario file (YAML)")
    run.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY.PATH=VALUE",
        help="override a scenario value (repeatable)",
    )
    run.add_argument("--out", type=Path, help="run folder (default: runs/<scenario name>)")
    run.add_argument(
        "--replications",
        type=at_least_one,
        metavar="N",
        help="runs of each variant at other seeds, for confidence intervals "
        "(default: the scenario's 'replications', 1)",
    )
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.add_argument("--no-report", action="store_true", help="skip report.html and report.md")
    run.add_argument("--force", action="store_true", help="replace an existing --out folder whole")
    rep = sub.add_parser("report", help="write report.html and report.md for a run folder")
    rep.add_argument("run_dir", type=Path, help="a run folder (what 'twin run --out' writes)")
    val = sub.add_parser("validate", help="check scenario files and the files they name")
    val.add_argument("files", type=Path, nargs="+")
    val.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="KEY.PATH=VALUE"
    )
    from twin.cli import calibrate as cli_calibrate
    from twin.cli import policy as cli_policy
    from twin.cli import rules as cli_rules
    from twin.cli import score as cli_score
    from twin.cli import serve as cli_serve
    from twin.cli import sweep as cli_sweep

    cli_serve.add_commands(sub)
    cli_policy.add_commands(sub)
    cli_rules.add_commands(sub)
    cli_score.add_commands(sub)
    cli_sweep.add_commands(sub)
    cli_calibrate.add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command in ("sweep", "results", "regress"):
            from twin.cli import sweep as cli_sweep

            return cli_sweep.run(args)
        if args.command == "calibrate":
            from twin.cli import calibrate as cli_calibrate

            return cli_calibrate.run(args)
        if args.command == "app":
            from twin.cli import serve as cli_serve

            return cli_serve.run(args)
        if args.command == "score":
            from twin.cli import score as cli_score

            return cli_score.run(args)
        if args.command in ("policy", "rules"):
            from twin.cli import policy as cli_policy
            from twin.cli import rules as cli_rules

            return {"policy": cli_policy, "rules": cli_rules}[args.command].run(args)
        return {"run": _run, "validate": _validate, "report": _report}[args.command](args)
    except UserError as exc:
        print(exc, file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from twin.core.folders import check_destination
    from twin.report import write_report
    from twin.runs.provenance import provenance
    from twin.runs.runner import run
    from twin.scenario.loader import load_scenario

    scenario = load_scenario(args.scenario, args.overrides)
    out = args.out or Path("runs") / scenario.name
    check_destination(out, replace=args.force)  # before the work, not after it
    started = time.perf_counter()
    replications = args.replications or scenario.replications
    about = provenance(scenario, args.scenario, replications)
    if scenario.variants or replications > 1:
        _run_variants(scenario, out, started, replications, quiet=args.quiet, force=args.force,
                      about=about)  # fmt: skip
    else:
        with tqdm(
            total=scenario.days,
            unit="day",
            desc=scenario.name,
            disable=args.quiet,
            file=sys.stderr,
        ) as bar:
            result = run(scenario, on_day=lambda n: bar.update(1))
        result.write(out, replace=args.force, provenance=about)
        print(result.summary_table())
        _print_notes(result.notes())
        print(
            f"\n{scenario.days} days simulated in {time.perf_counter() - started:.1f} s; "
            f"results in {out}/"
        )
    if not args.no_report:
        print(f"report: {write_report(out)}")
    return 0


def _run_variants(
    scenario, out: Path, started: float, replications: int, *, quiet: bool, force: bool, about
) -> None:
    """Every variant (or the scenario alone) in every replication, compared in one table."""
    from tqdm import tqdm

    from twin.runs.compare import run_variants

    variants = len(scenario.variants)
    total = scenario.days * max(variants, 1) * replications
    with tqdm(total=total, unit="day", desc=scenario.name, disable=quiet, file=sys.stderr) as bar:
        comparison = run_variants(
            scenario, replications=replications, on_day=lambda name, n: bar.update(1)
        )
    comparison.write(out, replace=force, provenance=about)
    print(comparison.table())
    _print_notes(next(iter(comparison.results.values())).notes())
    runs = f"{variants} variants x " if variants else ""
    print(
        f"\n{runs}{replications} replications x {scenario.days} days in "
        f"{time.perf_counter() - started:.1f} s; results in {out}/"
    )


def _report(args: argparse.Namespace) -> int:
    from twin.report import write_report

    print(f"report: {write_report(args.run_dir)}")
    return 0


def _print_notes(notes: list[str]) -> None:
    """Staffing the scale could not make faithful, after the figures it qualifies."""
    if notes:
        print("\n" + "\n".join(notes))


def _validate(args: argparse.Namespace) -> int:
    from twin.runs.compare import with_overrides
    from twin.scenario.inputs import load_inputs
    from twin.scenario.loader import load_scenario

    problems = []
    for path in args.files:
        try:
            scenario = load_scenario(path, args.overrides)
            load_inputs(scenario)
            for name, overrides in scenario.variants.items():
                load_inputs(with_overrides(scenario, overrides, name))
            print(f"ok: {path}")
        except UserError as exc:
            problems += exc.problems
    if problems:
        raise UserError(problems)
    return 0


if __name__ == "__main__":
    sys.exit(main())
