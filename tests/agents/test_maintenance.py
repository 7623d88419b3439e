"""The device maintenance crew: visits wait for a technician on shift, a spent battery is
replaced so the device reports again, a cell without power is a wasted trip."""

import mesa
import numpy as np
import pytest
import simpy

from agents.maintenance import Maintenance, MaintenanceCrew, crew_staffing
from twin.core.eventlog import EventLog
from twin.core.units import HOUR
from twin.world.tables import REPAIRS


class FixedRng:
    def exponential(self, mean):
        return mean


class Clock:
    def __init__(self):
        self.env = simpy.Environment()


class Alert:
    def __init__(self, device, township=0, at=0.0):
        self.alert, self.device, self.starts_at = "GasDetectorOffline", device, at
        self.labels = {"township": str(township)}


def crew(found, *, devices=(5_000,), shift=(8 * HOUR, 18 * HOUR)):
    model = mesa.Model(rng=0)
    model.clock = Clock()
    log, replaced = EventLog(REPAIRS), []
    c = MaintenanceCrew(
        model,
        Maintenance(shift=shift),
        np.array(devices),
        np.zeros(4, np.int16),
        scale=1.0,
        diagnose=lambda d, now: found[d],
        replace_battery=lambda d, now: replaced.append((d, now)),
        still_silent=lambda d: found[d] != "no fault",
        log=log,
        rng=FixedRng(),
    )
    return c, log, replaced


def test_a_visit_waits_for_the_shift_then_replaces_the_battery():
    c, log, replaced = crew({7: "battery"})
    c.env.run(until=2 * HOUR)
    c.receive(Alert(7, at=2 * HOUR))
    c.env.run(until=30 * HOUR)
    row = log.to_arrow().to_pylist()[0]
    p = Maintenance()
    assert row["started_at"] == 8 * HOUR  # the crew comes on at 08:00
    assert row["on_site_at"] == 8 * HOUR + p.travel_time
    assert row["done_at"] == 8 * HOUR + p.travel_time + p.inspect_time + p.replace_time
    assert row["outcome"] == "battery replaced" and replaced == [(7, row["done_at"])]


def test_a_cell_without_power_is_a_wasted_trip_and_a_device_back_is_not_visited():
    c, log, replaced = crew({1: "cell down", 2: "no fault"})
    c.env.run(until=9 * HOUR)
    c.receive(Alert(1))
    c.receive(Alert(1))  # the same device again: one visit
    c.receive(Alert(2))
    c.env.run(until=20 * HOUR)
    outcomes = {r["device"]: r["outcome"] for r in log.to_arrow().to_pylist()}
    assert outcomes == {1: "cell down", 2: "closed before visit"} and replaced == []


def test_one_technician_takes_visits_in_turn():
    c, log, _ = crew({d: "battery" for d in range(3)})
    c.env.run(until=8 * HOUR)
    for d in range(3):
        c.receive(Alert(d))
    c.env.run(until=18 * HOUR)
    p = Maintenance()
    each = p.travel_time + p.inspect_time + p.replace_time
    done = sorted(r["done_at"] for r in log.to_arrow().to_pylist())
    assert done == pytest.approx([8 * HOUR + k * each for k in (1, 2, 3)])


def test_technicians_scale_with_the_devices_of_each_district():
    p = Maintenance(devices_per_technician=5_000)
    staff = crew_staffing(p, np.array([2_000, 500, 0]), scale=0.02)  # 100,000 / 25,000 at 1
    assert [s.at_scale_1 for s in staff] == pytest.approx([20, 5, 0])
    assert [s.staffed for s in staff] == [1, 1, 0]
    assert crew_staffing(p, np.array([20_000]), scale=0.2)[0].staffed == 4
