"""The statistical level: key figures over replications, against the stored replications.

Replication r of a case runs at seed ``run_seed(suite.seed, r)`` now and when the baseline
was recorded, so the two are paired (common random numbers). With d_r the paired differences
over the n replications where the figure exists on both sides, and t the two-sided Student
quantile with n - 1 degrees of freedom at the suite's confidence shared out over its m key
figures (Bonferroni: each figure at 1 - (1 - confidence) / m, so that a change that only
reshuffles random draws fails the whole suite with probability at most 1 - confidence), a
figure has

- *the same* values when every d_r is 0 (the model did not change for it);
- *moved beyond noise* when |mean(d)| > t * sd(d) / sqrt(n) (the interval of the mean
  difference excludes 0), or when the d_r are equal and not 0, or when the figure exists in
  other replications than before, or its unit changed;
- *moved within noise* otherwise: the draws changed, not what they add up to.

A band that cannot resolve the effect a planner cares about is no test. The widest noise a
change can bring is one that reshuffles every draw: then sd(d) is sqrt(2) sd of the figure, so
the suite asks sqrt(2) t sd / sqrt(n) (its *band*, from the stored replications) to be no wider
than the figure's tolerance, and says how many replications would do when it is.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from datafiles import UserError
from twin.core.atomic import write_text_atomic
from twin.experiments.designs import run_seed
from twin.experiments.regression.figures import SummaryFigure, outside_limits
from twin.experiments.regression.runs import run_all
from twin.experiments.regression.suite import Suite
from twin.runs.intervals import half_width, present

SAME, WITHIN, MOVED, TOO_WIDE = "same", "within noise", "moved beyond noise", "band too wide"
UNIT = "unit changed"


@dataclass(frozen=True)
class KpiResult:
    case: str
    kpi: str
    unit: str | None
    baseline: float | None  # mean over the stored replications
    now: float | None  # mean over this run's replications
    band: float  # sqrt(2) t sd / sqrt(n) of the stored replications: the widest noise
    noise: float  # the paired difference's half-width (0 when identical)
    tolerance: float
    status: str
    replications_needed: int = 0  # for a band too wide: about how many would do

    @property
    def ok(self) -> bool:
        return self.status in (SAME, WITHIN)

    @property
    def beyond_tolerance(self) -> bool:
        """The means differ by more than the change a planner would act on."""
        if self.now is None or self.baseline is None:
            return False
        return abs(self.now - self.baseline) > self.tolerance


@dataclass(frozen=True)
class StatisticalResult:
    case: str
    kpis: list[KpiResult]
    limits: list[str]

    @property
    def ok(self) -> bool:
        return not self.limits and all(k.ok for k in self.kpis)


def judge(base: list, now: list, tolerance: float, confidence: float) -> tuple[str, float, float]:
    """(status, band, noise) of one figure from its paired replications, at a per-figure
    confidence (the suite's, already shared out over its figures)."""
    here = present(base)
    if (here != present(now)).any():
        return MOVED, 0.0, 0.0  # the figure exists in other replications than before
    b = np.asarray(base, float)[here]
    d = np.asarray(now, float)[here] - b
    if here.sum() < 2:  # no spread to judge by: equal or moved
        return (MOVED if d.any() else SAME), 0.0, 0.0
    band = math.sqrt(2) * half_width(b, confidence)
    if band > tolerance:
        return TOO_WIDE, band, 0.0
    if not d.any():
        return SAME, band, 0.0
    noise = half_width(d, confidence)
    moved = abs(d.mean()) > noise if noise > 0 else True
    return (MOVED if moved else WITHIN), band, noise


def run_statistical(
    suite: Suite,
    *,
    update: bool = False,
    jobs: int = 1,
    done: Callable[[str], None] | None = None,
) -> list[StatisticalResult]:
    """Replicate every case; compare with (or, on update, rewrite) the stored replications."""
    runs = [
        (f"{name} r{r}", str(case.scenario), {"seed": run_seed(suite.seed, r)})
        for name, case in suite.cases.items()
        for r in range(suite.replications)
    ]
    summaries = run_all(runs, jobs, done)
    figures = sum(len(case.tolerances) for case in suite.cases.values())
    each = 1 - (1 - suite.confidence) / figures  # Bonferroni over the suite's figures
    out = []
    for i, (name, case) in enumerate(suite.cases.items()):
        mine = summaries[i * suite.replications : (i + 1) * suite.replications]
        limits = sorted({f"r{r}: {p}" for r, s in enumerate(mine) for p in outside_limits(s)})
        now = {k: _values(mine, k, name) for k in case.tolerances}
        units = {k: mine[0][k].unit for k in case.tolerances}
        if update:
            write_text_atomic(suite.baseline_file(name), _baseline_text(suite, name, now, units))
        base, base_units = _load(suite, name)
        kpis = [
            _result(suite, each, name, k, units[k], base[k], now[k], case.tolerances[k])
            if base_units[k] == units[k]
            else KpiResult(name, k, units[k], None, None, 0.0, 0.0, case.tolerances[k], UNIT)
            for k in case.tolerances
        ]
        out.append(StatisticalResult(name, kpis, limits))
    return out


def _values(summaries: list[dict[str, SummaryFigure]], kpi: str, case: str) -> list:
    if kpi not in summaries[0]:
        raise UserError.one(
            f"regression case '{case}' has no figure '{kpi}'",
            hint=f"figures look like: {', '.join(list(summaries[0])[3:8])}",
        )
    return [s[kpi].value for s in summaries]


def _result(suite, confidence, case, kpi, unit, base, now, tolerance) -> KpiResult:
    status, band, noise = judge(base, now, tolerance, confidence)
    needed = math.ceil(suite.replications * (band / tolerance) ** 2) if status == TOO_WIDE else 0
    return KpiResult(
        case, kpi, unit, _mean(base), _mean(now), band, noise, tolerance, status, needed
    )


def _mean(values: list) -> float | None:
    here = present(values)
    return float(np.mean(np.asarray(values, float)[here])) if here.any() else None


def _baseline_text(suite: Suite, case: str, values: dict, units: dict) -> str:
    data = {
        "case": case,
        "seed": suite.seed,
        "replications": suite.replications,
        "kpis": {k: {"unit": units[k], "values": v} for k, v in values.items()},
    }
    return json.dumps(data, indent=1, sort_keys=True) + "\n"


def _load(suite: Suite, case: str) -> tuple[dict[str, list], dict[str, str | None]]:
    file = suite.baseline_file(case)
    hint = "run 'twin regress --replications --update' to record it"
    if not file.exists():
        raise UserError.one(f"no replicated baseline for '{case}'", file=str(file), hint=hint)
    data = json.loads(file.read_text(encoding="utf-8"))
    if (data["seed"], data["replications"]) != (suite.seed, suite.replications):
        raise UserError.one(
            f"the baseline of '{case}' was recorded with another seed or number of replications",
            file=str(file),
            expected=f"seed {suite.seed}, {suite.replications} replications",
            found=f"seed {data['seed']}, {data['replications']} replications",
            hint=hint,
        )
    missing = [k for k in suite.cases[case].tolerances if k not in data["kpis"]]
    if missing:
        raise UserError.one(
            f"the baseline of '{case}' has no figure '{missing[0]}'", file=str(file), hint=hint
        )
    kpis = data["kpis"]
    return {k: v["values"] for k, v in kpis.items()}, {k: v["unit"] for k, v in kpis.items()}
