"""Variants of one scenario run side by side, with common random numbers.

Each variant is the scenario with a few overrides and the same seed, so every random stream -
the city, the people, their hearing and deciding - is the same until the variants' own choices
make them differ: differences between variants are the policy's, not noise.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from datafiles import Problem, UserError
from twin.runs.results import RunResult
from twin.runs.runner import run
from twin.scenario.schema import Scenario

SHOWN = (
    "coverage",
    "payout_rate",
    "fairness",
    "precision",
    "convenience",
    "awareness",
    "amount_paid",
    "time_to_money_p50",
)
RUN_WIDE = ("applications", "reviewed", "calls", "desk_abandoned")
SENSING = (
    "incidents",
    "incident_recall",
    "incident_precision",
    "detection_delay_p50",
    "on_site_delay_p50",
    "false_alarms_per_1000_device_days",
    "events",
    "alerts_per_worker_10min",
    "alarm_flood_share",
    "worker_wait_p95",
    "disposal_rate",
    "notifications_maintenance",
    "offline_detection_delay_p50",
)


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


@dataclass(frozen=True)
class Comparison:
    scenario: Scenario
    results: dict[str, RunResult]

    def rows(self) -> list[tuple[str, list]]:
        """(label, value per variant): each policy's indicators, the run-wide loads, and the
        sensing side's scores when it ran."""
        names = list(self.results)
        first = self.results[names[0]]
        out = []
        for pid in first.summary["policies"]:
            for key in SHOWN:
                out.append((f"{pid}: {key}", [r.metric(key, pid) for r in self.results.values()]))
        shown = RUN_WIDE if first.summary["policies"] else ()
        if first.scenario.sensing.enabled:
            shown += SENSING
        for key in shown:
            out.append((key, [r.metric(key) for r in self.results.values()]))
        return out

    def table(self) -> str:
        names = list(self.results)
        rows = self.rows()
        w = max(len(label) for label, _ in rows)
        head = f"{'':<{w}}  " + "  ".join(f"{n:>12}" for n in names)
        lines = [head, "-" * len(head)]
        for label, values in rows:
            lines.append(f"{label:<{w}}  " + "  ".join(f"{_fmt(v):>12}" for v in values))
        return "\n".join(lines)

    def write(self, out: str | Path) -> Path:
        out = Path(out)
        for name, result in self.results.items():
            result.write(out / name)
        table = {
            label: dict(zip(self.results, values, strict=True)) for label, values in self.rows()
        }
        (out / "comparison.json").write_text(json.dumps(table, indent=2) + "\n", encoding="utf-8")
        return out


def run_variants(
    scenario: Scenario, *, on_day: Callable[[str, int], None] | None = None
) -> Comparison:
    """Run every variant of the scenario (same seed) and compare them."""
    variants = {name: with_overrides(scenario, o, name) for name, o in scenario.variants.items()}
    results = {}
    for name, variant in variants.items():
        results[name] = run(
            variant, on_day=None if on_day is None else (lambda n, name=name: on_day(name, n))
        )
    return Comparison(scenario, results)


def _fmt(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 1e5 else f"{value:,.0f}"
    return str(value)
