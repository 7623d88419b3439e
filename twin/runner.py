"""Run a scenario: load its policy and rule files, build the model, run it, score it."""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa

from alerting import load_rules
from datafiles import UserError
from matching import Registry, load_policy, load_registry
from twin.model import CityModel
from twin.results import RunResult
from twin.scenario import Scenario
from twin.scoring import daily, score


def load_inputs(scenario: Scenario) -> tuple[list, list]:
    """The scenario's policies and rules, compiled; every fault in every file reported at once."""
    problems = []
    registries: dict[str, Registry] = {}
    for target in ("person", "enterprise"):
        try:
            registries[target] = load_registry(getattr(scenario.libraries, target).fields)
        except UserError as exc:
            problems += exc.problems
    if problems:
        raise UserError(problems)
    policies, rules = [], []
    for path in scenario.policies:
        try:
            policies.append(load_policy(path, registries))
        except UserError as exc:
            problems += exc.problems
    try:
        rules = load_rules(scenario.sensing.rules)
    except UserError as exc:
        problems += exc.problems
    if problems:
        raise UserError(problems)
    return policies, rules


def run(scenario: Scenario, *, on_day: Callable[[int], None] | None = None) -> RunResult:
    """Run one scenario to its end and score it; ``on_day(n)`` is called as day n begins."""
    policies, rules = load_inputs(scenario)
    model = CityModel(scenario, policies, rules, on_day=on_day)
    model.run()
    tables = {name: log.to_arrow() for name, log in model.logs.items()}
    inc = model.incidents
    tables["incidents"] = pa.table(
        {"device": inc.device, "onset": inc.onset, "end": inc.end, "peak": inc.peak}
    )
    return RunResult(scenario, score(model, tables), daily(model, tables), tables)
