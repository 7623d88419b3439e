"""A township's dispatch centre: assigns each alert to one of its grid workers."""

from __future__ import annotations

import mesa
import numpy as np
import simpy

from agents.grid_workers import grid_worker_response
from twin.eventlog import EventLog


class TownshipDispatch(mesa.Agent):
    """Holds the township's grid workers; every alert it receives gets a worker, in turn."""

    def __init__(
        self,
        model: mesa.Model,
        township: int,
        workers: int,
        *,
        travel_seconds: float,
        handling_seconds: float,
        rng: np.random.Generator,
        log: EventLog,
    ) -> None:
        super().__init__(model)
        self.township = township
        self.workers = simpy.Resource(model.clock.env, capacity=workers)
        self.travel_seconds, self.handling_seconds = travel_seconds, handling_seconds
        self.stream, self.log = rng, log

    def dispatch(self, alert_id: int, device: int, fired_at: float) -> None:
        def report(assigned: float, on_site: float, done: float) -> None:
            self.log.append(
                alert_id=alert_id,
                device=device,
                township=self.township,
                fired_at=fired_at,
                assigned_at=assigned,
                on_site_at=on_site,
                done_at=done,
            )

        env = self.model.clock.env
        env.process(
            grid_worker_response(
                env,
                self.workers,
                self.travel_seconds,
                self.handling_seconds,
                rng=self.stream,
                report=report,
            )
        )
