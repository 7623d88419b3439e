"""Run rule unit tests written in promtool's ``test rules`` format against the parity mode.

Supported: ``rule_files``, ``evaluation_interval``, ``tests`` with ``interval``,
``input_series`` (expanding notation ``a+bxn``, ``a-bxn``, ``axn``, ``_``, ``_xn``, ``stale``)
and ``alert_rule_test`` (``eval_time``, ``alertname``, ``exp_alerts`` with ``exp_labels`` and
``exp_annotations``). The same files run unchanged under ``promtool test rules``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import numpy as np
from pydantic import Field

from alerting.prometheus import PrometheusRules, load_prometheus_rules, parse_selector
from datafiles import Duration, Problem, Strict, read_yaml, validate
from datafiles.roots import confined, data_roots

_NUMBER = r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?"
MAX_POINTS = 100_000  # samples of one input series
MAX_EVALUATIONS = 100_000  # evaluations of one test group: eval_time / evaluation_interval
_TERM = re.compile(rf"^({_NUMBER}|_|stale)(?:([+-])({_NUMBER}))?(?:x(\d+))?$")


class Series(Strict):
    """An input series of a rule test, in promtool's expanding notation."""

    series: str
    values: str


class ExpectedAlert(Strict):
    """An alert a test expects, with its labels and annotations."""

    exp_labels: dict[str, str] = {}
    exp_annotations: dict[str, str] = {}


class AlertTest(Strict):
    """The alerts expected for one rule at one evaluation time."""

    eval_time: Annotated[Duration, Field(ge=0)]
    alertname: str
    exp_alerts: list[ExpectedAlert] = []


class TestGroup(Strict):
    """Input series and the expectations they are checked against."""

    interval: Annotated[Duration, Field(ge=1)] | None = None
    input_series: list[Series] = []
    alert_rule_test: list[AlertTest] = []
    name: str = ""


class TestFile(Strict):
    """A promtool rule test file: the rule files and the test groups."""

    rule_files: list[str]
    evaluation_interval: Annotated[Duration, Field(ge=1)] = 60.0
    tests: list[TestGroup]


def expand(values: str) -> list[float | str | None]:
    """promtool's expanding notation: numbers, '_' (no sample), 'stale', and 'a+bxn' ranges."""
    out: list[float | str | None] = []
    for term in values.split():
        m = _TERM.match(term)
        if not m:
            raise ValueError(f"cannot read {term!r}: use numbers, _, stale, a+bxn, a-bxn or axn")
        start, sign, step, times = m.groups()
        if times and len(out) + int(times) >= MAX_POINTS:
            raise ValueError(f"{term!r} makes the series longer than {MAX_POINTS:,} samples")
        if not all(math.isfinite(float(x)) for x in (start, step) if x not in (None, "_", "stale")):
            raise ValueError(f"cannot read {term!r}: a number too large to be finite")
        if start in ("_", "stale"):
            if sign:
                raise ValueError(f"cannot read {term!r}: '{start}' takes no step")
            out += [None if start == "_" else "stale"] * (int(times) if times else 1)
            continue
        a, n = float(start), int(times) if times else 0
        b = float(step) * (1 if sign == "+" else -1) if sign else 0.0
        out += [a + k * b for k in range(n + 1)]
    return out


@dataclass
class Outcome:
    """How a test file went: expectations passed, and each problem located."""

    file: str
    passed: int = 0
    problems: list[Problem] = field(default_factory=list)


def run_test_file(path: str | Path) -> Outcome:
    """Every alert_rule_test of a file; each failure becomes a located Problem."""
    path = Path(path)
    data, origins = read_yaml(path)
    spec = validate(TestFile, data, origins, str(path))
    roots = data_roots(path)
    rules = [
        r
        for i, f in enumerate(spec.rule_files)
        for r in load_prometheus_rules(_rule_file(path, f, i, roots, origins))
    ]
    outcome = Outcome(str(path))
    for g, group in enumerate(spec.tests):
        _run_group(path, spec, g, group, rules, origins, outcome)
    return outcome


def _rule_file(path: Path, name: str, i: int, roots: tuple[Path, ...], origins: dict) -> Path:
    line = origins.get(("rule_files", i), (None, None, None))[1]
    return confined(path.parent / name, roots, file=str(path), line=line, key=f"rule_files[{i}]")


def _run_group(path, spec, g, group, rules, origins, outcome) -> None:
    interval = group.interval or spec.evaluation_interval
    series, samples = [], []
    for k, s in enumerate(group.input_series):
        try:
            metric, labels = parse_selector(s.series)
            points = expand(s.values)
        except ValueError as exc:
            file, line, col = origins.get(("tests", g, "input_series", k), (str(path), None, None))
            outcome.problems.append(
                Problem(
                    str(exc), file=file, line=line, column=col, key=f"tests[{g}].input_series[{k}]"
                )
            )
            return
        series.append({"__name__": metric, **labels})
        samples += [(k, i * interval, p) for i, p in enumerate(points) if p is not None]
    engine = PrometheusRules(rules, series)
    checks = sorted(enumerate(group.alert_rule_test), key=lambda c: c[1].eval_time)
    step, t, fed = spec.evaluation_interval, 0.0, 0
    last = max((c.eval_time for _, c in checks), default=0.0)
    if last / step > MAX_EVALUATIONS:
        file, line, col = origins.get(("tests", g), (str(path), None, None))
        outcome.problems.append(
            Problem(
                f"eval_time {last:g} s needs {last / step:,.0f} evaluations, more than the budget "
                f"of {MAX_EVALUATIONS:,}",
                file=file,
                line=line,
                key=f"tests[{g}].alert_rule_test",
                hint="a longer evaluation_interval or an earlier eval_time",
            )
        )
        return
    samples.sort(key=lambda x: x[1])
    for c, test in checks:
        while t <= test.eval_time + 1e-9:
            fed = _feed(engine, samples, fed, t)
            engine.evaluate(t)
            t += step
        got = sorted(a.key() for a in engine.firing(test.alertname))
        want = sorted(
            (
                tuple(sorted({**e.exp_labels, "alertname": test.alertname}.items())),
                tuple(sorted(e.exp_annotations.items())),
            )
            for e in test.exp_alerts
        )
        if got == want:
            outcome.passed += 1
            continue
        file, line, col = origins.get(("tests", g, "alert_rule_test", c), (str(path), None, None))
        outcome.problems.append(
            Problem(
                f"alert {test.alertname} at {_fmt(test.eval_time)}",
                file=file,
                line=line,
                column=col,
                key=f"tests[{g}].alert_rule_test[{c}]",
                expected=_show(want),
                found=_show(got),
            )
        )


def _feed(engine: PrometheusRules, samples: list, start: int, now: float) -> int:
    end = start
    while end < len(samples) and samples[end][1] <= now:
        end += 1
    batch = samples[start:end]
    if batch:
        d = np.array([b[0] for b in batch])
        ts = np.array([b[1] for b in batch])
        stale = np.array([b[2] == "stale" for b in batch])
        v = np.array([math.nan if b[2] == "stale" else b[2] for b in batch])
        engine.ingest(d, ts, v, stale)
    return end


def _fmt(seconds: float) -> str:
    return f"{seconds / 60:g}m" if seconds % 60 == 0 else f"{seconds:g}s"


def _show(alerts: list) -> str:
    if not alerts:
        return "no alerts"
    return "; ".join(
        "{"
        + ", ".join(f"{k}={v!r}" for k, v in labels)
        + "} "
        + "{"
        + ", ".join(f"{k}={v!r}" for k, v in ann)
        + "}"
        for labels, ann in alerts
    )
