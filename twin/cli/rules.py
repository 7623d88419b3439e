"""``twin rules check`` and ``twin rules test``: for the teams that write alert rules."""

from __future__ import annotations

import argparse
from pathlib import Path

from datafiles import Problem, UserError, read_yaml
from datafiles.kinds import expect_kind, kind_of


def add_commands(sub) -> None:
    rules = sub.add_parser("rules", help="check alert rule files, run rule unit tests")
    rsub = rules.add_subparsers(dest="rules_command", required=True, parser_class=type(rules))
    check = rsub.add_parser(
        "check", help="validate rule files (native or Prometheus format) and routing files"
    )
    check.add_argument("files", type=Path, nargs="+")
    test = rsub.add_parser("test", help="run rule tests in promtool's 'test rules' format")
    test.add_argument("files", type=Path, nargs="+")


def run(args: argparse.Namespace) -> int:
    return {"check": _check, "test": _test}[args.rules_command](args)


def _check(args: argparse.Namespace) -> int:
    """Rule files (native or Prometheus) and routing files, each by its kind."""
    problems: list[Problem] = []
    counts = {"rules": 0, "routes": 0}
    for path in args.files:
        try:
            data, _ = read_yaml(path)
            expect_kind(path, data, "rule", "Prometheus rule", "routing")
            what, n = _check_one(path, kind_of(data))
            counts[what] += n
        except UserError as exc:
            problems += exc.problems
    if problems:
        raise UserError(problems)
    routes = f", {counts['routes']} routes" if counts["routes"] else ""
    print(f"ok: {len(args.files)} files, {counts['rules']} rules{routes}")
    return 0


def _check_one(path: Path, kind: str | None) -> tuple[str, int]:
    from alerting import load_prometheus_rules, load_routing, load_rules

    if kind == "routing":
        config = load_routing(path)
        return "routes", _routes(config.route)
    if kind == "Prometheus rule":
        return "rules", len(load_prometheus_rules(path))
    rules = load_rules(path)
    return "rules", len(rules.rules) + len(rules.offline)


def _routes(route) -> int:
    """The routes of a routing tree, its root included."""
    return 1 + sum(_routes(r) for r in route.routes)


def _test(args: argparse.Namespace) -> int:
    from alerting import run_test_file

    problems: list[Problem] = []
    passed = 0
    for path in args.files:
        try:
            expect_kind(path, read_yaml(path)[0], "rule test")
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
