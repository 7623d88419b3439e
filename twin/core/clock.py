"""The master clock: a SimPy environment counting seconds since the scenario's start date."""

from __future__ import annotations

import datetime as dt

import simpy

from twin.core.units import DAY


class Clock:
    """Every process in a run reads time here; ``now`` is seconds since ``start`` (midnight)."""

    def __init__(self, start: dt.date) -> None:
        self.start = start
        self._epoch = dt.datetime.combine(start, dt.time())
        self.env = simpy.Environment()

    @property
    def now(self) -> float:
        return float(self.env.now)

    @property
    def today(self) -> dt.date:
        return self.date_at(self.now)

    def day_index(self, t: float) -> int:
        """Whole days since the start: second 0-86399 is day 0."""
        return int(t // DAY)

    def datetime_at(self, t: float) -> dt.datetime:
        return self._epoch + dt.timedelta(seconds=t)

    def date_at(self, t: float) -> dt.date:
        return self.datetime_at(t).date()

    def seconds_at(self, when: dt.date | dt.datetime) -> float:
        """Seconds since the start for a calendar date (midnight) or datetime."""
        if not isinstance(when, dt.datetime):
            when = dt.datetime.combine(when, dt.time())
        return (when - self._epoch).total_seconds()
