"""Alert rule files: which devices, what condition, for how long, how it clears, what to say."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from alerting.templates import Templates
from datafiles import Duration, Strict, read_yaml, validate

_CONDITION = re.compile(r"^\s*(value|rate)\s*(>=|<=|==|!=|>|<)\s*(-?\d+(?:\.\d+)?)\s*$")
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


class ValueCondition(Strict):
    """``value OP number`` on the newest sample, or ``rate OP number`` (change per minute)."""

    subject: Literal["value", "rate"]
    op: str
    threshold: float

    @classmethod
    def parse(cls, text: str) -> ValueCondition:
        """``value OP number`` or ``rate OP number``, checked."""
        m = _CONDITION.match(text)
        if not m:
            raise ValueError("a condition of the form 'value OP number' or 'rate OP number'")
        return cls(subject=m.group(1), op=m.group(2), threshold=float(m.group(3)))

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

    @field_validator("condition", "clear")
    @classmethod
    def _condition_form(cls, text: str | None) -> str | None:
        if text is not None:
            ValueCondition.parse(text)
        return text

    @model_validator(mode="after")
    def _ladder_rises(self) -> Rule:
        levels = [SEVERITIES.index(self.severity)]
        for step in self.escalate:
            levels.append(SEVERITIES.index(step.severity))
        afters = [s.after for s in self.escalate]
        if levels != sorted(set(levels)) or afters != sorted(set(afters)):
            raise ValueError("escalation steps must come later and rise in severity")
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


class OfflineRule(Strict):
    """A device that has not reported for ``after_missed`` report intervals is offline."""

    alert: Name
    device_type: str
    match: dict[str, str] = {}
    after_missed: Annotated[float, Field(gt=0)] = 3.0
    severity: Severity = "warning"
    labels: Templates = {}
    annotations: Templates = {}


class DeviceType(Strict):
    """A device type as the rules know it: how often it reports."""

    report_interval: Annotated[Duration, Field(gt=0)]


class RuleSet(Strict):
    """A rule file: device types with their report cadence, value rules and offline rules."""

    device_types: dict[str, DeviceType] = {}
    rules: list[Rule] = []
    offline: list[OfflineRule] = []

    @model_validator(mode="after")
    def _consistent(self) -> RuleSet:
        names = [r.alert for r in (*self.rules, *self.offline)]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"alert names must be unique: {', '.join(dup)}")
        if not names:
            raise ValueError("a rule file needs at least one rule under 'rules' or 'offline'")
        for r in self.offline:
            if r.device_type not in self.device_types:
                raise ValueError(
                    f"offline rule {r.alert}: device type '{r.device_type}' has no "
                    "report_interval under device_types"
                )
        return self


def load_rules(path: str | Path) -> RuleSet:
    """Read a rule file; a UserError names any fault by file, line and key path."""
    data, origins = read_yaml(Path(path))
    return validate(RuleSet, data, origins, str(path))
