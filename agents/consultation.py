"""The consultation desk: platform users call with questions, operators answer, some give up.

A caller arrives, may be helped by self-service or the chatbot (``deflected``), otherwise
waits for an operator; one who waits longer than their patience hangs up and may call back
later. Operators work in shifts: the desk's capacity changes on the clock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated

import numpy as np
import simpy
from pydantic import Field, field_serializer, field_validator

from agents.shifts import staff_plan
from datafiles import Duration, Strict
from datafiles.types import Share, hh_mm, time_of_day
from twin.core.capacity import staffed
from twin.core.units import HOUR


class Shift(Strict):
    """From this time of day (HH:MM), this many operators answer in the whole city (staffed in
    proportion to ``city.scale``, docs/capacity.md)."""

    from_: Annotated[float, Field(alias="from")]
    operators: Annotated[int, Field(ge=0)]

    @field_validator("from_", mode="before")
    @classmethod
    def _clock_time(cls, value: object) -> float:
        return time_of_day(value)

    @field_serializer("from_", when_used="json")
    def _written(self, seconds: float) -> str:
        return hh_mm(seconds)


class ConsultationDesk(Strict):
    """The platform's consultation desk (scenario section ``desk``; docs/population.md): who
    calls - a share of those just pushed to or starting an application - and who answers, in
    shifts; a call takes ``service_time`` on average; a caller waits ``patience`` on average
    (None: for ever) before hanging up, and calls back after ``callback_delay`` with chance
    ``callback_share``; the chatbot answers ``deflected`` of them."""

    shifts: Annotated[list[Shift], Field(min_length=1)] = [
        Shift(from_=8 * HOUR, operators=300),  # assumption: the 12345 line's policy seats
        Shift(from_=20 * HOUR, operators=60),
    ]
    service_time: Duration = 300.0
    patience: Duration | None = 600.0
    deflected: Share = 0.0
    callback_share: Share = 0.5
    callback_delay: Duration = 1800.0
    questions_per_application: Share = 0.6
    questions_per_push: Share = 0.2

    def plan(self, scale: float = 1.0) -> tuple[tuple[float, int], ...]:
        """(second of the day, operators staffed at ``scale``) pairs."""
        return tuple((s.from_, staffed(s.operators, scale)) for s in self.shifts)


@dataclass
class CallLog:
    """One row per call attempt: arrival, answered (or not), finished, outcome."""

    arrived: list[float] = field(default_factory=list)
    answered: list[float] = field(default_factory=list)  # NaN when not answered
    finished: list[float] = field(default_factory=list)
    outcome: list[str] = field(default_factory=list)  # answered, deflected, abandoned
    topic: list[str] = field(default_factory=list)  # the policy asked about ("" unknown)

    def add(
        self, arrived: float, answered: float, finished: float, outcome: str, topic: str = ""
    ) -> None:
        self.arrived.append(arrived)
        self.answered.append(answered)
        self.finished.append(finished)
        self.outcome.append(outcome)
        self.topic.append(topic)

    def waits(self, after: float = 0.0) -> np.ndarray:
        """Waits of answered calls that arrived after ``after`` (to drop the warm-up)."""
        a, w = np.asarray(self.arrived), np.asarray(self.answered)
        keep = (a >= after) & ~np.isnan(w)
        return w[keep] - a[keep]


class Desk:
    """Operators as a SimPy resource; off-shift operators are held by the shift plan."""

    def __init__(
        self,
        env: simpy.Environment,
        params: ConsultationDesk,
        *,
        scale: float = 1.0,
        rng: np.random.Generator,
    ) -> None:
        self.env, self.params, self.rng = env, params, rng
        plan = params.plan(scale)
        self.staff = max(n for _, n in plan)
        self.operators = simpy.PriorityResource(env, capacity=self.staff)
        self.log = CallLog()
        if any(n < self.staff for _, n in plan):
            env.process(staff_plan(env, self.operators, plan))

    def caller(self, topic: str = ""):
        """A caller tries self-service, then waits for an operator within their patience, is
        answered and served - or hangs up and perhaps calls back."""
        p, env, rng = self.params, self.env, self.rng
        arrived = env.now
        if rng.random() < p.deflected:
            self.log.add(arrived, np.nan, arrived, "deflected", topic)
            return
        patience = np.inf if p.patience is None else rng.exponential(p.patience)
        service = rng.exponential(p.service_time)
        with self.operators.request(priority=0) as line:
            # a caller without a patience limit waits on the line alone (no timer that never
            # fires sits in the event queue)
            got = yield (line if patience == np.inf else line | env.timeout(patience))
            if got is None or line in got:
                answered = env.now
                yield env.timeout(service)
                self.log.add(arrived, answered, env.now, "answered", topic)
                return
        self.log.add(arrived, np.nan, env.now, "abandoned", topic)
        if rng.random() < p.callback_share:
            yield env.timeout(rng.exponential(p.callback_delay))
            env.process(self.caller(topic))


class Callers:
    """People with questions: some of those just pushed to, or starting an application, call
    the desk within the next twelve hours."""

    def __init__(self, env: simpy.Environment, desk: Desk, *, rng: np.random.Generator) -> None:
        self.env, self.desk, self.rng = env, desk, rng
        p = desk.params
        self.share = {"push": p.questions_per_push, "apply": p.questions_per_application}

    def __call__(self, people: int, why: str, topic: str = "") -> None:
        """``people`` were just pushed to (``why`` "push") or started applying ("apply") for
        the policy ``topic``."""
        calls = int(self.rng.binomial(people, self.share[why])) if people else 0
        for delay in self.rng.uniform(0.0, 12 * HOUR, calls).tolist():
            self.env.process(self.caller_later(delay, topic))

    def caller_later(self, delay: float, topic: str = ""):
        """A caller thinks it over, then calls."""
        yield self.env.timeout(delay)
        yield self.env.process(self.desk.caller(topic))


def arrivals(
    env: simpy.Environment,
    desk: Desk,
    rate: Callable[[float], float] | float,
    *,
    rng: np.random.Generator,
    until: float,
):
    """Questions arrive as a Poisson process whose rate (per second) may follow the clock
    (thinning against the peak rate ``rate_max`` when it is a function)."""
    if callable(rate):
        peak = max(rate(t) for t in np.linspace(env.now, until, 1000))
        while env.now < until:
            yield env.timeout(rng.exponential(1.0 / peak))
            if rng.random() < rate(env.now) / peak:
                env.process(desk.caller())
    else:
        while env.now < until:
            yield env.timeout(rng.exponential(1.0 / rate))
            env.process(desk.caller())


def erlang_c_wait(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Mean wait in queue of an M/M/c queue (Erlang C), in the units of the rates. Erlang B by
    its recursion B(k) = a B(k-1) / (k + a B(k-1)), stable for any number of servers, then
    C = c B / (c - a (1 - B)) and Wq = C / (c mu - lambda)."""
    a = arrival_rate / service_rate
    if a >= servers:
        return float("inf")
    b = 1.0
    for k in range(1, servers + 1):
        b = a * b / (k + a * b)
    p_wait = servers * b / (servers - a * (1 - b))
    return p_wait / (servers * service_rate - arrival_rate)


@dataclass(frozen=True)
class ErlangA:
    """Steady state of an M/M/c+M queue (callers who wait too long hang up), per caller."""

    p_wait: float  # the share who find every operator busy
    p_abandon: float  # the share who hang up before an answer
    mean_queue: float  # callers waiting, time-average
    mean_wait: float  # time in the queue of every caller, answered or not (mean_queue / rate)


def erlang_a(
    arrival_rate: float, service_rate: float, servers: int, abandon_rate: float
) -> ErlangA:
    """Erlang A (Palm 1943; Garnett, Mandelbaum and Reiman 2002, MSOM 4(3) 208-227): the
    birth-death chain whose death rate in state k is min(k, c) mu + max(k - c, 0) theta, with
    exponential patience of mean 1 / theta. Its stationary distribution is summed in logs
    (no overflow at any size) until the terms vanish, so the figures are exact to rounding."""
    lam, mu, c, theta = arrival_rate, service_rate, servers, abandon_rate
    if theta <= 0 and lam >= c * mu:
        raise ValueError("Erlang A needs patience (abandon_rate > 0) or a stable queue")
    logs, log_term, k = [0.0], 0.0, 0
    peak = 0.0
    while True:
        k += 1
        death = min(k, c) * mu + max(k - c, 0) * theta
        log_term += np.log(lam) - np.log(death)
        logs.append(log_term)
        peak = max(peak, log_term)
        if death > lam and k >= c and log_term < peak - 45.0:  # falling, and below 1e-19
            break
    log_p = np.asarray(logs)
    p = np.exp(log_p - peak)
    p /= p.sum()
    queue = np.maximum(np.arange(len(p)) - c, 0)
    mean_queue = float((queue * p).sum())
    return ErlangA(
        p_wait=float(p[c:].sum()),
        p_abandon=theta * mean_queue / lam,
        mean_queue=mean_queue,
        mean_wait=mean_queue / lam,
    )


def summary(log: CallLog, after: float = 0.0) -> dict[str, float]:
    """Waiting p50/p95 (s) of answered calls and the share abandoned, after the warm-up."""
    waits = log.waits(after)
    outcomes = np.asarray(log.outcome)[np.asarray(log.arrived) >= after]
    return {
        "wait_p50": float(np.quantile(waits, 0.5)) if len(waits) else float("nan"),
        "wait_p95": float(np.quantile(waits, 0.95)) if len(waits) else float("nan"),
        "abandoned": float((outcomes == "abandoned").mean()) if len(outcomes) else float("nan"),
    }


def mean_in_system(log: CallLog, start: float, end: float) -> float:
    """Time-average number of answered callers in the system over [start, end] (Little's L)."""
    a = np.asarray(log.arrived)
    f = np.asarray(log.finished)
    done = np.asarray(log.outcome) == "answered"
    a, f = np.clip(a[done], start, end), np.clip(f[done], start, end)
    return float((f - a).sum() / (end - start))
