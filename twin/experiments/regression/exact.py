"""The exact level: each case at its scenario's seed must reproduce its snapshot figure by
figure. Numbers agree to ``RELATIVE`` (a run is byte-identical on one machine; the margin
absorbs last-bit differences between processors); anything else must be equal."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass

from twin.core.atomic import write_text_atomic
from twin.experiments.regression.figures import SummaryFigure, outside_limits
from twin.experiments.regression.runs import run_all
from twin.experiments.regression.suite import Suite

RELATIVE = 1e-9


@dataclass(frozen=True)
class Change:
    """One figure that differs from the snapshot (absent on one side: None there)."""

    figure: str
    old: object
    new: object
    unit: str | None = None

    @property
    def difference(self) -> float | None:
        if isinstance(self.old, int | float) and isinstance(self.new, int | float):
            return float(self.new) - float(self.old)
        return None


@dataclass(frozen=True)
class ExactResult:
    case: str
    changes: list[Change]
    limits: list[str]  # figures outside their physical limits
    missing: bool = False  # no snapshot recorded yet

    @property
    def ok(self) -> bool:
        return not (self.changes or self.limits or self.missing)


def same(old: object, new: object) -> bool:
    if isinstance(old, bool) or isinstance(new, bool):
        return old == new
    if isinstance(old, int | float) and isinstance(new, int | float):
        if math.isnan(old) or math.isnan(new):
            return math.isnan(old) and math.isnan(new)
        return math.isclose(old, new, rel_tol=RELATIVE, abs_tol=0.0)
    return old == new


def changes(snapshot: dict[str, dict], figures: dict[str, SummaryFigure]) -> list[Change]:
    """Every figure whose value or unit differs, or that exists on one side only."""
    out = []
    for name in sorted(set(snapshot) | set(figures)):
        old, new = snapshot.get(name), figures.get(name)
        unit = new.unit if new is not None else old["unit"]
        if old is None or new is None:
            out.append(Change(name, old and old["value"], new and new.value, unit))
        elif not same(old["value"], new.value) or old["unit"] != new.unit:
            out.append(Change(name, old["value"], new.value, unit))
    return out


def snapshot_text(case: str, scenario: str, figures: dict[str, SummaryFigure]) -> str:
    data = {
        "case": case,
        "scenario": scenario,
        "figures": {k: {"value": f.value, "unit": f.unit} for k, f in sorted(figures.items())},
    }
    return json.dumps(data, indent=1, sort_keys=True, allow_nan=True) + "\n"


def run_exact(
    suite: Suite,
    *,
    update: bool = False,
    jobs: int = 1,
    done: Callable[[str], None] | None = None,
) -> list[ExactResult]:
    """Run every case once at its own seed; compare with (or, on update, rewrite) snapshots."""
    names = list(suite.cases)
    runs = [(name, str(suite.cases[name].scenario), {}) for name in names]
    out = []
    for name, figures in zip(names, run_all(runs, jobs, done), strict=True):
        file = suite.snapshot_file(name)
        if update:
            scenario = suite.cases[name].scenario.name
            write_text_atomic(file, snapshot_text(name, scenario, figures))
        limits = outside_limits(figures)
        if not file.exists():
            out.append(ExactResult(name, [], limits, missing=True))
            continue
        snapshot = json.loads(file.read_text(encoding="utf-8"))["figures"]
        out.append(ExactResult(name, changes(snapshot, figures), limits))
    return out
