"""The sensing side of a run, wired: the sensing world's readings into the alert pipeline under
test, the pipeline's notifications to the townships, and every step into the run's logs.

``CitySensing.sensing_network`` is the SimPy process that drives it, one tick at a time.
"""

from __future__ import annotations

import datetime as dt
import time

import mesa
import numpy as np
import pyarrow as pa

from agents.maintenance import MaintenanceCrew
from agents.townships import Townships
from alerting import SEVERITIES, AlertPipeline, PipelineTick, RoutingConfig, RuleSet
from sensors.catalogue import DeviceCatalogue
from sensors.world import Households, SensingWorld
from twin.core.city import City, build_city
from twin.core.clock import Clock
from twin.core.eventlog import EventLog
from twin.core.rng import Streams
from twin.core.units import DAY
from twin.scenario.schema import Scenario
from twin.world.tables import ALERTS, JOBS, MERGES, NOTIFICATIONS, REPAIRS

# The city's routing when a scenario names no routing file: events to the township, grouped
# by township and rule; devices gone silent to the maintenance team.
DEFAULT_ROUTING = RoutingConfig.model_validate(
    {
        "route": {
            "receiver": "township",
            "group_by": ["township", "alertname"],
            "routes": [{"matchers": {"kind": "offline"}, "receiver": "maintenance"}],
        },
        "max_alerts": 100_000,
    }
)
EPOCH = dt.date(1970, 1, 1)


class CitySensing:
    """The world's feed, the alert pipeline and the townships, on the run's clock."""

    def __init__(
        self,
        scenario: Scenario,
        city: City,
        rules: RuleSet,
        catalogue: DeviceCatalogue,
        routing: RoutingConfig | None,
        model: mesa.Model,
        streams: Streams,
        *,
        households: Households | None = None,
    ) -> None:
        self.params, self.city, self.env = scenario, city, model.clock.env
        s, g = scenario.sensing, streams.generator
        # with sensing off nothing reads the world past its first day: draw no more of it
        horizon = scenario.duration if s.enabled else min(scenario.duration, DAY)
        self.world = SensingWorld.build(
            s,
            catalogue,
            city,
            start_day=(scenario.start - EPOCH).days,
            horizon=horizon,
            streams=g,
            households=households,
            scheduled=scenario.faults.devices,
        )
        config = routing or DEFAULT_ROUTING
        if not s.inhibition:
            config = config.model_copy(update={"inhibit_rules": []})
        self.pipeline = AlertPipeline(
            rules,
            self.world.device_labels(),
            config,
            sla=scenario.response.sla,
            lookback=s.lookback,
            alert_labels=("type", "township", "community", "cell"),
        )
        self.logs = {
            "alerts": EventLog(ALERTS),
            "jobs": EventLog(JOBS),
            "merges": EventLog(MERGES),
            "notifications": EventLog(NOTIFICATIONS),
            "repairs": EventLog(REPAIRS),
        }
        self.townships = Townships(
            model,
            scenario.response,
            city.community_township,
            city.township_district,
            self.pipeline,
            jobs=self.logs["jobs"],
            merges=self.logs["merges"],
            scale=city.scale,
            rng={"centres": g("response"), "reviews": g("reviews_of_events")},
        )
        self.pipeline.on("township", self.townships.receive)
        d = self.world.devices
        self.maintenance = MaintenanceCrew(
            model,
            scenario.maintenance,
            np.bincount(city.township_district[d.township], minlength=city.n_districts),
            city.township_district,
            scale=city.scale,
            diagnose=self._diagnose,
            replace_battery=self.world.faults.replace_battery,
            still_silent=lambda device: self._diagnose(device, self.env.now) != "no fault",
            log=self.logs["repairs"],
            rng=g("maintenance"),
        )
        self.pipeline.on("maintenance", self.maintenance.receive)
        self._reports_rng = g("resident_reports")
        self.warnings: list[tuple[int, float]] = []
        self._alert_ids = 0
        self._feed_s = self._tick_s = self._ingest_s = 0.0

    @property
    def stage_seconds(self) -> dict[str, float]:
        """Wall-clock seconds in each stage of the sensing loop, summed over the run."""
        engine = self._ingest_s + self.pipeline.timings.evaluate
        return {
            "devices and network": self._feed_s,
            "alerting engine": engine,
            "routing and dispatch": self._tick_s + self._ingest_s - engine,
        }

    @property
    def staffing(self) -> list:
        """Every capacity of the sensing side, per township."""
        return [s for row in self.townships.staffing for s in row] + self.maintenance.staffing

    def _diagnose(self, device: int, now: float) -> str:
        """What a technician finds at a silent device: its battery spent, its cell without
        power, or nothing wrong (the world's truth, seen on site)."""
        f, out = self.world.faults, self.world.outages
        if f.battery_dies[device] <= now < f.replaced_at[device]:
            return "battery"
        cell = self.world.devices.cell[device]
        if np.any((out.cell == cell) & (out.start <= now) & (now < out.end)):
            return "cell down"
        return "no fault"

    # -- processes ------------------------------------------------------------------------------

    def sensing_network(self):
        """Every tick: readings arrive, the pipeline evaluates and notifies, townships act on
        what reaches them, unacknowledged events climb the SLA ladder."""
        tick, clock, feed = self.params.sensing.tick, time.perf_counter, self.world.feed
        while True:
            now = self.env.now
            t0 = clock()
            if now > 0:
                readings, warned = feed.window(now - tick, now)
                self.warnings += [(int(d), now) for d in warned.tolist()]
            t1 = clock()
            if now > 0 and len(readings):
                self.pipeline.ingest(readings.device, readings.ts, readings.value)
            t2 = clock()
            self._log(self.pipeline.tick(now))
            self._feed_s += t1 - t0
            self._ingest_s += t2 - t1
            self._tick_s += clock() - t2
            yield self.env.timeout(tick)

    def residents_reporting(self):
        """Residents' reports to their township, as a process on the clock."""
        return self.townships.residents_reporting(
            self.city.residents, self.city.community_weight, rng=self._reports_rng
        )

    # -- logs -----------------------------------------------------------------------------------

    def _log(self, out: PipelineTick) -> None:
        for esc in out.escalations:
            self.townships.escalated(esc.record, esc.tier)
        for note in out.notifications:
            self.logs["notifications"].append(
                at=note.at,
                receiver=note.receiver,
                firing=len(note.firing),
                resolved=len(note.resolved),
                truncated=note.truncated,
            )
        tr, n = out.transitions, len(out.transitions)
        if not n:
            return
        d, dev = self.world.devices, tr.device
        self.logs["alerts"].extend(
            alert_id=np.arange(self._alert_ids + 1, self._alert_ids + n + 1),
            rule=np.asarray(self.pipeline.alert_names)[tr.rule],
            device=dev,
            device_type=np.asarray(d.type_names)[d.type_code[dev]],
            township=d.township[dev].astype(np.int32),
            community=d.community[dev],
            cell=d.cell[dev],
            kind=tr.kind,
            at=tr.at,
            value=tr.value,
            severity=np.asarray(SEVERITIES)[tr.severity],
        )
        self._alert_ids += n

    def tables(self) -> dict[str, pa.Table]:
        """Ground truth, the roster and what the feed did, as tables for the run folder."""
        warn = np.array(self.warnings, dtype=np.float64).reshape(-1, 2)
        roster = self.townships.roster
        return {
            **self.world.tables(),
            "workers": pa.table(
                {
                    "worker": np.arange(roster.size, dtype=np.int64),
                    "township": roster.township.astype(np.int32),
                    "community": roster.community.astype(np.int32),
                }
            ),
            "technicians": pa.table(
                {
                    "district": np.arange(len(self.maintenance.staffing), dtype=np.int32),
                    "technicians": np.array(
                        [s.staffed for s in self.maintenance.staffing], dtype=np.int64
                    ),
                }
            ),
            "battery_warnings": pa.table({"device": warn[:, 0].astype(np.int64), "at": warn[:, 1]}),
        }

    def finish(self) -> None:
        """Log the events and visits still open when the run ends."""
        self.townships.finish()
        self.maintenance.finish()


class SensingModel(mesa.Model):
    """The sensing side alone, on a city without a population (households are placed by
    community weight): for sensing studies at full scale and for the benchmark."""

    def __init__(self, scenario: Scenario, rules: RuleSet, catalogue: DeviceCatalogue,
                 routing: RoutingConfig | None = None) -> None:  # fmt: skip
        self.streams = Streams(scenario.seed)
        super().__init__(rng=self.streams.generator("mesa"))
        self.params = scenario
        self.clock = Clock(scenario.start)
        c = scenario.city
        city = build_city(
            scale=c.scale,
            residents=c.residents,
            enterprises=c.enterprises,
            communities=c.communities,
            rng=self.streams.generator("city"),
        )
        self.sensing = CitySensing(scenario, city, rules, catalogue, routing, self, self.streams)
        self.clock.env.process(self.sensing.sensing_network())
        self.clock.env.process(self.sensing.residents_reporting())

    def run(self, until: float | None = None) -> None:
        self.clock.env.run(until=self.params.duration if until is None else until)
        self.sensing.finish()
