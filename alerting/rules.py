"""Alert rule files: which devices, what condition, for how long, how it clears, what to say."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from alerting.baseline import Baseline
from alerting.hours import Spans
from alerting.templates import Templates
from datafiles import (
    AtKey,
    Duration,
    Strict,
    did_you_mean,
    parse_duration,
    read_yaml,
    validate,
)

_CONDITION = re.compile(
    r"^\s*(value|rate|(avg|sum|max|min|count)_over\s*\(\s*([^)]*?)\s*\))"
    r"\s*(>=|<=|==|!=|>|<)\s*(-?\d+(?:\.\d+)?)\s*$"
)
_AGAINST_BASELINE = re.compile(
    r"^\s*value\s*(>=|<=|==|!=|>|<)\s*(?:(\d+(?:\.\d+)?)\s*\*\s*)?baseline"
    r"\s*(?:([+-])\s*(\d+(?:\.\d+)?))?\s*$"
)
CONDITION_FORMS = (
    "a condition of the form 'value OP number', 'rate OP number' or 'AGG_over(DURATION) OP "
    "number' (AGG one of avg, sum, max, min, count; e.g. 'avg_over(12h) > 5'), or 'value OP "
    "[NUMBER *] baseline [+|- NUMBER]'"
)
OPERATORS: dict[str, Callable] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}
SEVERITIES = ("info", "warning", "critical", "emergency")
Severity = Literal["info", "warning", "critical", "emergency"]
Name = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]


def _check_ladder(severity: str, escalate: list) -> None:
    """Escalation steps come later and rise in severity, from the alert's own severity."""
    levels = [SEVERITIES.index(severity)] + [SEVERITIES.index(s.severity) for s in escalate]
    afters = [s.after for s in escalate]
    if levels != sorted(set(levels)) or afters != sorted(set(afters)):
        raise ValueError("escalation steps must come later and rise in severity")


class ValueCondition(Strict):
    """``value OP number`` on the newest sample, ``rate OP number`` (change per minute), or
    ``AGG_over(DURATION) OP number`` over the last DURATION's samples (``alerting.windows``)."""

    subject: Literal["value", "rate", "avg", "sum", "max", "min", "count"]
    op: str
    threshold: float
    window: float | None = None  # seconds, for the aggregates over a window
    # against the device's baseline: the limit is scale * baseline + threshold
    baseline: bool = False
    scale: float = 1.0

    @classmethod
    def parse(cls, text: str) -> ValueCondition:
        """A condition's text, checked."""
        b = _AGAINST_BASELINE.match(text)
        if b:
            sign = -1.0 if b.group(3) == "-" else 1.0
            offset = sign * float(b.group(4)) if b.group(4) else 0.0
            scale = float(b.group(2)) if b.group(2) else 1.0
            return cls(subject="value", op=b.group(1), threshold=offset, baseline=True,
                       scale=scale)  # fmt: skip
        m = _CONDITION.match(text)
        if not m:
            raise ValueError(CONDITION_FORMS)
        op, threshold = m.group(4), float(m.group(5))
        if m.group(2) is None:
            return cls(subject=m.group(1), op=op, threshold=threshold)
        try:
            window = parse_duration(m.group(3))
        except ValueError as e:
            raise ValueError(f"the window of {m.group(2)}_over(...): {e}") from None
        if window <= 0:
            raise ValueError(f"the window of {m.group(2)}_over(...) must be longer than 0s")
        return cls(subject=m.group(2), op=op, threshold=threshold, window=window)

    @property
    def fn(self) -> Callable:
        """The comparison, vectorised: (subject, threshold) -> bool array."""
        return OPERATORS[self.op]


class SeverityStep(Strict):
    """While the alert keeps firing, after this long its severity rises to this level."""

    after: Duration
    severity: Severity


class Thresholds(Strict):
    """Per-device, per-community or per-township thresholds; the most specific one wins."""

    device: dict[str, float] = {}
    community: dict[str, float] = {}
    township: dict[str, float] = {}


class Rule(Strict):
    """A value rule: devices whose condition holds for ``for`` fire until their clear holds."""

    alert: Name
    device_type: str
    match: dict[str, str] = {}
    condition: str
    thresholds: Thresholds = Thresholds()
    for_: Annotated[Duration, Field(alias="for")] = 0.0
    min_samples: Annotated[int, Field(ge=1, le=1000)] = 1
    clear: str | None = None
    clear_for: Duration = 0.0
    keep_firing_for: Duration = 0.0
    no_data: Literal["hold", "resolve"] = "hold"
    severity: Severity = "warning"
    escalate: list[SeverityStep] = []
    labels: Templates = {}
    annotations: Templates = {}
    notify: bool = True  # false: a signal for combined rules, evaluated but never sent
    during: Spans = []  # local hours the condition may hold in ('22:00-06:00'); none: always
    baseline: Baseline | None = None  # each device's usual level, for 'value < baseline'

    @field_validator("condition", "clear")
    @classmethod
    def _condition_form(cls, text: str | None) -> str | None:
        if text is not None:
            ValueCondition.parse(text)
        return text

    @model_validator(mode="after")
    def _ladder_rises(self) -> Rule:
        _check_ladder(self.severity, self.escalate)
        if self.min_samples > 1 and self.when.window is not None:
            raise ValueError(
                "min_samples counts consecutive samples of the newest value; a condition over "
                "a window already reads every sample in it: drop min_samples"
            )
        _check_baseline(self)
        return self

    @cached_property
    def when(self) -> ValueCondition:
        """The rule's condition."""
        return ValueCondition.parse(self.condition)

    @cached_property
    def clear_when(self) -> ValueCondition | None:
        """The clearing condition, or None to clear when the condition stops."""
        return ValueCondition.parse(self.clear) if self.clear else None

    @property
    def resolve_after(self) -> float:
        """How long the clearing condition must hold before the alert resolves."""
        return max(self.clear_for, self.keep_firing_for)


def _check_baseline(rule: Rule) -> None:
    """A condition on the baseline needs one; a baseline needs a condition that reads it."""
    reads = [c.baseline for c in (rule.when, rule.clear_when) if c is not None]
    if any(reads) and rule.baseline is None:
        raise ValueError(
            "a condition on 'baseline' needs a baseline: add e.g. "
            "'baseline: {quantile: 0.1, by: hour, history: 14}'"
        )
    if rule.baseline is not None and not any(reads):
        raise ValueError("baseline is set but no condition reads it: use 'value < baseline'")
    if any(reads) and (
        rule.thresholds.device or rule.thresholds.community or rule.thresholds.township
    ):
        raise ValueError("thresholds replace a condition's number; a condition on the baseline "
                         "learns its own per device: drop thresholds")  # fmt: skip
    if rule.baseline is not None and rule.min_samples > 1:
        raise ValueError("min_samples cannot be combined with a baseline: drop min_samples")


class OfflineRule(Strict):
    """A device that has not reported for ``after_missed`` report intervals is offline."""

    alert: Name
    device_type: str
    match: dict[str, str] = {}
    after_missed: Annotated[float, Field(gt=0)] = 3.0
    severity: Severity = "warning"
    labels: Templates = {}
    annotations: Templates = {}


class KOfN(Strict):
    """At least ``k`` devices of a group firing one value rule (all of a smaller group)."""

    rule: Name
    k: Annotated[int, Field(ge=1, le=100_000)]
    # a group of fewer than k devices: fires when all of them do, or never (Prometheus's count)
    smaller_groups: Literal["all", "never"] = "all"


class CombinedRule(Strict):
    """An alert over a group of devices (a household, a site, a community) from the value
    rules' states: all of, any of, or k of n of them firing, unless another alert is."""

    alert: Name
    by: Annotated[str, Field(min_length=1)]
    all_of: Annotated[list[Name], Field(min_length=1, max_length=20)] | None = None
    any_of: Annotated[list[Name], Field(min_length=1, max_length=20)] | None = None
    k_of_n: KOfN | None = None
    optional: list[Name] = []  # rules of all_of a group may lack a device for
    unless: Annotated[list[Name], Field(max_length=20)] = []
    for_: Annotated[Duration, Field(alias="for")] = 0.0
    clear_for: Duration = 0.0
    severity: Severity = "warning"
    escalate: list[SeverityStep] = []
    labels: Templates = {}
    annotations: Templates = {}

    @model_validator(mode="after")
    def _one_form(self) -> CombinedRule:
        if sum(x is not None for x in (self.all_of, self.any_of, self.k_of_n)) != 1:
            raise ValueError("give exactly one of all_of, any_of or k_of_n")
        if self.optional:
            if not set(self.optional) <= set(self.all_of or []):
                raise ValueError("optional names rules of all_of (and needs all_of)")
            if set(self.optional) == set(self.all_of):
                raise ValueError("optional cannot name every rule of all_of: one must be asked")
        _check_ladder(self.severity, self.escalate)
        return self

    @property
    def reads(self) -> list[str]:
        """The value rules whose firing devices the condition counts."""
        return self.all_of or self.any_of or [self.k_of_n.rule]

    @property
    def resolve_after(self) -> float:
        """How long the condition must have stopped before the alert resolves."""
        return self.clear_for


class DeviceType(Strict):
    """A device type as the rules know it: how often it reports."""

    report_interval: Annotated[Duration, Field(gt=0)]


class RuleSet(Strict):
    """A rule file: device types with their report cadence, value rules and offline rules."""

    device_types: dict[str, DeviceType] = {}
    rules: list[Rule] = []
    offline: list[OfflineRule] = []
    combined: list[CombinedRule] = []

    @model_validator(mode="after")
    def _consistent(self) -> RuleSet:
        names = [r.alert for r in (*self.rules, *self.offline, *self.combined)]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"alert names must be unique: {', '.join(dup)}")
        if not names:
            raise ValueError("a rule file needs at least one rule under 'rules' or 'offline'")
        for j, r in enumerate(self.offline):
            if r.device_type not in self.device_types:
                raise AtKey(
                    f"offline rule {r.alert}: device type '{r.device_type}' has no "
                    "report_interval under device_types",
                    "offline", j, "device_type",
                    hint=f"add '{r.device_type}: {{report_interval: ...}}' under device_types",
                )  # fmt: skip
        _combined_refer(self)
        return self


def _combined_refer(rules: RuleSet) -> None:
    """A combined rule counts value rules, and is suppressed by value or offline rules or by a
    combined rule above it that groups by the same label."""
    values = {r.alert for r in rules.rules}
    offline = {r.alert for r in rules.offline}
    above: dict[str, str] = {}
    for i, c in enumerate(rules.combined):
        form = "all_of" if c.all_of else "any_of" if c.any_of else "k_of_n"
        for name in c.reads:
            if name not in values:
                raise AtKey(
                    f"combined rule {c.alert}: '{name}' is not a value rule of this file",
                    "combined", i, form,
                    hint=did_you_mean(name, values)
                    or f"value rules: {', '.join(sorted(values)) or 'none'}",
                )  # fmt: skip
        for name in c.unless:
            if name in values or name in offline or above.get(name) == c.by:
                continue
            why = (
                f"it groups by '{above[name]}', not '{c.by}'"
                if name in above
                else "name a value or offline rule, or a combined rule above this one"
            )
            raise AtKey(f"combined rule {c.alert}: unless '{name}': {why}", "combined", i,
                        "unless", hint=did_you_mean(name, [*values, *offline, *above]))  # fmt: skip
        above[c.alert] = c.by


def load_rules(path: str | Path) -> RuleSet:
    """Read a rule file; a UserError names any fault by file, line and key path."""
    data, origins = read_yaml(Path(path))
    return validate(RuleSet, data, origins, str(path))
