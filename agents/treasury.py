"""Money out of the treasury by its route: direct to the account, or quota level by level."""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass

import numpy as np
import simpy

from twin.core.units import DAY


@dataclass(frozen=True)
class Route:
    """``direct``: one processing step; ``layered``: ``levels`` quota steps, then processing.

    ``windows``: seconds of the day at which the bank runs its batches; a payment waits for
    the next one (after the day's last window - the cut-off - for the next day's first).
    """

    kind: str
    processing_seconds: float
    levels: int = 0
    level_delay_seconds: float = 0.0
    windows: tuple[float, ...] = ()
    level_batch_seconds: float = 0.0  # each level allocates quotas in runs this far apart
    outage: float = 0.0  # chance the bank is down at a batch window (the payment waits)


def next_window(now: float, windows: tuple[float, ...]) -> float:
    """The first batch window at or after ``now`` (``now`` itself without windows)."""
    if not windows:
        return now
    day = now // DAY * DAY
    for w in sorted(windows):
        if day + w >= now:
            return day + w
    return day + DAY + min(windows)


def treasury_payment(
    env: simpy.Environment,
    route: Route,
    account_valid: bool,
    *,
    rng: np.random.Generator,
    settle: Callable[[float, str], None],
) -> Generator:
    """A payment waits at each budget level (layered route), then for the bank's next batch
    window, is processed, and lands in the beneficiary's account - or is returned if the
    account is invalid."""
    if route.kind == "layered":
        for _ in range(route.levels):
            if route.level_batch_seconds:  # wait for the level's next allocation run
                period = route.level_batch_seconds
                yield env.timeout(-env.now % period)
            yield env.timeout(rng.exponential(route.level_delay_seconds))
    processing = rng.exponential(route.processing_seconds)
    while True:  # a batch window at which the bank is up (an outage: try the next one)
        batch = next_window(env.now, route.windows)
        if batch > env.now:
            yield env.timeout(batch - env.now)
        if rng.random() >= route.outage:
            break
        # with windows, move past this one to the next; without, retry in an hour
        yield env.timeout(1.0 if route.windows else 3600.0)
    yield env.timeout(processing)
    settle(env.now, "paid" if account_valid else "returned")
