"""The statistical level: key figures over replications, against the stored replications.

Replication r of a case runs at seed ``run_seed(suite.seed, r)`` now and when the baseline
was recorded, so the two are paired (common random numbers). With d_r the paired differences,
n replications and t the two-sided Student quantile at the suite's confidence with n - 1
degrees of freedom, a figure has

- *the same* values when every d_r is 0 (the model did not change for it);
- *moved beyond noise* when |mean(d)| > t * sd(d) / sqrt(n) (the interval of the mean
  difference excludes 0), or when the d_r are equal and not 0;
- *moved within noise* otherwise: the draws changed, not what they add up to.

A band that cannot resolve the effect a planner cares about is no test: the baseline's
interval half-width t * sd / sqrt(n) must not exceed the figure's tolerance in the suite file.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import stats

from datafiles import UserError
from twin.atomic import write_text_atomic
from twin.designs import run_seed
from twin.regression.figures import Figure, outside_limits
from twin.regression.runs import run_all
from twin.regression.suite import Suite

SAME, WITHIN, MOVED, TOO_WIDE = "same", "within noise", "moved beyond noise", "band too wide"


@dataclass(frozen=True)
class KpiResult:
    case: str
    kpi: str
    unit: str | None
    baseline: float | None  # mean over the stored replications
    now: float | None  # mean over this run's replications
    band: float  # the baseline mean's half-width at the suite's confidence
    noise: float  # the paired difference's half-width (0 when identical)
    tolerance: float
    status: str
    replications_needed: int = 0  # for a band too wide: about how many would do

    @property
    def ok(self) -> bool:
        return self.status in (SAME, WITHIN)


@dataclass(frozen=True)
class StatisticalResult:
    case: str
    kpis: list[KpiResult]
    limits: list[str]

    @property
    def ok(self) -> bool:
        return not self.limits and all(k.ok for k in self.kpis)


def half_width(values: np.ndarray, confidence: float) -> float:
    """t * sd / sqrt(n): the half-width of the mean's confidence interval."""
    n = len(values)
    t = stats.t.ppf((1 + confidence) / 2, n - 1)
    return float(t * values.std(ddof=1) / math.sqrt(n))


def judge(base: list, now: list, tolerance: float, confidence: float) -> tuple[str, float, float]:
    """(status, band, noise) of one figure from its paired replications."""
    if any(v is None for v in base + now):
        return (SAME if base == now else MOVED), 0.0, 0.0
    b, d = np.asarray(base, float), np.asarray(now, float) - np.asarray(base, float)
    band = half_width(b, confidence)
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
    out = []
    for i, (name, case) in enumerate(suite.cases.items()):
        mine = summaries[i * suite.replications : (i + 1) * suite.replications]
        limits = sorted({f"r{r}: {p}" for r, s in enumerate(mine) for p in outside_limits(s)})
        now = {k: _values(mine, k, name) for k in case.tolerances}
        units = {k: mine[0][k].unit for k in case.tolerances}
        if update:
            write_text_atomic(suite.baseline_file(name), _baseline_text(suite, name, now, units))
        base = _load(suite, name)
        kpis = [
            _result(suite, name, k, units[k], base[k], now[k], case.tolerances[k])
            for k in case.tolerances
        ]
        out.append(StatisticalResult(name, kpis, limits))
    return out


def _values(summaries: list[dict[str, Figure]], kpi: str, case: str) -> list:
    if kpi not in summaries[0]:
        raise UserError.one(
            f"regression case '{case}' has no figure '{kpi}'",
            hint=f"figures look like: {', '.join(list(summaries[0])[3:8])}",
        )
    return [s[kpi].value for s in summaries]


def _result(suite, case, kpi, unit, base, now, tolerance) -> KpiResult:
    status, band, noise = judge(base, now, tolerance, suite.confidence)
    needed = math.ceil(suite.replications * (band / tolerance) ** 2) if status == TOO_WIDE else 0
    return KpiResult(
        case, kpi, unit, _mean(base), _mean(now), band, noise, tolerance, status, needed
    )


def _mean(values: list) -> float | None:
    return None if any(v is None for v in values) else float(np.mean(values))


def _baseline_text(suite: Suite, case: str, values: dict, units: dict) -> str:
    data = {
        "case": case,
        "seed": suite.seed,
        "replications": suite.replications,
        "kpis": {k: {"unit": units[k], "values": v} for k, v in values.items()},
    }
    return json.dumps(data, indent=1, sort_keys=True) + "\n"


def _load(suite: Suite, case: str) -> dict[str, list]:
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
    return {k: v["values"] for k, v in data["kpis"].items()}
