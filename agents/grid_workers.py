"""Grid workers: the roster (who is on duty where) and the job each does when an event reaches
them - take it from their queue, acknowledge, travel, handle, report back.

Each worker has a queue of one (a SimPy ``PriorityResource``): events wait there in order of
severity, then arrival. A community's grid workers are on duty during the day shift; at other
times, and for events nobody acknowledged in time, the township's duty team answers.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field

import numpy as np
import simpy

from twin.core.units import DAY


@dataclass
class Job:
    """One event on its way through the township: what it is, where, and what happened to it."""

    record: int  # the alert book's record
    alert: str
    device: int  # -1 for events reported by people
    kind: str  # the device type, or "resident_report"
    community: int
    township: int
    priority: int  # lower goes first: 0 emergency .. 3 info
    fired_at: float
    received_at: float
    reassign: simpy.Event
    platform: str = ""
    worker: int = -1
    classified_at: float = np.nan
    started_at: float = np.nan
    acknowledged_at: float = np.nan
    on_site_at: float = np.nan
    done_at: float = np.nan
    reviewed_at: float = np.nan
    outcome: str = "open"
    reassigned: bool = False
    history: list = field(default_factory=list)


@dataclass
class Roster:
    """Workers as arrays; ``desk[w]`` is worker w's queue. A day worker's ``community`` is
    where they are based; -1 marks the township's duty team."""

    community: np.ndarray  # int32
    township: np.ndarray  # int16
    desk: Desks
    day: tuple[float, float]  # the community workers' shift, seconds since midnight

    @property
    def size(self) -> int:
        return len(self.community)

    def day_shift(self, t: float) -> bool:
        s = t % DAY
        return self.day[0] <= s < self.day[1]

    def load(self, workers: np.ndarray) -> np.ndarray:
        """Events each worker holds: the one in hand and those waiting."""
        return np.array([self.desk.load(w) for w in workers.tolist()])


class Desks:
    """Each worker's queue, made when the worker first gets an event: most of the city's
    thousands of grid workers get none in a short run."""

    def __init__(self, env: simpy.Environment, n: int) -> None:
        self.env, self.n = env, n
        self._made: dict[int, simpy.PriorityResource] = {}

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, worker: int) -> simpy.PriorityResource:
        desk = self._made.get(worker)
        if desk is None:
            if not 0 <= worker < self.n:
                raise IndexError(worker)
            desk = self._made[worker] = simpy.PriorityResource(self.env, capacity=1)
        return desk

    def load(self, worker: int) -> int:
        desk = self._made.get(worker)
        return 0 if desk is None else desk.count + len(desk.queue)


def build_roster(
    env: simpy.Environment,
    community_township: np.ndarray,
    day_workers: np.ndarray,
    duty_team: np.ndarray,
    day: tuple[float, float],
) -> Roster:
    """Per township, ``day_workers[t]`` grid workers on the day shift, each based in one of
    its communities in turn, and a duty team of ``duty_team[t]``."""
    day_workers, duty_team = np.asarray(day_workers, np.int64), np.asarray(duty_team, np.int64)
    n_town = len(day_workers)
    homes = [np.flatnonzero(community_township == t) for t in range(n_town)]
    comm = np.concatenate(
        [
            np.resize(h, k) if len(h) else np.full(k, -1)
            for h, k in zip(homes, day_workers, strict=True)
        ]
        + [np.full(int(duty_team.sum()), -1)]
    )
    town = np.r_[np.repeat(np.arange(n_town), day_workers), np.repeat(np.arange(n_town), duty_team)]
    return Roster(comm.astype(np.int32), town.astype(np.int16), Desks(env, len(comm)), day)


@dataclass(frozen=True)
class Times:
    """How long the steps take (seconds; each drawn exponential or lognormal around these)."""

    acknowledge: float
    travel: float
    duty_travel: float
    handling: Callable[[str], float]  # median handling time by event kind


def grid_worker(
    env: simpy.Environment,
    job: Job,
    worker: int,
    roster: Roster,
    times: Times,
    *,
    take_over: Callable[[Job], int],
    still_open: Callable[[Job], bool],
    started: Callable[[Job], None],
    done: Callable[[Job], None],
    rng: np.random.Generator,
) -> Generator:
    """The worker takes the job when it reaches the front of their queue - unless the
    township's duty team took it over first (the SLA passed unacknowledged) - then
    acknowledges, travels, handles and reports back. A job whose alert cleared by itself
    before anyone took it is closed without a visit."""
    job.worker = worker
    with roster.desk[worker].request(priority=job.priority) as slot:
        got = yield slot | job.reassign
        if slot in got:
            yield from _work(env, job, worker, roster, times, still_open, started, done, rng)
            return
    job.reassigned = True
    duty = take_over(job)
    job.worker = duty
    with roster.desk[duty].request(priority=job.priority) as slot:
        yield slot
        yield from _work(env, job, duty, roster, times, still_open, started, done, rng)


def _work(env, job, worker, roster, times, still_open, started, done, rng) -> Generator:
    job.started_at = env.now
    if still_open(job):
        yield env.timeout(rng.exponential(times.acknowledge))
    if not still_open(job):  # it cleared by itself before the worker took it on
        job.outcome, job.done_at = "closed before visit", env.now
        done(job)
        return
    job.acknowledged_at = env.now
    started(job)
    travel = times.duty_travel if roster.community[worker] < 0 else times.travel
    yield env.timeout(rng.exponential(travel))
    job.on_site_at = env.now
    yield env.timeout(rng.lognormal(np.log(times.handling(job.kind)), 0.5))
    job.done_at, job.outcome = env.now, "handled"
    done(job)
