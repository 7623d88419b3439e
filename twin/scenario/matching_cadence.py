"""When the platform decides: a sweep of its whole library every so many days, and - with
event notices - the same day for the entities a life event concerned (scenario section
``matching``; docs/scenarios.md)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator

from datafiles import Duration, Strict
from twin.core.units import DAY


class Matching(Strict):
    """How often the platform re-decides, and whether life events trigger a decision."""

    sweep_every: Annotated[Duration, Field(ge=DAY, le=366 * DAY)] = DAY
    # a department notifies the platform of a life event (a birth, an arrival, a graduation, a
    # new firm, a job, a home bought, a death, a move) the day it happens: the entity's record
    # takes its new values at once and its policies are decided that day
    on_events: bool = False

    @field_validator("sweep_every")
    @classmethod
    def _whole_days(cls, seconds: float) -> float:
        if seconds % DAY:
            raise ValueError("a number of whole days, e.g. 1d, 7d or 30d")
        return seconds

    @property
    def sweep_days(self) -> int:
        """Days between two sweeps of the whole library."""
        return int(self.sweep_every // DAY)
