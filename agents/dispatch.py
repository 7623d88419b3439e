"""A township's dispatch centre: accepts events, classifies them to one of the four platforms,
assigns a grid worker, and hands events nobody acknowledged in time to the duty team.

Events come from the sensing platform's notifications and from residents. The four platforms
of grassroots governance are comprehensive governance, market supervision, comprehensive law
enforcement and convenient services; ``PLATFORMS`` says which takes which kind of event.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import mesa
import numpy as np
import simpy

from agents.grid_workers import Job, Roster, Times, grid_worker

PLATFORMS: dict[str, str] = {
    "gas": "comprehensive governance",
    "smoke": "comprehensive governance",
    "water_level": "comprehensive governance",
    "intrusion": "comprehensive governance",
    "lift": "market supervision",  # special equipment is supervised by market regulators
    "manhole": "comprehensive law enforcement",
    "water_meter": "convenient services",  # a visit to an older person living alone
    "door": "convenient services",
    "resident_report": "convenient services",
}
FOUR_PLATFORMS = (
    "comprehensive governance",
    "market supervision",
    "comprehensive law enforcement",
    "convenient services",
)


class DispatchCentre(mesa.Agent):
    """One per township: its operators classify, and its roster answers."""

    def __init__(
        self,
        model: mesa.Model,
        township: int,
        roster: Roster,
        times: Times,
        *,
        operators: int,
        classify_time: float,
        review_time: float = 300.0,
        platforms: Mapping[str, str],
        still_open: Callable[[Job], bool],
        started: Callable[[Job], None],
        done: Callable[[Job], None],
        rng: np.random.Generator,
    ) -> None:
        super().__init__(model)
        self.township, self.roster, self.times = township, roster, times
        env = model.clock.env
        self.env = env
        self.operators = simpy.Resource(env, capacity=operators)
        self.classify_time, self.review_time, self.platforms = classify_time, review_time, platforms
        self.still_open, self.started, self.done, self.stream = still_open, started, done, rng
        mine = np.flatnonzero(roster.township == township)
        self.duty = mine[roster.community[mine] < 0]
        self.day_workers = mine[roster.community[mine] >= 0]

    def receive(self, job: Job) -> None:
        self.env.process(self.dispatch_centre(job))

    def dispatch_centre(self, job: Job):
        """An operator accepts and classifies the event, then assigns a worker."""
        with self.operators.request() as desk:
            yield desk
            yield self.env.timeout(self.stream.exponential(self.classify_time))
        job.classified_at = self.env.now
        job.platform = self.platforms.get(job.kind, "comprehensive governance")
        self.env.process(
            grid_worker(
                self.env,
                job,
                self.choose(job),
                self.roster,
                self.times,
                take_over=self.take_over,
                still_open=self.still_open,
                started=self.started,
                done=self.done,
                rng=self.stream,
            )
        )

    def review(self, job: Job, then: Callable[[Job], None]) -> None:
        self.env.process(self.reviewing(job, then))

    def reviewing(self, job: Job, then: Callable[[Job], None]):
        """An operator reviews a closed event - the report, the photo, the feedback - when
        free from classifying new ones."""
        with self.operators.request() as desk:
            yield desk
            yield self.env.timeout(self.stream.exponential(self.review_time))
        job.reviewed_at = self.env.now
        then(job)

    def choose(self, job: Job) -> int:
        """The least-loaded of the township's grid workers on the day shift, the one based in
        the event's community first among equals; otherwise the duty team."""
        local = self.day_workers
        if len(local) and self.roster.day_shift(self.env.now):
            home = self.roster.community[local] == job.community
            return int(local[np.lexsort((~home, self.roster.load(local)))[0]])
        return self.take_over(job)

    def take_over(self, job: Job) -> int:
        return self._least_loaded(self.duty)

    def _least_loaded(self, workers: np.ndarray) -> int:
        return int(workers[np.argmin(self.roster.load(workers))])
