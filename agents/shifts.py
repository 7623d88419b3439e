"""Working hours for a SimPy resource: outside its hours, staff are held off duty.

Off-duty staff are taken by requests of the highest priority, so they leave once the task in
hand is done and return when their shift begins - the usual SimPy way to vary capacity.
"""

from __future__ import annotations

from collections.abc import Sequence

import simpy

from twin.core.units import DAY


def staff_plan(
    env: simpy.Environment, staff: simpy.PriorityResource, plan: Sequence[tuple[float, int]]
):
    """Each day, at each (start second, on duty) step of the plan, the staff not on duty go
    off until the next step."""
    steps = sorted(plan)
    total = staff.capacity
    while True:
        day = env.now // DAY * DAY
        for i, (start, on_duty) in enumerate(steps):
            begin = day + start
            end = day + (steps[i + 1][0] if i + 1 < len(steps) else DAY + steps[0][0])
            if begin > env.now:
                yield env.timeout(begin - env.now)
            for _ in range(total - on_duty):
                env.process(_off_duty(env, staff, end))
        yield env.timeout(max(day + DAY + steps[0][0] - env.now, 0))


def _off_duty(env: simpy.Environment, staff: simpy.PriorityResource, until: float):
    with staff.request(priority=-1) as hold:
        yield hold
        if until > env.now:
            yield env.timeout(until - env.now)


def office_hours(opens: float, closes: float, staff: int) -> tuple[tuple[float, int], ...]:
    """A plan with ``staff`` on duty from ``opens`` to ``closes`` (seconds of the day)."""
    return ((0.0, 0), (opens, staff), (closes, 0))
