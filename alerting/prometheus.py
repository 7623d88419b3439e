"""Prometheus parity: alerting rules of the form ``metric{label="v"} OP number``,
``AGG_over_time(metric{...}[range]) OP number``, and ``count by (label) (either) >= k`` (a
combined ``k_of_n`` rule over a signal).

Rules run on the same vectorized engine with Prometheus semantics: each series is a device,
the condition reads the newest sample within the 5-minute lookback (inclusive), a stale marker
ends a series at once (``AGG_over_time`` reads every sample of its range, both ends inclusive
as in Prometheus 2, and ignores stale markers), ``for`` fires at the first evaluation where
``t - active_at >= for``, a pending alert that stops is dropped, ``keep_firing_for`` holds
only firing alerts. PromAlert labels are the series labels (without ``__name__``), the rule's
labels and ``alertname``; annotations may use ``{{ $labels.name }}`` and ``{{ $value }}``
(the expression's value), printed as Go prints a float64.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import numpy as np
from pydantic import Field, field_validator

from alerting.engine import AlertEngine, State
from alerting.rules import CombinedRule, Rule, RuleSet
from alerting.templates import Templates, render
from datafiles import Duration, Strict, format_duration, parse_duration, read_yaml, validate

LOOKBACK = 300.0
LABEL_PREFIX = "l:"
_METRIC = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
_EXPR = re.compile(
    rf"^\s*(?:(?P<fn>avg|sum|max|min|count)_over_time\s*\(\s*)?(?P<metric>{_METRIC})\s*"
    r"(?:\{(?P<matchers>[^{}]*)\})?\s*(?:\[(?P<range>[^\]]*)\]\s*)?(?P<close>\))?\s*"
    r"(?P<op>>=|<=|==|!=|>|<)\s*(?P<threshold>[-+0-9.eE]+)\s*$"
)
_COUNT = re.compile(
    r"^\s*count\s+by\s*\(\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*\((.*)\)\s*(?:(>=|>)\s*(\d+))?\s*$"
)
_MATCHER = re.compile(r'^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*$')


def parse_selector(text: str) -> tuple[str, dict[str, str]]:
    """``metric{a="x",b="y"}`` -> (metric, {a: x, b: y}); only ``=`` matchers."""
    m = re.match(rf"^\s*({_METRIC})\s*(?:\{{(.*)\}})?\s*$", text)
    if not m:
        raise ValueError(f"not a series selector: {text!r}")
    return m.group(1), _matchers(m.group(2) or "")


def _matchers(body: str) -> dict[str, str]:
    out = {}
    for part in filter(str.strip, _split_commas(body)):
        m = _MATCHER.match(part)
        if not m:
            raise ValueError(f'only label="value" matchers are supported, found {part.strip()!r}')
        out[m.group(1)] = m.group(2).replace('\\"', '"').replace("\\\\", "\\")
    return out


def _split_commas(body: str) -> list[str]:
    parts, depth, cur = [], False, ""
    for ch in body:
        if ch == '"' and not cur.endswith("\\"):
            depth = not depth
        if ch == "," and not depth:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    return [*parts, cur]


class PromRule(Strict):
    """A Prometheus alerting rule (``alert``, ``expr``, ``for``...), as written."""

    alert: str
    expr: str
    for_: Annotated[Duration, Field(alias="for")] = 0.0
    keep_firing_for: Duration = 0.0
    labels: Templates = {}
    annotations: Templates = {}

    @field_validator("expr")
    @classmethod
    def _subset(cls, text: str) -> str:
        count = _COUNT.match(text)
        m = _EXPR.match(count.group(2) if count else text)
        whole = m is not None and (m["fn"] is None) == (m["range"] is None) == (m["close"] is None)
        if not whole:
            raise ValueError(
                'an expression of the form metric{label="value"} OP number, '
                "AGG_over_time(metric{...}[range]) OP number (AGG: avg, sum, max, min, count), "
                "or count by (label) (either) >= k"
            )
        _matchers(m["matchers"] or "")
        float(m["threshold"])
        if m["fn"] and parse_duration(m["range"]) <= 0:
            raise ValueError(f"the range of {m['fn']}_over_time must be longer than 0s")
        if count and count.group(4) is not None and int(count.group(4)) > 100_000:
            raise ValueError("count by ... >= k: k at most 100000")
        return text

    @property
    def parts(self) -> tuple[str, dict[str, str], str, float]:
        """(metric, label matchers, operator, threshold) of the rule's expression (inside
        ``count by``)."""
        m = self._match
        return m["metric"], _matchers(m["matchers"] or ""), m["op"], float(m["threshold"])

    @property
    def _match(self) -> re.Match:
        count = _COUNT.match(self.expr)
        m = _EXPR.match(count.group(2) if count else self.expr)
        assert m is not None
        return m

    @property
    def subject(self) -> str:
        """What the engine's condition reads: ``value``, or ``AGG_over(range)``."""
        m = self._match
        return f"{m['fn']}_over({m['range'].strip()})" if m["fn"] else "value"

    @property
    def by(self) -> str | None:
        """The label of ``count by (label)``, or None for a rule on each series."""
        count = _COUNT.match(self.expr)
        return count.group(1) if count else None

    @property
    def at_least(self) -> int:
        """``count by`` fires when at least this many series meet the condition."""
        count = _COUNT.match(self.expr)
        if count is None or count.group(3) is None:
            return 1
        k = int(count.group(4))
        return max(k + (count.group(3) == ">"), 1)

    def as_rule(self) -> Rule:
        """The same rule for the engine: a device type per metric, Prometheus semantics (for a
        ``count by`` rule, its signal on each series, never notified).

        Series labels become device labels prefixed with ``l:`` (``type`` is the engine's).
        """
        metric, match, op, threshold = self.parts
        counted = self.by is not None
        return Rule.model_validate(
            {
                "alert": f"{self.alert}__series" if counted else self.alert,
                "device_type": metric,
                "match": {LABEL_PREFIX + k: v for k, v in match.items()},
                "condition": f"{self.subject} {op} {threshold!r}",
                "for": format_duration(0.0 if counted else self.for_),
                "keep_firing_for": format_duration(0.0 if counted else self.keep_firing_for),
                "no_data": "resolve",
                "labels": {} if counted else self.labels,
                "annotations": {} if counted else self.annotations,
                "notify": not counted,
            }
        )

    def as_combined(self) -> CombinedRule:
        """A ``count by`` rule for the engine: ``k_of_n`` over its signal, groups of fewer than
        k series never firing, ``keep_firing_for`` as ``clear_for``."""
        return CombinedRule.model_validate(
            {
                "alert": self.alert,
                "by": LABEL_PREFIX + str(self.by),
                "k_of_n": {"rule": f"{self.alert}__series", "k": self.at_least,
                           "smaller_groups": "never"},
                "for": format_duration(self.for_),
                "clear_for": format_duration(self.keep_firing_for),
                "labels": self.labels,
                "annotations": self.annotations,
            }
        )  # fmt: skip


class RuleGroup(Strict):
    """A group of rules evaluated together."""

    name: str
    interval: Duration | None = None
    rules: list[PromRule]


class PromRuleFile(Strict):
    """A Prometheus rule file: its groups."""

    groups: list[RuleGroup]


def load_prometheus_rules(path: str | Path) -> list[PromRule]:
    """Read a Prometheus alerting rule file (the supported subset); errors name the key path."""
    data, origins = read_yaml(Path(path))
    parsed = validate(PromRuleFile, data, origins, str(path))
    return [r for g in parsed.groups for r in g.rules]


@dataclass(frozen=True)
class PromAlert:
    """A firing alert as Prometheus reports it."""

    labels: dict[str, str]
    annotations: dict[str, str]

    def key(self) -> tuple:
        """The alert's identity: its name and labels."""
        return (tuple(sorted(self.labels.items())), tuple(sorted(self.annotations.items())))


class PrometheusRules:
    """Prometheus alerting rules evaluated over a fixed set of series (one device each)."""

    def __init__(self, rules: Sequence[PromRule], series: Sequence[Mapping[str, str]]) -> None:
        self.rules = list(rules)
        self.series = [dict(s) for s in series]
        names = {k for s in self.series for k in s if k != "__name__"}
        names |= {r.by for r in self.rules if r.by is not None}
        names = sorted(names | {k for r in self.rules for k in r.parts[1]})  # absent means ""
        labels = {"type": np.array([s["__name__"] for s in self.series] or [""], dtype=object)}
        for k in names:
            labels[LABEL_PREFIX + k] = np.array([s.get(k, "") for s in self.series], dtype=object)
        if not self.series:
            labels = {"type": np.zeros(0, dtype=object)}
        counted = [r for r in self.rules if r.by is not None]
        ruleset = RuleSet.model_construct(
            device_types={},
            rules=[r.as_rule() for r in self.rules],
            offline=[],
            combined=[r.as_combined() for r in counted],
        )
        self.engine = AlertEngine(ruleset, labels, lookback=LOOKBACK)
        self._counted = {r.alert: k for k, r in enumerate(counted)}
        self.active_value = np.full(len(self.series), np.nan)  # $value: last value while active
        self._values = np.full((len(self.rules), len(self.series)), np.nan)

    def ingest(self, device, ts, value, stale=None) -> None:
        """Queue samples of a series for the next evaluation."""
        self.engine.ingest(device, ts, value, stale)

    def evaluate(self, now: float) -> None:
        """One evaluation of the group at ``now``."""
        self.engine.tick(now)
        for i, vs in enumerate(self.engine._values):
            dev, when = vs.devices, vs.rule.when
            x = self.engine._subject(when, dev, vs.threshold)
            holds = self.engine._fresh(when, dev, now) & when.fn(x, vs.threshold)
            self._values[i, dev[holds]] = x[holds]

    def firing(self, alertname: str) -> list[PromAlert]:
        """The alerts firing after the last evaluation."""
        out = []
        for i, rule in enumerate(self.rules):
            if rule.alert != alertname:
                continue
            if rule.alert in self._counted:
                out += self._counts(rule, self.engine._combined[self._counted[rule.alert]])
                continue
            vs = self.engine._values[i]
            for d in vs.devices[vs.state == State.FIRING].tolist():
                out.append(self._alert(rule, d, self._values[i, d]))
        return out

    def _alert(self, rule: PromRule, device: int, value: float) -> PromAlert:
        series = self.series[device]
        ctx = {"labels": series, "value": value}
        labels = {k: v for k, v in series.items() if k != "__name__"}
        labels.update({k: render(v, ctx) for k, v in rule.labels.items()})
        labels["alertname"] = rule.alert
        return PromAlert(labels, {k: render(v, ctx) for k, v in rule.annotations.items()})

    def _counts(self, rule: PromRule, cs) -> list[PromAlert]:
        """A ``count by`` rule's firing groups, labelled by the group's value of its label
        (none if the series lack it) and valued at the count."""
        out = []
        for g in np.flatnonzero(cs.state == State.FIRING).tolist():
            value = self.series[int(cs.rep[g])].get(str(rule.by), "")
            group = {str(rule.by): value} if value else {}
            ctx = {"labels": group, "value": float(cs.count[0, g])}
            labels = {**group, **{k: render(v, ctx) for k, v in rule.labels.items()}}
            labels["alertname"] = rule.alert
            out.append(PromAlert(labels, {k: render(v, ctx) for k, v in rule.annotations.items()}))
        return out
