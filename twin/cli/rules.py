"""``twin rules check`` and ``twin rules test``: for the teams that write alert rules."""

from __future__ import annotations

import argparse
from pathlib import Path

from datafiles import Problem, UserError, read_yaml


def add_commands(sub) -> None:
    rules = sub.add_parser("rules", help="check alert rule files, run rule unit tests")
    rsub = rules.add_subparsers(dest="rules_command", required=True, parser_class=type(rules))
    check = rsub.add_parser("check", help="validate rule files (native or Prometheus format)")
    check.add_argument("files", type=Path, nargs="+")
    test = rsub.add_parser("test", help="run rule tests in promtool's 'test rules' format")
    test.add_argument("files", type=Path, nargs="+")


def run(args: argparse.Namespace) -> int:
    return {"check": _check, "test": _test}[args.rules_command](args)


def _check(args: argparse.Namespace) -> int:
    from alerting import load_prometheus_rules, load_rules

    problems: list[Problem] = []
    count = 0
    for path in args.files:
        try:
            data, _ = read_yaml(path)
            is_prometheus = isinstance(data, dict) and "groups" in data
            rules = load_prometheus_rules(path) if is_prometheus else load_rules(path)
            count += len(rules) if is_prometheus else len(rules.rules) + len(rules.offline)
        except UserError as exc:
            problems += exc.problems
    if problems:
        raise UserError(problems)
    print(f"ok: {len(args.files)} files, {count} rules")
    return 0


def _test(args: argparse.Namespace) -> int:
    from alerting import run_test_file

    problems: list[Problem] = []
    passed = 0
    for path in args.files:
        try:
            outcome = run_test_file(path)
        except UserError as exc:
            problems += exc.problems
            continue
        passed += outcome.passed
        problems += outcome.problems
        status = "FAILED" if outcome.problems else "ok"
        print(f"{status}: {path} ({outcome.passed} passed, {len(outcome.problems)} failed)")
    if problems:
        raise UserError(problems)
    print(f"{passed} passed, 0 failed")
    return 0
