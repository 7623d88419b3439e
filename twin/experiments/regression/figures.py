"""A run's summary as flat figures (``metrics.coverage``, ``policies.p1.paid`` ...) with units,
and the physical limits every figure must respect."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

# Units whose figures are shares; every other unit a summary uses counts or measures time or
# money, none of which can be negative.
SHARE = "share"


@dataclass(frozen=True)
class SummaryFigure:
    value: float | int | str | None
    unit: str | None


def flatten(summary: dict, prefix: str = "") -> dict[str, SummaryFigure]:
    """Every leaf of a summary by its dotted path; ``{value, unit}`` pairs become one figure."""
    out: dict[str, SummaryFigure] = {}
    for key, item in summary.items():
        path = f"{prefix}{key}"
        if isinstance(item, dict) and set(item) == {"value", "unit"}:
            out[path] = SummaryFigure(item["value"], item["unit"])
        elif isinstance(item, dict):
            out.update(flatten(item, path + "."))
        else:
            out[path] = SummaryFigure(item, None)
    return out


def outside_limits(figures: dict[str, SummaryFigure]) -> list[str]:
    """Figures a run cannot produce: shares outside [0, 1], negative counts, times or money,
    and numbers that are not finite."""
    bad = []
    for path, f in figures.items():
        if f.unit is None or f.value is None or isinstance(f.value, str):
            continue
        v = float(f.value)
        if not math.isfinite(v):
            bad.append(f"{path} = {v} is not a finite number")
        elif f.unit == SHARE and not 0.0 <= v <= 1.0:
            bad.append(f"{path} = {v:.6g} is a share outside [0, 1]")
        elif v < 0:
            bad.append(f"{path} = {v:.6g} {f.unit} is negative")
    return bad


def run_case(scenario: str, overrides: dict) -> dict[str, SummaryFigure]:
    """One run of a scenario, its summary flattened; a module-level function, for workers."""
    import twin
    from twin.scenario.loader import load_scenario

    return flatten(twin.run(load_scenario(Path(scenario), overrides)).summary)
