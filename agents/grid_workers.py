"""Grid workers answering alerts: wait for a free worker, travel, handle, report back."""

from __future__ import annotations

from collections.abc import Callable, Generator

import numpy as np
import simpy


def grid_worker_response(
    env: simpy.Environment,
    workers: simpy.Resource,
    travel_seconds: float,
    handling_seconds: float,
    *,
    rng: np.random.Generator,
    report: Callable[[float, float, float], None],
) -> Generator:
    """An alert waits for one of the township's grid workers, who travels to the site, handles
    it and reports the times assigned, on site and done."""
    travel = rng.exponential(travel_seconds)
    handling = rng.exponential(handling_seconds)
    with workers.request() as slot:
        yield slot
        assigned = env.now
        yield env.timeout(travel)
        on_site = env.now
        yield env.timeout(handling)
    report(assigned, on_site, env.now)
