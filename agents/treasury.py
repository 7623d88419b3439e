"""Money out of the treasury by its route: direct to the account, or quota level by level."""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Annotated, Literal

import numpy as np
import simpy
from pydantic import Field

from datafiles import Duration, Strict
from datafiles.types import Share, TimeOfDay
from twin.core.units import DAY, HOUR


class Treasury(Strict):
    """The route money takes (scenario section ``treasury``): ``direct`` is one processing
    step from the treasury to the account; ``layered`` passes ``layered_levels`` quota
    levels first, each taking ``layered_level_delay`` (and, when ``layered_batch_every`` is
    set, waiting for the level's next allocation run). The bank runs its batches at
    ``bank_windows`` (times of day; none: continuously), and is down at a window with chance
    ``bank_outage`` (the payment waits for the next one)."""

    route: Literal["direct", "layered"] = "direct"
    routes: dict[str, Literal["direct", "layered"]] = {}  # by policy id, over ``route``
    direct_processing: Duration = 600.0
    layered_levels: Annotated[int, Field(ge=1, le=6)] = 4
    layered_level_delay: Duration = 3 * DAY
    bank_windows: list[TimeOfDay] = []
    layered_batch_every: Duration = 0.0
    bank_outage: Share = 0.0

    def route_of(self, policy_id: str) -> str:
        """The route a policy's money takes."""
        return self.routes.get(policy_id, self.route)


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
    treasury: Treasury,
    route: str,
    account_valid: bool,
    *,
    rng: np.random.Generator,
    settle: Callable[[float, str], None],
) -> Generator:
    """A payment waits at each budget level (layered route), then for the bank's next batch
    window, is processed, and lands in the beneficiary's account - or is returned if the
    account is invalid."""
    t = treasury
    if route == "layered":
        for _ in range(t.layered_levels):
            if t.layered_batch_every:  # wait for the level's next allocation run
                yield env.timeout(-env.now % t.layered_batch_every)
            yield env.timeout(rng.exponential(t.layered_level_delay))
    processing = rng.exponential(t.direct_processing)
    windows = tuple(t.bank_windows)
    while True:  # a batch window at which the bank is up (an outage: try the next one)
        batch = next_window(env.now, windows)
        if batch > env.now:
            yield env.timeout(batch - env.now)
        if rng.random() >= t.bank_outage:
            break
        # with windows, move past this one to the next; without, retry in an hour
        yield env.timeout(1.0 if windows else HOUR)
    yield env.timeout(processing)
    settle(env.now, "paid" if account_valid else "returned")
