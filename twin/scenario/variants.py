"""Variants of a scenario: the scenario with a few ``key.path: value`` overrides each, checked
when the scenario is loaded so a fault names its file and line."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from datafiles import Problem, UserError
from twin.scenario.schema import Scenario


def with_overrides(scenario: Scenario, overrides: Mapping[str, Any], name: str) -> Scenario:
    """The scenario with ``key.path: value`` overrides and no variants of its own."""
    data = scenario.to_json_dict()
    data.pop("variants", None)
    for key, value in overrides.items():
        node = data
        parts = key.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise UserError.one("cannot set a key inside a value", key=f"variants.{name}.{key}")
        node[parts[-1]] = copy.deepcopy(value)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise UserError(
            [
                Problem(
                    e["msg"],
                    key=f"variants.{name}." + ".".join(str(p) for p in e["loc"]),
                    found=repr(e.get("input"))[:80],
                )
                for e in exc.errors()
            ]
        ) from None


def check_variants(scenario: Scenario, origins: Mapping) -> None:
    """Every variant of a loaded scenario valid, its faults at the lines that wrote them."""
    problems = []
    for name, overrides in scenario.variants.items():
        try:
            with_overrides(scenario, overrides, name)
        except UserError as exc:
            problems += [_located(p, name, overrides, origins) for p in exc.problems]
    if problems:
        raise UserError(problems)


def _located(problem: Problem, name: str, overrides: Mapping, origins: Mapping) -> Problem:
    for key in overrides:
        if problem.key and problem.key.startswith(f"variants.{name}.{key}"):
            origin = origins.get(("variants", name, key))
            if origin:
                return Problem(problem.message, file=origin[0], line=origin[1],
                               column=origin[2], key=problem.key, expected=problem.expected,
                               found=problem.found, hint=problem.hint)  # fmt: skip
    return problem
