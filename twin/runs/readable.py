"""Figures in the units a planner reads: shares as percentages, times in days, hours or
minutes, money in yuan (万元 when large), counts with thousands separators; never scientific
notation, never raw seconds.

The unit is the summary's (``{"value": ..., "unit": ...}``). A scale (days or hours, yuan or
万元, how many decimals) is chosen from the value itself, and a mean's interval is written in
the mean's scale.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from twin.core.units import DAY, HOUR, MINUTE
from twin.runs.intervals import Estimate

SHARE, YUAN = "share", "yuan"
TIMES = {"s": 1.0, "min": MINUTE, "h": HOUR, "d": DAY}  # time units, in seconds
WAN = 10_000.0  # 万: money from a million yuan on reads as 万元


@dataclass(frozen=True)
class Scale:
    """How to write numbers of one magnitude: divide, round, then name the unit."""

    divisor: float
    decimals: int
    suffix: str


def scale_for(unit: str | None, magnitude: float, *, difference: bool = False) -> Scale:
    """The scale for values of about this magnitude (in the summary's unit); a difference of
    shares is in percentage points."""
    magnitude = abs(magnitude) if math.isfinite(magnitude) else 0.0
    if unit == SHARE:
        return Scale(0.01, _decimals(magnitude * 100, 2, least=1), " pp" if difference else "%")
    if unit in TIMES:
        if magnitude == 0:
            return Scale(1.0, 0, f" {unit}")  # nothing, in the figure's own unit: "0 h"
        return _time_scale(magnitude * TIMES[unit], TIMES[unit])
    if unit == YUAN:
        if magnitude >= 100 * WAN:
            return Scale(WAN, 1, " 万元")
        return Scale(1.0, 0, " yuan")
    return Scale(1.0, _decimals(magnitude, 3, least=0), "")


def readable(value: float | None, unit: str | None) -> str:
    """One value in its unit's readable scale; "-" when it is undefined."""
    if value is None or not math.isfinite(value):
        return "-"
    if unit not in (SHARE, YUAN, *TIMES) and float(value).is_integer():
        return f"{int(value):,}"  # a count (read back from Parquet as a float, too)
    scale = scale_for(unit, value)
    return _number(value, scale) + scale.suffix


def readable_estimate(est: Estimate, unit: str | None) -> str:
    """A mean and its interval in one scale: "25.4% [23.1, 27.7]" (the mean alone when there is
    no interval)."""
    if est.mean is None:
        return "-"
    if unit == SHARE and est.low is not None and est.high is not None:
        # a share lies in [0, 100%]; the t-interval of a mean near a bound need not
        est = Estimate(est.n, est.mean, max(est.low, 0.0), min(est.high, 1.0))
    return _with_interval(est, scale_for(unit, est.mean), sign=False)


def readable_difference(est: Estimate, unit: str | None) -> str:
    """A signed difference and its interval, in a scale fitting the difference itself:
    "+3.2 pp [1.0, 5.4]", "-2.1 d [-2.5, -1.7]"."""
    if est.mean is None:
        return "-"
    bounds = [abs(v) for v in (est.mean, est.low, est.high) if v is not None]
    scale = scale_for(unit, max(bounds), difference=True)
    if unit not in (SHARE, YUAN, *TIMES) and all(float(b).is_integer() for b in bounds):
        scale = Scale(1.0, 0, "")  # a whole number of things
    return _with_interval(est, scale, sign=True)


def _with_interval(est: Estimate, scale: Scale, *, sign: bool) -> str:
    text = _number(est.mean, scale, sign=sign) + scale.suffix
    if est.low is None or est.high is None:
        return text
    return f"{text} [{_number(est.low, scale)}, {_number(est.high, scale)}]"


def _time_scale(seconds: float, unit: float) -> Scale:
    """Days, hours, minutes or seconds, whichever reads best; values are in ``unit`` seconds."""
    # as shown in the next smaller unit: hours to one decimal, minutes whole (from 10 min)
    shown = {DAY: round(seconds / HOUR, 1) >= 24, HOUR: round(seconds / MINUTE) >= 60}
    for size, suffix in ((DAY, " d"), (HOUR, " h")):
        if seconds >= size or shown[size]:  # 23.97 h reads 1.0 d; 59.7 min reads 1.0 h
            return Scale(size / unit, 1, suffix)
    if seconds >= MINUTE:
        return Scale(MINUTE / unit, 1 if seconds < 10 * MINUTE else 0, " min")
    return Scale(1.0 / unit, 1 if 0 < seconds < 10 else 0, " s")


def _decimals(magnitude: float, figures: int, *, least: int) -> int:
    """Enough decimals for ``figures`` significant figures, but at least ``least``."""
    if magnitude == 0:
        return least
    return max(least, min(6, figures - 1 - math.floor(math.log10(magnitude))))


def _number(value: float, scale: Scale, *, sign: bool = False) -> str:
    x = round(value / scale.divisor, scale.decimals) + 0.0  # + 0.0: no "-0.0"
    return f"{x:{'+' if sign else ''},.{scale.decimals}f}"
