"""Capacities scale with the population they serve, so an answer does not depend on the
``city.scale`` a user picks: a scenario states the real city's staff (at scale 1), and a run at
``city.scale`` staffs that figure times the scale, rounded to whole people - never fewer than
one where the city has any (docs/capacity.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# A capacity rounded by more than this share of itself no longer carries the load the real
# city's staff carries; the run notes it.
FAITHFUL = 0.25


@dataclass(frozen=True)
class Staffing:
    """One capacity of a run: the real city's figure, its exact share at the run's scale and
    the whole people staffed."""

    capacity: str  # the scenario key, e.g. ``approval.reviewers``
    unit: str  # whom it staffs, e.g. ``per policy``
    at_scale_1: float
    exact: float
    staffed: int

    @property
    def rounding(self) -> float:
        """staffed / exact - 1: how much more (or less) capacity than the real city's share."""
        return self.staffed / self.exact - 1.0 if self.exact else 0.0

    @property
    def faithful(self) -> bool:
        return abs(self.rounding) <= FAITHFUL

    @property
    def smallest_faithful_scale(self) -> float:
        """The scale from which rounding always stays within ``FAITHFUL``: two people or more
        are never rounded by more than a fifth."""
        return min(1.0, 2.0 / self.at_scale_1) if self.at_scale_1 else 0.0


def staffed(figure: float, scale: float) -> int:
    """Whole people for ``figure`` staff of the real city at ``scale``: rounded half up, at
    least one unless the figure is zero."""
    if figure <= 0:
        return 0
    return max(1, math.floor(figure * scale + 0.5))


def staffing(capacity: str, unit: str, figure: float, scale: float) -> Staffing:
    """The staffing record of one capacity at one scale."""
    return Staffing(capacity, unit, float(figure), figure * scale, staffed(figure, scale))
