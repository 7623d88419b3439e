"""The device maintenance crew: technicians who answer the alerts routed to ``maintenance``
(devices gone silent, cells down) - wait for a technician on shift, travel, find out what is
wrong, and replace a spent battery.

One crew per district (a maintenance contractor's team covers a district), its technicians
a SimPy ``PriorityResource`` held off duty outside their shift (``agents.shifts``). What the
technician finds on site is the world's truth, told by ``diagnose``: a spent battery
(replaced: the device reports again), a cell without power (nothing a technician can fix: a
wasted trip, which inhibition exists to spare), or nothing wrong any more. Every visit
ends as a row of the repairs log.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import mesa
import numpy as np
import simpy
from pydantic import Field

from agents.shifts import office_hours, staff_plan
from datafiles import Duration, Strict
from datafiles.types import Hours
from twin.core.capacity import Staffing, staffing
from twin.core.eventlog import EventLog
from twin.core.units import HOUR, MINUTE

# What a technician finds on site (``diagnose``'s answers) and what the visit becomes.
FINDINGS = ("battery", "cell down", "no fault")
OUTCOMES = ("battery replaced", "cell down", "no fault found", "closed before visit", "open")


class Maintenance(Strict):
    """The device maintenance crew (scenario section ``maintenance``; docs/sensing.md). The
    real city's crew is an assumption: one technician per ``devices_per_technician`` devices,
    staffed per district in proportion to the devices it has (docs/capacity.md)."""

    devices_per_technician: Annotated[float, Field(gt=0)] = 5_000.0
    shift: Hours = (8 * HOUR, 18 * HOUR)
    travel_time: Duration = 45 * MINUTE
    inspect_time: Duration = 15 * MINUTE  # finding out what is wrong
    replace_time: Duration = 20 * MINUTE  # a new battery


def crew_staffing(params: Maintenance, devices_by_district: np.ndarray, scale: float) -> list:
    """Per district, the technicians its devices call for at ``scale``. ``devices_by_district``
    counts the run's devices; the real city's are those divided by the scale."""
    per_device = 1.0 / params.devices_per_technician
    return [
        staffing("maintenance.technicians", "per district", n / scale * per_device, scale)
        for n in np.asarray(devices_by_district, np.float64).tolist()
    ]


class MaintenanceCrew(mesa.Agent):
    """Every district's technicians; ``receive`` takes an alert the platform sent to them."""

    def __init__(
        self,
        model: mesa.Model,
        params: Maintenance,
        devices_by_district: np.ndarray,
        township_district: np.ndarray,
        *,
        scale: float,
        diagnose: Callable[[int, float], str],
        replace_battery: Callable[[int, float], None],
        still_silent: Callable[[int], bool],
        log: EventLog,
        rng: np.random.Generator,
    ) -> None:
        super().__init__(model)
        self.env: simpy.Environment = model.clock.env
        self.params, self.log, self.stream = params, log, rng
        self.diagnose, self.replace_battery, self.still_silent = (
            diagnose,
            replace_battery,
            still_silent,
        )
        self.township_district = township_district
        self.staffing: list[Staffing] = crew_staffing(params, devices_by_district, scale)
        self.crews = [
            simpy.PriorityResource(self.env, capacity=max(s.staffed, 1)) for s in self.staffing
        ]
        for crew, s in zip(self.crews, self.staffing, strict=True):
            on_duty = office_hours(*params.shift, s.staffed)
            self.env.process(staff_plan(self.env, crew, on_duty))
        self._open: dict[int, dict] = {}  # visits not yet logged, by device

    def receive(self, alert) -> None:
        """One visit per silent device; a second alert about a device already on the list
        joins it."""
        device = int(alert.device)
        if device in self._open:
            return
        township = int(alert.labels["township"])
        visit = {
            "alert": alert.alert,
            "device": device,
            "township": township,
            "district": int(self.township_district[township]),
            "fired_at": float(alert.starts_at),
            "received_at": self.env.now,
            "started_at": np.nan,
            "on_site_at": np.nan,
            "done_at": np.nan,
            "outcome": "open",
        }
        self._open[device] = visit
        self.env.process(self.technician(visit))

    def technician(self, visit: dict):
        """The next technician of the district's crew on shift takes the visit, travels,
        inspects, and replaces a spent battery; a device that reported again before anyone
        set out is not visited."""
        p, crew = self.params, self.crews[visit["district"]]
        with crew.request(priority=0) as slot:
            yield slot
            visit["started_at"] = self.env.now
            if not self.still_silent(visit["device"]):
                self._close(visit, "closed before visit")
                return
            yield self.env.timeout(self.stream.exponential(p.travel_time))
            visit["on_site_at"] = self.env.now
            yield self.env.timeout(self.stream.exponential(p.inspect_time))
            found = self.diagnose(visit["device"], self.env.now)
            if found == "battery":
                yield self.env.timeout(self.stream.exponential(p.replace_time))
                self.replace_battery(visit["device"], self.env.now)
            self._close(visit, _OUTCOME[found])

    def _close(self, visit: dict, outcome: str) -> None:
        visit["done_at"], visit["outcome"] = self.env.now, outcome
        self.log.append(**self._open.pop(visit["device"]))

    def finish(self) -> None:
        """Log the visits still open when the run ends."""
        for visit in list(self._open.values()):
            self.log.append(**visit)
        self._open.clear()


_OUTCOME = {"battery": "battery replaced", "cell down": "cell down", "no fault": "no fault found"}
