"""Working hours for a SimPy resource: outside its hours, staff are held off duty.

Off-duty staff are taken by requests of the highest priority, so they leave once the task in
hand is done and return when their shift begins - the usual SimPy way to vary capacity.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import simpy

from twin.core.units import DAY

Plan = Sequence[tuple[float, int]]  # (start second of the day, staff on duty from then)


def staff_plan(
    env: simpy.Environment,
    staff: simpy.PriorityResource,
    plan: Plan,
    *,
    after: float | None = None,
    keep_going: Callable[[], bool] | None = None,
):
    """Each day, at each (start second, on duty) step of the plan, the staff not on duty go
    off until the next step. Steps that began by ``after`` are left to the caller (a plan
    woken mid-day, ``on_duty_now``); at each day's turn the plan stops once ``keep_going``
    says so, and is woken again when work comes."""
    steps = sorted(plan)
    total = staff.capacity
    while True:
        day = env.now // DAY * DAY
        for begin, end, on_duty in _day(day, steps):
            if after is not None and begin <= after:
                continue
            if begin > env.now:
                yield env.timeout(begin - env.now)
            for _ in range(total - on_duty):
                env.process(_off_duty(env, staff, end))
        yield env.timeout(max(day + DAY + steps[0][0] - env.now, 0))
        if keep_going is not None and not keep_going():
            return


def on_duty_now(env: simpy.Environment, staff: simpy.PriorityResource, plan: Plan) -> None:
    """Take off duty, at once, the staff the plan's current step has off (for a plan started
    mid-day on an idle resource: the hold is requested before any task can take the seat)."""
    steps, now = sorted(plan), env.now
    day = now // DAY * DAY
    for begin, end, on_duty in [*_day(day - DAY, steps), *_day(day, steps)]:
        if begin <= now < end:
            for _ in range(staff.capacity - on_duty):
                hold = staff.request(priority=-1)
                env.process(_held(env, hold, end))
            return


def _day(day: float, steps: Sequence[tuple[float, int]]):
    """The plan's steps on ``day`` as (begin, end, on duty) in seconds of the run; the last
    step lasts until the next day's first."""
    for i, (start, on_duty) in enumerate(steps):
        end = day + (steps[i + 1][0] if i + 1 < len(steps) else DAY + steps[0][0])
        yield day + start, end, on_duty


def _off_duty(env: simpy.Environment, staff: simpy.PriorityResource, until: float):
    yield from _held(env, staff.request(priority=-1), until)


def _held(env: simpy.Environment, hold: simpy.resources.resource.Request, until: float):
    with hold:
        yield hold
        if until > env.now:
            yield env.timeout(until - env.now)


def office_hours(opens: float, closes: float, staff: int) -> tuple[tuple[float, int], ...]:
    """A plan with ``staff`` on duty from ``opens`` to ``closes`` (seconds of the day)."""
    return ((0.0, 0), (opens, staff), (closes, 0))
