"""Means over replications with Student-t confidence intervals, and paired differences.

A figure can be undefined in a run (None: no one was paid, so no time to money): a mean uses
the replications where it exists, a paired difference those where it exists on both sides.
Fewer than two such replications give a mean but no interval. The interval of a figure that
cannot be negative (a time, a count, a share, money: every replication at or above 0) is cut at
0, where the mean's own range ends - a skewed figure over a few runs would otherwise read
"6.6 h [-18.6, 31.8]". Differences are never cut.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Estimate:
    """A mean over n replications and its confidence interval [low, high] (None when n < 2)."""

    n: int
    mean: float | None
    low: float | None = None
    high: float | None = None

    @property
    def covers_zero(self) -> bool | None:
        """For a difference: the interval holds 0, so the data do not tell the two apart."""
        return None if self.low is None or self.high is None else self.low <= 0.0 <= self.high

    def to_json(self) -> dict:
        return {"n": self.n, "mean": self.mean, "low": self.low, "high": self.high}


def half_width(values: np.ndarray, confidence: float) -> float:
    """t * sd / sqrt(n): the half-width of the mean's confidence interval."""
    n = len(values)
    t = stats.t.ppf((1 + confidence) / 2, n - 1)
    return float(t * values.std(ddof=1) / math.sqrt(n))


def present(values: Sequence[float | None]) -> np.ndarray:
    """Where a figure exists: not None and finite."""
    return np.array([v is not None and math.isfinite(v) for v in values], bool)


def mean_interval(
    values: Sequence[float | None], confidence: float = CONFIDENCE, *, figure: bool = False
) -> Estimate:
    """The mean of the values that exist, with its t-interval when there are two or more; for a
    ``figure`` whose every value is at or above 0, the interval starts at 0 at the lowest."""
    here = np.asarray(values, dtype=object)[present(values)].astype(float)
    if len(here) == 0:
        return Estimate(0, None)
    mean = float(here.mean())
    if len(here) < 2:
        return Estimate(1, mean)
    h = half_width(here, confidence)
    low = max(mean - h, 0.0) if figure and (here >= 0).all() else mean - h
    return Estimate(len(here), mean, low, mean + h)


def paired_difference(
    base: Sequence[float | None], other: Sequence[float | None], confidence: float = CONFIDENCE
) -> Estimate:
    """other - base replication by replication (same seeds), then the mean and its interval:
    what the two share cancels, so the interval is narrower than that of two separate means."""
    if len(base) != len(other):
        raise ValueError(f"paired values need as many replications: {len(base)} != {len(other)}")
    both = present(base) & present(other)
    b = np.asarray(base, dtype=object)[both].astype(float)
    o = np.asarray(other, dtype=object)[both].astype(float)
    return mean_interval(list(o - b), confidence)


def unpaired_difference(
    base: Sequence[float | None], other: Sequence[float | None], confidence: float = CONFIDENCE
) -> Estimate:
    """mean(other) - mean(base) for runs that share no random numbers (two scales, two
    scenarios), with Welch's interval, which does not assume equal variances."""
    b = np.asarray(base, dtype=object)[present(base)].astype(float)
    o = np.asarray(other, dtype=object)[present(other)].astype(float)
    if len(b) == 0 or len(o) == 0:
        return Estimate(0, None)
    mean = float(o.mean() - b.mean())
    n = min(len(b), len(o))
    if len(b) < 2 or len(o) < 2:
        return Estimate(n, mean)
    if b.std() == 0 and o.std() == 0:
        return Estimate(n, mean, mean, mean)  # no spread on either side: the difference is exact
    ci = stats.ttest_ind(o, b, equal_var=False).confidence_interval(confidence)
    return Estimate(n, mean, float(ci.low), float(ci.high))
