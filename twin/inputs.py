"""The files a scenario names - field registries, policies, alert rules - loaded and compiled."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alerting import Rule, load_rules
from datafiles import Problem, UserError
from matching import Policy, Registry, load_policy, load_registry
from twin.scenario import Scenario


@dataclass(frozen=True)
class Inputs:
    registries: dict[str, Registry]
    policies: list[Policy]
    rules: list[Rule]


def load_inputs(scenario: Scenario) -> Inputs:
    """Every file the scenario names, compiled; every fault in every file reported at once."""
    problems: list[Problem] = []
    registries = {
        target: _collect(load_registry, getattr(scenario.libraries, target).fields, problems)
        for target in ("person", "enterprise")
    }
    if problems:
        raise UserError(problems)
    policies = load_policies(scenario.policies, registries)
    rules = _collect(load_rules, scenario.sensing.rules, problems)
    if problems:
        raise UserError(problems)
    return Inputs(registries, policies, rules)


def load_policies(paths: Iterable[Path], registries: Mapping[str, Registry]) -> list[Policy]:
    """Compile policy files; raise one UserError listing the faults of all of them."""
    problems: list[Problem] = []
    policies = [_collect(load_policy, p, problems, registries) for p in paths]
    if problems:
        raise UserError(problems)
    return policies  # type: ignore[return-value]


def _collect(fn: Callable, path: Any, problems: list[Problem], *args: Any) -> Any:
    try:
        return fn(path, *args)
    except UserError as exc:
        problems += exc.problems
        return None
