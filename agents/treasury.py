"""Money out of the treasury by its route: direct to the account, or quota level by level."""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Annotated, Literal

import numpy as np
import simpy
from pydantic import Field, model_validator

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


class BankOutage(Strict):
    """The bank takes no batches from ``from`` to ``to`` (``faults.bank_outages[i]``; times
    since the run's start: ``2d2h`` is 02:00 on its third day)."""

    from_: Duration = Field(alias="from")
    to: Duration

    @model_validator(mode="after")
    def _ordered(self) -> BankOutage:
        if self.to <= self.from_:
            raise ValueError("an outage must end after it begins ('to' later than 'from')")
        return self


class PlatformCrash(Strict):
    """The platform's payment process dies at ``at`` and is back ``replay_after`` later
    (``faults.platform_crashes[i]``): nothing is sent meanwhile, and the instructions the bank
    was processing when it died, whose confirmations were lost, are sent again on restart."""

    at: Duration
    replay_after: Duration = HOUR


@dataclass(frozen=True)
class Downtime:
    """When money cannot move: the bank's outages and the platform's crashes, as (from, to)
    seconds since the run's start."""

    bank: tuple[tuple[float, float], ...] = ()
    crashes: tuple[tuple[float, float], ...] = ()

    @classmethod
    def of(cls, outages: list[BankOutage], crashes: list[PlatformCrash]) -> Downtime:
        return cls(
            tuple(sorted((o.from_, o.to) for o in outages)),
            tuple(sorted((c.at, c.at + c.replay_after) for c in crashes)),
        )

    def up_at(self, t: float) -> float:
        """The first moment at or after ``t`` when neither the bank nor the platform is down."""
        moved = True
        while moved:
            moved = False
            for start, end in (*self.bank, *self.crashes):
                if start <= t < end:
                    t, moved = end, True
        return t

    def lost_confirmation(self, sent: float, done: float) -> float | None:
        """The restart at which an instruction sent at ``sent`` and processed until ``done``
        is replayed, if the platform crashed while the bank was processing it."""
        return next((end for start, end in self.crashes if sent <= start < done), None)


NO_DOWNTIME = Downtime()


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
    downtime: Downtime = NO_DOWNTIME,
) -> Generator:
    """A payment waits at each budget level (layered route), then for the bank's next batch
    window at which bank and platform are up, is processed, and lands in the beneficiary's
    account - or is returned if the account is invalid. If the platform crashed while the bank
    processed it, the instruction is sent again on restart (``settle`` with ``replayed``): the
    ledger's idempotency key keeps the money from moving twice."""
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
        up = downtime.up_at(env.now)
        if up > env.now:  # a planned outage or a crash: wait it out, then the next window
            yield env.timeout(up - env.now)
            continue
        if rng.random() >= t.bank_outage:
            break
        # with windows, move past this one to the next; without, retry in an hour
        yield env.timeout(1.0 if windows else HOUR)
    sent = env.now
    yield env.timeout(processing)
    settle(env.now, "paid" if account_valid else "returned")
    restart = downtime.lost_confirmation(sent, env.now)
    if restart is not None:
        yield env.timeout(max(restart - env.now, 0.0))
        settle(env.now, "replayed")
