"""Regression scenarios: small runs whose key figures must stay inside bands set from
replications. ``twin regress`` runs them and shows what moved; ``--update`` resets the bands.

A suite file lists scenarios and their KPIs; each baseline (``baselines/<name>.json``) holds,
per KPI, the mean over replications and a band: mean ± max(``sigmas`` × sd, ``floor`` ×
|mean|, ``absolute``). The replications' seeds come from the suite's seed, so an unchanged
model reproduces its baseline exactly; a change moves the figures, and the band says whether
the move is larger than the model's own noise.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from datafiles import Problem, UserError, read_yaml, validate
from twin.designs import run_seed


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Case(_Strict):
    scenario: Path
    kpis: Annotated[list[str], Field(min_length=1)]


class Suite(_Strict):
    seed: int
    replications: Annotated[int, Field(ge=2, le=50)] = 3
    sigmas: Annotated[float, Field(gt=0)] = 4.0
    floor: Annotated[float, Field(ge=0)] = 0.02  # relative
    absolute: Annotated[float, Field(ge=0)] = 1e-9
    cases: dict[str, Case]


def load_suite(path: Path) -> Suite:
    data, origins = read_yaml(path)
    suite = validate(Suite, data, origins, str(path))
    cases = {
        k: c.model_copy(update={"scenario": (path.parent / c.scenario).resolve()})
        for k, c in suite.cases.items()
    }
    return suite.model_copy(update={"cases": cases})


@dataclass(frozen=True)
class Row:
    case: str
    kpi: str
    baseline: float | None
    low: float | None
    high: float | None
    now: float | None

    @property
    def ok(self) -> bool:
        if self.baseline is None or self.now is None:
            return self.baseline is None and self.now is None
        return self.low <= self.now <= self.high


def measure(suite: Suite, name: str, jobs: int = 1) -> dict[str, list[float | None]]:
    """The KPIs of one case over the suite's replications."""
    from twin.sweep import execute

    case = suite.cases[name]
    runs = [(f"r{r}", {"seed": run_seed(suite.seed, r)}) for r in range(suite.replications)]
    if jobs > 1:
        from concurrent.futures import ProcessPoolExecutor
        from multiprocessing import get_context

        with ProcessPoolExecutor(jobs, mp_context=get_context("spawn")) as pool:
            parts = list(
                pool.map(
                    execute,
                    [str(case.scenario)] * len(runs),
                    [case.kpis] * len(runs),
                    [[r] for r in runs],
                )
            )
        results = [p[0] for p in parts]
    else:
        results = execute(str(case.scenario), case.kpis, runs)
    for key, row, error, _ in results:
        if row is None:
            raise UserError.one(
                f"regression case '{name}' failed ({key})", found=error.splitlines()[-1]
            )
    return {k: [r[1][k] for r in results] for k in case.kpis}


def baseline_of(suite: Suite, values: dict[str, list[float | None]]) -> dict:
    out = {}
    for kpi, xs in values.items():
        if any(x is None for x in xs):
            out[kpi] = {"mean": None}
            continue
        a = np.asarray(xs, float)
        mean, sd = float(a.mean()), float(a.std(ddof=1))
        half = max(suite.sigmas * sd, suite.floor * abs(mean), suite.absolute)
        out[kpi] = {"mean": mean, "sd": sd, "low": mean - half, "high": mean + half}
    return out


def compare(name: str, baseline: dict, values: dict[str, list[float | None]]) -> list[Row]:
    rows = []
    for kpi, xs in values.items():
        b = baseline.get(kpi)
        if b is None:
            raise UserError.one(
                f"the baseline of '{name}' has no KPI '{kpi}'",
                hint="run 'twin regress --update' to record it",
            )
        now = None if any(x is None for x in xs) else float(np.mean(xs))
        rows.append(Row(name, kpi, b["mean"], b.get("low"), b.get("high"), now))
    return rows


def run_suite(path: Path, *, update: bool = False, jobs: int = 1) -> list[Row]:
    suite = load_suite(path)
    folder = path.parent / "baselines"
    rows: list[Row] = []
    problems = []
    for name in suite.cases:
        file = folder / f"{name}.json"
        values = measure(suite, name, jobs)
        if update:
            folder.mkdir(exist_ok=True)
            data = {
                "case": name,
                "replications": suite.replications,
                "kpis": baseline_of(suite, values),
            }
            file.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        if not file.exists():
            problems.append(
                Problem(
                    f"no baseline for '{name}'", file=str(file), hint="run 'twin regress --update'"
                )
            )
            continue
        rows += compare(name, json.loads(file.read_text())["kpis"], values)
    if problems:
        raise UserError(problems)
    return rows


def table(rows: list[Row]) -> str:
    def f(v: float | None) -> str:
        return "-" if v is None else f"{v:.4g}"

    head = f"{'case':<12} {'kpi':<34} {'baseline':>10} {'band':>23} {'now':>10} {'moved':>9}  "
    lines = [head, "-" * len(head)]
    for r in rows:
        band = "-" if r.low is None else f"[{f(r.low)}, {f(r.high)}]"
        moved = "-" if r.now is None or r.baseline is None else f"{r.now - r.baseline:+.3g}"
        lines.append(
            f"{r.case:<12} {r.kpi:<34} {f(r.baseline):>10} {band:>23} {f(r.now):>10} {moved:>9}  "
            + ("ok" if r.ok else "MOVED")
        )
    return "\n".join(lines)
