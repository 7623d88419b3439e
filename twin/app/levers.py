"""A scenario's levers, as the page shows them: each a key path of the scenario (the same a
``--set`` names), its kind, unit and range read from the scenario schema, and its value.

The levers a planner reaches for first: how each policy is delivered, the treasury route, the
libraries' gaps and lag, pushes and reminders, reviewers, how often the platform sweeps its
library; the keys the scenario's variants differ on come first.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotated_types import Ge, Le
from pydantic import BaseModel

from datafiles.units import format_duration
from twin.core.units import DAY
from twin.scenario.schema import Scenario

COMMON = (  # beside each policy's delivery mode
    "treasury.route",
    "treasury.layered_level_delay",
    "libraries.person.missing",
    "libraries.person.stale",
    "libraries.person.update_lag",
    "libraries.enterprise.missing",
    "pushes.reminders",
    "approval.reviewers",
    "matching.sweep_every",
    "matching.on_events",
)
UNITS = {"Share": "share", "Duration": "days"}


@dataclass(frozen=True)
class Lever:
    """One input of the page: ``key`` as ``--set`` names it; ``kind`` Select, SliderInt,
    SliderFloat, Checkbox or Days (a duration typed in days); ``choices`` for a Select."""

    key: str
    kind: str
    value: Any
    unit: str = ""
    choices: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None

    @property
    def label(self) -> str:
        """The key as the planner reads it, with its unit."""
        return f"{self.key} ({self.unit})" if self.unit else self.key

    def user_param(self) -> dict[str, Any]:
        """The lever as Mesa's SolaraViz takes a model parameter."""
        base = {"label": self.label, "value": self.value}
        if self.kind == "Select":
            return {**base, "type": "Select", "values": list(self.choices)}
        if self.kind == "Checkbox":
            return {**base, "type": "Checkbox"}
        if self.kind == "Days":
            return {**base, "type": "InputText"}
        step = 1 if self.kind == "SliderInt" else 0.01
        return {**base, "type": self.kind, "min": self.low, "max": self.high, "step": step}


def levers(scenario: Scenario, delivery: Mapping[str, str]) -> list[Lever]:
    """The scenario's levers: its variants' keys first, then the delivery of each policy its
    files name (``delivery``: each one's mode as its file writes it), then the common ones."""
    keys = [*variant_keys(scenario)]
    keys += [f"policy_delivery.{Path(p).stem}" for p in scenario.policies]
    keys += list(COMMON)
    seen: dict[str, Lever] = {}
    for key in keys:
        if key not in seen:
            lever = lever_of(scenario, key, delivery)
            if lever is not None:
                seen[key] = lever
    return list(seen.values())


def variant_keys(scenario: Scenario) -> list[str]:
    """The key paths the scenario's variants set, flattened (``treasury.route``)."""
    out: list[str] = []
    for overrides in scenario.variants.values():
        out += [k for k in _flatten(overrides) if k not in out]
    return out


def lever_of(scenario: Scenario, key: str, delivery: Mapping[str, str]) -> Lever | None:
    """The lever for a key path, from the schema's type and the scenario's value (None for a
    key the page has no input for)."""
    parts = key.split(".")
    if parts[0] == "policy_delivery" and len(parts) == 2:
        if parts[1] not in delivery:
            return None
        value = scenario.policy_delivery.get(parts[1], delivery[parts[1]])
        return Lever(key, "Select", value, choices=("apply", "push", "auto"))
    model: Any = Scenario
    value: Any = scenario
    annotation: Any = None
    for part in parts:
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        field = model.model_fields.get(part)
        if field is None:
            return None
        value = getattr(value, part)
        annotation, model = field, field.annotation
    return _from_field(key, annotation, value)


def _from_field(key: str, field, value) -> Lever | None:
    kind = field.annotation
    name = getattr(kind, "__name__", "")
    metadata = list(field.metadata)
    low = next((m.ge for m in metadata if isinstance(m, Ge)), None)
    high = next((m.le for m in metadata if isinstance(m, Le)), None)
    if typing.get_origin(kind) is typing.Literal:
        return Lever(key, "Select", value, choices=tuple(typing.get_args(kind)))
    if kind is bool:
        return Lever(key, "Checkbox", bool(value))
    if _is_duration(field):
        return Lever(key, "Days", f"{value / DAY:g}d", unit="days")
    if kind is int:
        return Lever(key, "SliderInt", int(value), low=low or 0, high=high or max(10, 4 * value))
    if kind is float:
        unit = "share" if (low, high) == (0.0, 1.0) else name
        return Lever(key, "SliderFloat", float(value), unit=unit, low=low or 0.0, high=high or 1.0)
    return None


def _is_duration(field) -> bool:
    """A ``datafiles.Duration``: seconds written with a unit (its serializer says so)."""
    return any(getattr(m, "func", None) is format_duration for m in field.metadata)


def _flatten(data: dict, prefix: str = "") -> list[str]:
    keys = []
    for k, v in data.items():
        key = f"{prefix}{k}"
        keys += _flatten(v, f"{key}.") if isinstance(v, dict) else [key]
    return keys
