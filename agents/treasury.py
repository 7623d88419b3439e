"""Money out of the treasury by its route: direct to the account, or quota level by level."""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass

import numpy as np
import simpy


@dataclass(frozen=True)
class Route:
    """``direct``: one processing step; ``layered``: ``levels`` quota steps, then processing."""

    kind: str
    processing_seconds: float
    levels: int = 0
    level_delay_seconds: float = 0.0


def treasury_payment(
    env: simpy.Environment,
    route: Route,
    account_valid: bool,
    *,
    rng: np.random.Generator,
    settle: Callable[[float, str], None],
) -> Generator:
    """A payment waits at each budget level (layered route), is processed by the bank, then
    lands in the beneficiary's account - or is returned if the account is invalid."""
    if route.kind == "layered":
        for _ in range(route.levels):
            yield env.timeout(rng.exponential(route.level_delay_seconds))
    yield env.timeout(rng.exponential(route.processing_seconds))
    settle(env.now, "paid" if account_valid else "returned")
