"""The states an alert moves through, and the severity ladder it climbs while firing; shared
by value rules (per device) and combined rules (per group)."""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum

import numpy as np

from alerting.rules import SEVERITIES, SeverityStep


class State(IntEnum):
    """The state of one (rule, device) or (combined rule, group), kept in int8 arrays."""

    INACTIVE = 0  # the condition does not hold
    PENDING = 1  # it holds, not yet long enough (or on too few samples)
    FIRING = 2  # it has held long enough, and its clearing condition has not


def escalate(
    steps: Sequence[SeverityStep],
    severity: np.ndarray,
    fired_at: np.ndarray,
    firing: np.ndarray,
    now: float,
) -> np.ndarray:
    """Raise ``severity`` in place at each step due (inclusive); which alerts rose."""
    raised = np.zeros(len(firing), bool)
    for step in steps:
        level = np.int8(SEVERITIES.index(step.severity))
        due = firing & (severity < level) & (now - fired_at >= step.after)
        severity[due] = level
        raised |= due
    return raised
