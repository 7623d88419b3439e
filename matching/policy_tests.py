"""Run the test cases written in a policy file (OpenFisca-style), and report failures located."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from datafiles import Problem, did_you_mean
from matching.engine import amounts_of
from matching.fields import DTYPES, Registry
from matching.nodes import EPOCH, Context
from matching.policy import Policy
from matching.relations import OWNERS, relate
from matching.table import Table

AMOUNT_TOLERANCE = 0.005  # yuan


def run_policy_tests(policy: Policy, registry: Registry) -> list[Problem]:
    """One Problem per failing or malformed case; an empty list when all pass."""
    problems = []
    for i, case in enumerate(policy.spec.tests):
        file, line, col = policy.origins.get(("tests", i, "name"), (policy.file, None, None))
        where = {"file": file, "line": line, "column": col, "key": f"tests[{i}]"}
        on = case.date or policy.spec.valid_from
        try:
            table = case_table(case.input, registry, policy, on)
        except ValueError as exc:
            problems.append(Problem(str(exc), **where, hint=getattr(exc, "hint", None)))
            continue
        got_eligible, got_amount = _outcome(policy, table, on)
        want = case.output
        if got_eligible != want.eligible:
            problems.append(
                Problem(
                    f"test failed: {case.name}",
                    **where,
                    expected=f"eligible: {_show(want.eligible)}",
                    found=f"eligible: {_show(got_eligible)}",
                )
            )
        elif want.amount is not None and (
            got_amount is None or abs(got_amount - want.amount) > AMOUNT_TOLERANCE
        ):
            problems.append(
                Problem(
                    f"test failed: {case.name}",
                    **where,
                    expected=f"amount: {want.amount:g}",
                    found=f"amount: {_show(got_amount)}",
                )
            )
    return problems


def case_table(values: dict[str, Any], registry: Registry, policy: Policy, on: dt.date) -> Table:
    """The test's entity as a one-row Table, with the household values the policy reads
    computed over its ``household`` (the other members, when the input lists them)."""
    bound = policy.bind(on)
    roots = [n for n in (bound.eligible, bound.amount, bound.stop) if n is not None]
    return relate(entity_table(values, registry), roots, on).take(np.array([0]))


def entity_table(values: dict[str, Any], registry: Registry) -> Table:
    """A Table from a test input: labels for codes, dates for dates, absent = unknown. Row 0
    is the entity; a list under ``household`` (an enterprise's ``group``) gives the other
    members, one row each (their household the entity's), else the entity's household is
    unknown."""
    owner = next((o for o in OWNERS if isinstance(values.get(o), list)), None)
    rows, ids = [values], {}
    if owner is not None:
        members = values[owner]
        if owner not in registry.columns:
            raise ValueError(f"the {registry.entity} library records no {OWNERS[owner]}")
        if not all(isinstance(m, dict) for m in members):
            raise ValueError(f"'{owner}' lists the other members, each a mapping of fields")
        rows = [{k: v for k, v in values.items() if k != owner}, *members]
        ids = {owner: [0] * len(rows)}
    columns, known = {}, {}
    for name in registry.columns:
        spec = registry[name]
        cells = ids.get(name) or [r.get(name) for r in rows]
        known[name] = np.array([v is not None for v in cells])
        columns[name] = np.array(
            [0 if v is None else _encode(name, v, spec) for v in cells], dtype=DTYPES[spec.type]
        )
    extra = set().union(*rows) - set(registry.columns)
    if extra:
        name = sorted(extra)[0]
        err = ValueError(f"unknown field '{name}' in the test input")
        err.hint = did_you_mean(name, registry.columns)  # type: ignore[attr-defined]
        raise err
    return Table(columns, known)


def _encode(name: str, value: Any, spec) -> Any:
    if spec.type == "code":
        if value not in spec.codes:
            raise ValueError(f"'{value}' is not a code of field '{name}'")
        return spec.codes.index(value)
    if spec.type == "date":
        if not isinstance(value, dt.date):
            raise ValueError(f"field '{name}' needs a date (YYYY-MM-DD), found {value!r}")
        return (value - EPOCH).days
    if spec.type == "bool" and not isinstance(value, bool):
        raise ValueError(f"field '{name}' needs true or false, found {value!r}")
    if spec.type in ("int", "float") and (
        isinstance(value, bool) or not isinstance(value, int | float)
    ):
        raise ValueError(f"field '{name}' needs a number, found {value!r}")
    return value


def _outcome(policy: Policy, table: Table, on: dt.date) -> tuple[bool | str, float | None]:
    bound = policy.bind(on)
    value, known = (np.broadcast_to(a, (1,))[0] for a in bound.eligible.eval(table, Context(on)))
    if not known:
        return "review", None
    if not value:
        return False, None
    amount = float(amounts_of(bound.amount, table, on)[0])
    return True, None if np.isnan(amount) else amount


def _show(v: object) -> str:
    if v is None:
        return "unknown"
    if isinstance(v, bool):
        return "true" if v else "false"
    return f"{v:g}" if isinstance(v, float) else str(v)
