"""``twin policy check`` and ``twin policy estimate``: for the departments that write policies."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from datafiles import Problem, UserError, read_yaml
from datafiles.kinds import expect_kind, kind_of
from matching import Policy, load_registry, run_policy_tests
from twin.cli.policy_coverage import coverage_lines
from twin.scenario.inputs import load_packages, load_policies

MAX_GENERATED = 100_000  # synthetic policies one command writes


def add_commands(sub) -> None:
    policy = sub.add_parser("policy", help="check policy files, estimate a draft")
    psub = policy.add_subparsers(dest="policy_command", required=True, parser_class=type(policy))
    check = psub.add_parser(
        "check", help="validate policy files (and package files) and run their test cases"
    )
    check.add_argument("files", type=Path, nargs="+")
    check.add_argument(
        "--fields",
        type=Path,
        help="folder of field registries (default: ../fields beside the policies)",
    )
    check.add_argument(
        "--on",
        type=dt.date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="also reject policies that have expired by this date",
    )
    check.add_argument(
        "--coverage",
        action="store_true",
        help="list each condition's two sides and edge, each tier step and the review outcome, "
        "and the test cases covering each",
    )
    est = psub.add_parser("estimate", help="estimate a draft policy over a scenario's city")
    est.add_argument("draft", type=Path)
    est.add_argument("--scenario", type=Path, required=True)
    est.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="KEY.PATH=VALUE"
    )
    est.add_argument(
        "--by", default="district", help="comma-separated breakdowns: coded fields or age_band"
    )
    est.add_argument("--on", type=dt.date.fromisoformat, metavar="YYYY-MM-DD")
    est.add_argument("--figure", type=Path, help="PNG to write (default runs/estimate-ID.png)")
    exp = psub.add_parser(
        "explain", help="one entity's conditions and what happened to it in a run"
    )
    exp.add_argument("policy", help="the policy's id")
    exp.add_argument("--entity", type=int, required=True, help="the entity's id in the run")
    where = exp.add_mutually_exclusive_group(required=True)
    where.add_argument(
        "--run", type=Path, help="a run folder (what 'twin run --out' writes): what happened"
    )
    where.add_argument(
        "--scenario", type=Path, help="a scenario: the platform's records as it starts"
    )
    exp.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="KEY.PATH=VALUE",
        help="override a value of --scenario (repeatable)",
    )  # fmt: skip
    gen = psub.add_parser("generate", help="write a synthetic policy library for load tests")
    gen.add_argument("--count", type=int, default=2056, help="policies to write (default 2,056)")
    gen.add_argument("--target", choices=("person", "enterprise"), default="person")
    gen.add_argument("--fields", type=Path, default=Path("scenarios/fields"))
    gen.add_argument("--seed", type=int, default=0)
    gen.add_argument("--out", type=Path, required=True, help="folder to write into")


def run(args: argparse.Namespace) -> int:
    commands = {"check": _check, "estimate": _estimate, "explain": _explain, "generate": _generate}
    return commands[args.policy_command](args)


def _check(args: argparse.Namespace) -> int:
    wrong, files, package_files = _policy_files(args.files)
    if not files:
        raise UserError(wrong + [
            Problem("a package is checked with its policies", file=str(f),
                    hint=f"twin policy check POLICY.yaml... {f}")
            for f in package_files
        ])  # fmt: skip
    fields = args.fields or files[0].resolve().parent.parent / "fields"
    registries = {t: load_registry(fields / f"{t}.yaml") for t in ("person", "enterprise")}
    try:
        policies = load_policies(files, registries)
    except UserError as exc:
        raise UserError(wrong + exc.problems) from None
    problems = wrong + [
        p for policy in policies for p in run_policy_tests(policy, registries[policy.target])
    ]
    problems += _overlapping(policies) + (_expired(policies, args.on) if args.on else [])
    packages = load_packages(package_files, policies, problems)
    if problems:
        raise UserError(problems)
    cases = sum(len(p.spec.tests) for p in policies)
    also = f", {len(packages)} package{'s' * (len(packages) != 1)}" if packages else ""
    print(f"ok: {len(policies)} policies{also}, {cases} test cases passed")
    if args.coverage:
        print("\n".join(coverage_lines(policies, registries)))
    return 0


def _policy_files(paths: list[Path]) -> tuple[list[Problem], list[Path], list[Path]]:
    """(files of another kind, named with the command for them; package files; the rest, for
    the loader, which reports every fault of every file - unreadable ones included)."""
    wrong, rest, packages = [], [], []
    for path in paths:
        try:
            data = read_yaml(path)[0]
        except UserError:
            rest.append(path)  # unreadable: the loader says why, beside every other fault
            continue
        try:
            expect_kind(path, data, "policy", "package")
        except UserError as exc:
            wrong += exc.problems
            continue
        (packages if kind_of(data) == "package" else rest).append(path)
    return wrong, rest, packages


def _overlapping(policies: list[Policy]) -> list[Problem]:
    """Two files may hold versions of one policy id only if their dates do not overlap."""
    problems, by_id = [], {}
    for p in policies:
        for q in by_id.get(p.id, []):
            end_p, end_q = p.spec.valid_to or dt.date.max, q.spec.valid_to or dt.date.max
            if p.spec.valid_from <= end_q and q.spec.valid_from <= end_p:
                problems.append(
                    Problem(
                        f"policy '{p.id}' is also in force in {q.file} over the same dates",
                        file=p.file,
                        line=p.origins.get(("valid_from",), (None, None))[1],
                        key="valid_from",
                        hint="end the old version (valid_to) the day before the new one starts",
                    )
                )
        by_id.setdefault(p.id, []).append(p)
    return problems


def _expired(policies: list[Policy], on: dt.date) -> list[Problem]:
    return [
        Problem(
            f"policy '{p.id}' expired on {p.spec.valid_to}",
            file=p.file,
            line=p.origins.get(("valid_to",), (None, None))[1],
            key="valid_to",
            hint="extend valid_to, or keep the file as an old version and add a new one",
        )
        for p in policies
        if p.spec.valid_to is not None and p.spec.valid_to < on
    ]


def _estimate(args: argparse.Namespace) -> int:
    from twin.runs.sandbox import estimate_draft, estimate_figure
    from twin.scenario.loader import load_scenario

    scenario = load_scenario(args.scenario, args.overrides)
    by = [b.strip() for b in args.by.split(",") if b.strip()]
    result = estimate_draft(scenario, args.draft, by=by, on=args.on)
    print(result.render())
    path = args.figure or Path("runs") / f"estimate-{result.policy_id}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig = estimate_figure(result)
    fig.savefig(path, dpi=100)
    print(f"\nfigure: {path}")
    return 0


def _explain(args: argparse.Namespace) -> int:
    from twin.runs.explain import explain_in_run, explain_in_scenario
    from twin.scenario.loader import load_scenario

    if args.run is not None:
        print(explain_in_run(args.run, args.policy, args.entity).render())
    else:
        scenario = load_scenario(args.scenario, args.overrides)
        print(explain_in_scenario(scenario, args.policy, args.entity).render())
    return 0


def _generate(args: argparse.Namespace) -> int:
    import numpy as np

    from matching import synthetic_policies, write_library

    if not 1 <= args.count <= MAX_GENERATED:
        raise UserError.one(
            f"--count must be from 1 to {MAX_GENERATED:,}",
            file="--count",
            found=str(args.count),
            hint="the real platform holds 2,056 policies",
        )
    registry = load_registry(args.fields / f"{args.target}.yaml")
    specs = synthetic_policies(registry, args.count, rng=np.random.default_rng(args.seed))
    paths = write_library(specs, args.out)
    print(f"wrote {len(paths)} policies to {args.out}/")
    return 0
