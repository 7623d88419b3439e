"""The sensing side of a run, assembled from its scenario: truth, devices and the feed; the
alerting engine and routing under test; townships answering what reaches them.

``CitySensing.sensing_network`` is the SimPy process that drives it, one tick at a time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import mesa
import numpy as np
import pyarrow as pa

from agents.dispatch import PLATFORMS, DispatchCentre
from agents.grid_workers import Job, Times, build_roster
from agents.residents import Residents
from alerting import (
    ESCALATED,
    FIRED,
    OFFLINE,
    ONLINE,
    RESOLVED,
    SEVERITIES,
    AlertEngine,
    RuleSet,
    Transitions,
)
from alerting.lifecycle import CLEARED, AlertBook
from alerting.routing import Dispatcher, RoutingConfig
from sensors.catalogue import Catalogue
from sensors.cells import Outages, lay_out_cells, power_cuts, random_outages
from sensors.cells import combine as combine_outages
from sensors.devices import Devices, by_residents, deploy, place
from sensors.drainage import flood, flood_episodes, lay_out_drainage
from sensors.faults import deal_faults
from sensors.feed import SensingFeed
from sensors.incidents import KINDS, Incidents, at_devices, at_households, combine, floods
from sensors.signals import Signals
from sensors.weather import calm, load_weather, storm_over
from twin.core.city import City, build_city
from twin.core.clock import Clock
from twin.core.eventlog import EventLog
from twin.core.rng import Streams
from twin.scenario.schema import Deployment, Scenario

ALERTS = {
    "alert_id": pa.int64(),
    "rule": pa.string(),
    "device": pa.int64(),
    "device_type": pa.string(),
    "township": pa.int32(),
    "community": pa.int32(),
    "cell": pa.int32(),
    "kind": pa.string(),
    "at": pa.float64(),
    "value": pa.float64(),
    "severity": pa.string(),
}
JOBS = {
    "record": pa.int64(),
    "alert": pa.string(),
    "device": pa.int64(),
    "kind": pa.string(),
    "platform": pa.string(),
    "township": pa.int32(),
    "community": pa.int32(),
    "worker": pa.int64(),
    "fired_at": pa.float64(),
    "received_at": pa.float64(),
    "classified_at": pa.float64(),
    "started_at": pa.float64(),
    "acknowledged_at": pa.float64(),
    "on_site_at": pa.float64(),
    "done_at": pa.float64(),
    "reviewed_at": pa.float64(),
    "outcome": pa.string(),
    "reassigned": pa.bool_(),
    "tier": pa.string(),
}
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
ELDERLY_ALONE_SHARE = 0.035  # residents 70+ living alone, of all residents (assumption)
# Alerts of these types describe the community, not the device: while one event for an alert
# and community is open, the dispatch centre merges the others into it.
AREA_TYPES = frozenset({"water_level"})


@dataclass
class Truth:
    """What really happened, for scoring: incidents, cell outages, battery deaths."""

    incidents: Incidents
    outages: Outages
    battery_dies: np.ndarray


class CitySensing:
    """Devices over the city, the feed, the engine and routing, and the townships' response."""

    def __init__(
        self,
        scenario: Scenario,
        city: City,
        rules: RuleSet,
        catalogue: Catalogue,
        routing: RoutingConfig | None,
        model,
        streams: Streams,
        *,
        residents: Residents | None = None,
    ) -> None:
        self.params, self.city, self.model, self.streams = scenario, city, model, streams
        self.env = model.clock.env
        s, g = scenario.sensing, streams.generator
        horizon = scenario.duration
        weather = (
            storm_over(load_weather(s.weather), city.n_communities, horizon, rng=g("weather"))
            if s.weather
            else calm(city.n_communities, horizon)
        )
        d = s.drainage
        self.drainage = lay_out_drainage(
            city.n_communities,
            low_lying_share=d.low_lying_share,
            capacity=d.capacity,
            low_capacity=d.low_capacity,
            drain_time=d.drain_time,
            rng=g("drainage"),
        )
        self.depth = flood(weather, self.drainage, horizon)
        self.weather = weather
        t = s.transport
        self.cells = lay_out_cells(
            city.community_township,
            max(1, round(t.cells * city.scale)),
            loss=t.loss,
            latency=t.latency,
            rng=g("cells"),
        )
        outages = combine_outages(
            random_outages(
                self.cells.size,
                horizon,
                t.outages_per_cell_year,
                t.outage_duration,
                rng=g("outages"),
            ),
            power_cuts(
                self.cells.size,
                weather.storm,
                t.power_cut_per_hour,
                t.backup,
                t.restore,
                rng=g("power"),
            ),
        )
        self.catalogue = catalogue
        self.devices = self._deploy(residents, g("devices"))
        self.incidents = self._incidents(horizon, g("incidents"))
        rng = g("households")
        self.signals = Signals(
            self.devices,
            catalogue,
            self.incidents,
            self.depth,
            gain=rng.uniform(0.8, 1.2, self.devices.size).astype(np.float32),
            activity=rng.lognormal(0.0, 0.3, self.devices.size).astype(np.float32),
        )
        self.faults = deal_faults(self.devices, catalogue, horizon, rng=g("device_faults"))
        self.truth = Truth(self.incidents, outages, self.faults.battery_dies)
        self.feed = SensingFeed(
            self.devices,
            catalogue,
            self.signals,
            self.faults,
            self.cells,
            outages,
            horizon=horizon,
            rng={k: g(k) for k in ("signals", "faults", "transport")},
        )
        self.engine = AlertEngine(rules, self._labels(), lookback=s.lookback)
        config = routing or DEFAULT_ROUTING
        if not s.inhibition:
            config = config.model_copy(update={"inhibit_rules": []})
        self.dispatcher = Dispatcher(config)
        self.book = AlertBook(scenario.response.sla)
        self.logs = {"alerts": EventLog(ALERTS), "jobs": EventLog(JOBS)}
        self.warnings: list[tuple[int, float]] = []
        self._build_response(g("response"))
        self._alert_ids = 0
        self._jobs: dict[int, Job] = {}
        self._dispatched: set = set()
        self._severity: dict[tuple[str, int], str] = {}  # severity label an alert fired with
        self._area_jobs: dict[tuple[str, int], int] = {}  # open area events by community
        self.stage_seconds = dict.fromkeys(
            ("devices and network", "alerting engine", "routing and dispatch"), 0.0
        )
        self.merged = 0
        self.notified: dict[str, int] = {}  # notifications sent, by receiver
        self._reviewing: dict[int, Job] = {}
        self._review_rng = streams.generator("reviews_of_events")
        self._reports_rng = g("resident_reports")

    # -- set-up ----------------------------------------------------------------------------

    def _deploy(self, residents: Residents | None, rng: np.random.Generator) -> Devices:
        city, placements = self.city, []
        for name, spec in self.params.sensing.deploy.items():
            if spec.households:
                community, household = self._homes(spec, residents, rng)
                placements.append(place(name, community, household))
                continue
            n = self._count(spec)
            allowed = self.drainage.low_lying if spec.where == "low_lying" else None
            weight = np.ones(city.n_communities) if spec.where == "low_lying" else None
            placements.append(
                place(
                    name,
                    by_residents(
                        n,
                        weight if weight is not None else city.community_weight,
                        allowed=allowed,
                        rng=rng,
                    ),
                )
            )
        placements.append(place("base_station", self._cell_homes()))
        report = {n: self.catalogue[n].report_every for n in self.catalogue.names}
        return deploy(
            placements, report, city.community_township, self.cells.community_cell, rng=rng
        )

    def _cell_homes(self) -> np.ndarray:
        """Each cell's status feed sits in the first community the cell serves."""
        first = np.full(self.cells.size, -1)
        order = np.arange(len(self.cells.community_cell))[::-1]
        first[self.cells.community_cell[order]] = order
        return np.maximum(first, 0).astype(np.int32)

    def _count(self, spec: Deployment) -> int:
        if spec.count is not None:
            return round(spec.count * self.city.scale * spec.coverage)
        return round(spec.per_1000_residents * self.city.residents / 1000 * spec.coverage)

    def _homes(
        self, spec: Deployment, residents: Residents | None, rng
    ) -> tuple[np.ndarray, np.ndarray]:
        """Households of older residents living alone (a share ``coverage`` of them); without a
        population, the city's share of such residents placed by community weight."""
        if residents is not None:
            age = (
                np.datetime64(self.params.start) - residents.birth_date.astype("datetime64[D]")
            ).astype(int) / 365.25
            alone = np.flatnonzero(residents.alive & residents.living_alone & (age >= spec.min_age))
            chosen = alone[rng.random(len(alone)) < spec.coverage]
            return residents.community[chosen], chosen.astype(np.int64)
        n = round(self.city.residents * ELDERLY_ALONE_SHARE * spec.coverage)
        return by_residents(n, self.city.community_weight, allowed=None, rng=rng), np.arange(
            n, dtype=np.int64
        )

    def _incidents(self, horizon: float, rng: np.random.Generator):
        s, dev = self.params.sensing, self.devices
        parts = []
        for kind, spec in KINDS.items():
            if spec.course == "field" or kind == "fall":
                continue
            (witness,) = spec.witnesses
            if witness not in dev.type_names:
                continue
            b = dev.block(witness)
            rate = s.incident_rate(kind)
            parts.append(
                at_devices(
                    kind,
                    np.arange(b.start, b.stop),
                    dev.community[b],
                    horizon,
                    rate.per_year,
                    rate.lasts,
                    rng=rng,
                )
            )
        homes = np.flatnonzero(dev.household >= 0)
        if len(homes):
            household, first = np.unique(dev.household[homes], return_index=True)
            community = dev.community[homes[first]]
            for kind in ("fall", "away"):
                rate = s.incident_rate(kind)
                parts.append(
                    at_households(
                        kind, household, community, horizon, rate.per_year, rate.lasts, rng=rng
                    )
                )
        parts.append(floods(*flood_episodes(self.depth, s.drainage.flood_depth)))
        return combine(*parts)

    def _labels(self) -> dict[str, np.ndarray]:
        d = self.devices
        return {
            "type": d.device_type,
            "id": np.arange(d.size),
            "community": d.community,
            "township": d.township,
            "cell": d.cell,
        }

    def _build_response(self, rng: np.random.Generator) -> None:
        r = self.params.response
        self.roster = build_roster(
            self.env,
            self.city.community_township,
            r.workers_per_community,
            r.duty_team,
            r.day_shift,
        )
        times = Times(r.acknowledge_time, r.travel_time, r.duty_travel_time, r.handling_time)
        self.centres = [
            DispatchCentre(
                self.model,
                t,
                self.roster,
                times,
                operators=r.operators,
                classify_time=r.classify_time,
                review_time=r.review_time,
                platforms=PLATFORMS,
                still_open=self._still_open,
                started=self._started,
                done=self._done,
                rng=rng,
            )
            for t in range(self.city.n_townships)
        ]

    # -- processes ------------------------------------------------------------------------------

    def sensing_network(self):
        """Every tick: readings arrive, the engine evaluates, routing notifies, townships act,
        unacknowledged events climb the SLA ladder. ``stage_seconds`` adds up where time goes."""
        tick = self.params.sensing.tick
        clock = time.perf_counter
        while True:
            now = self.env.now
            t0 = clock()
            if now > 0:
                readings, warned = self.feed.window(now - tick, now)
                self.warnings += [(int(d), now) for d in warned.tolist()]
            t1 = clock()
            if now > 0 and len(readings):
                self.engine.ingest(readings.device, readings.ts, readings.value)
            transitions = self.engine.tick(now)
            t2 = clock()
            self.on_transitions(transitions, now)
            t3 = clock()
            self.stage_seconds["devices and network"] += t1 - t0
            self.stage_seconds["alerting engine"] += t2 - t1
            self.stage_seconds["routing and dispatch"] += t3 - t2
            yield self.env.timeout(tick)

    def residents_reporting(self):
        """Residents report problems to their township (the hotline, the app, the grid worker):
        a Poisson stream per community, placed by residents."""
        rate = (
            self.params.response.resident_reports_per_1000 * self.city.residents / 1000 / 86_400.0
        )
        if rate <= 0:
            return
        rng = self._reports_rng
        while True:
            yield self.env.timeout(rng.exponential(1.0 / rate))
            community = int(
                rng.choice(len(self.city.community_weight), p=self.city.community_weight)
            )
            rec = self.book.open("ResidentReport", -1, "info", self.env.now)
            self._new_job(
                rec.id, "ResidentReport", -1, "resident_report", community, 3, self.env.now
            )

    # -- alerts to people -----------------------------------------------------------------------

    def on_transitions(self, tr: Transitions, now: float) -> None:
        self._log(tr)
        self._route(tr, now)
        for note in self.dispatcher.tick(now):
            self.notified[note.receiver] = self.notified.get(note.receiver, 0) + 1
            if note.receiver == "township":
                for fp in note.firing:
                    self._job_from_alert(fp)
        kinds = tr.kind
        later = (kinds == RESOLVED) | (kinds == ESCALATED)
        if later.any():
            self.book.apply(_take(tr, later), self.engine.alert_names)
        for esc in self.book.tick(now):
            job = self._jobs.get(esc.record)
            if esc.tier == "township" and job is not None and not job.reassign.triggered:
                job.reassign.succeed()

    def _log(self, tr: Transitions) -> None:
        n = len(tr)
        if not n:
            return
        d, dev = self.devices, tr.device
        names = np.asarray(self.engine.alert_names)
        self.logs["alerts"].extend(
            alert_id=np.arange(self._alert_ids + 1, self._alert_ids + n + 1),
            rule=names[tr.rule],
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

    def _route(self, tr: Transitions, now: float) -> None:
        names = self.engine.alert_names
        for rule, dev, kind, sev in zip(
            tr.rule.tolist(),
            tr.device.tolist(),
            tr.kind.tolist(),
            tr.severity.tolist(),
            strict=True,
        ):
            if kind == ESCALATED:
                continue
            labels = {"alertname": names[rule], **self._device_labels(dev)}
            labels["kind"] = "offline" if kind in (OFFLINE, ONLINE) else "value"
            if kind in (FIRED, OFFLINE):
                labels["severity"] = self._severity[(names[rule], dev)] = SEVERITIES[sev]
            else:
                labels["severity"] = self._severity.pop((names[rule], dev), SEVERITIES[sev])
            self.dispatcher.put(labels, now, resolved=kind in (RESOLVED, ONLINE))

    def _device_labels(self, dev: int) -> dict[str, str]:
        d = self.devices
        return {
            "device": str(dev),
            "type": d.type_names[d.type_code[dev]],
            "township": str(d.township[dev]),
            "community": str(d.community[dev]),
            "cell": str(d.cell[dev]),
        }

    def _job_from_alert(self, fp: tuple) -> None:
        alert = self.dispatcher.alerts[fp]
        key = (fp, alert.starts_at)
        if key in self._dispatched:
            return
        self._dispatched.add(key)
        labels = alert.labels
        dev, name = int(labels["device"]), labels["alertname"]
        area = (name, int(labels["community"]))
        if labels["type"] in AREA_TYPES and area in self._area_jobs:
            self.merged += 1  # the community's flood is already on someone's list
            return
        rec = self.book.open(name, dev, labels["severity"], alert.starts_at)
        priority = 3 - SEVERITIES.index(labels["severity"])
        if labels["type"] in AREA_TYPES:
            self._area_jobs[area] = rec.id
        self._new_job(
            rec.id, name, dev, labels["type"], int(labels["community"]), priority, alert.starts_at
        )

    def _new_job(self, record, alert, device, kind, community, priority, fired_at) -> None:
        job = Job(
            record=record,
            alert=alert,
            device=device,
            kind=kind,
            community=community,
            township=int(self.city.community_township[community]),
            priority=priority,
            fired_at=fired_at,
            received_at=self.env.now,
            reassign=self.env.event(),
        )
        self._jobs[record] = job
        self.centres[job.township].receive(job)

    def _still_open(self, job: Job) -> bool:
        return self.book.records[job.record].open

    def _started(self, job: Job) -> None:
        self.book.assign(job.record, f"worker {job.worker}", self.env.now)

    def _done(self, job: Job) -> None:
        rec = self.book.records[job.record]
        if job.outcome == "handled" and rec.status != CLEARED:
            self.book.clear(job.record, self.env.now)
        self._jobs.pop(job.record, None)
        self._area_jobs.pop((job.alert, job.community), None)
        if (
            job.outcome == "handled"
            and self._review_rng.random() < self.params.response.review_share
        ):
            self._reviewing[job.record] = job
            self.centres[job.township].review(job, self._reviewed)
        else:
            self._log_job(job)

    def _reviewed(self, job: Job) -> None:
        del self._reviewing[job.record]
        self._log_job(job)

    def _log_job(self, job: Job) -> None:
        rec = self.book.records[job.record]
        self.logs["jobs"].append(
            record=job.record,
            alert=job.alert,
            device=job.device,
            kind=job.kind,
            platform=job.platform,
            township=job.township,
            community=job.community,
            worker=job.worker,
            fired_at=job.fired_at,
            received_at=job.received_at,
            classified_at=job.classified_at,
            started_at=job.started_at,
            acknowledged_at=job.acknowledged_at,
            on_site_at=job.on_site_at,
            done_at=job.done_at,
            reviewed_at=job.reviewed_at,
            outcome=job.outcome,
            reassigned=job.reassigned,
            tier=rec.tier,
        )

    def tables(self) -> dict[str, pa.Table]:
        """Ground truth and what the feed did, as tables for the run folder."""
        inc, out = self.incidents, self.truth.outages
        warn = np.array(self.warnings, dtype=np.float64).reshape(-1, 2)
        return {
            "incidents": pa.table(
                {
                    "kind": inc.kind,
                    "device": inc.device,
                    "household": inc.household,
                    "community": inc.community,
                    "onset": inc.onset,
                    "end": inc.end,
                    "peak": inc.peak,
                }
            ),
            "outages": pa.table(
                {"cell": out.cell, "start": out.start, "end": out.end, "cause": out.cause}
            ),
            "battery_warnings": pa.table({"device": warn[:, 0].astype(np.int64), "at": warn[:, 1]}),
        }

    def finish(self) -> None:
        """Log the jobs still open when the run ends."""
        for job in [*self._jobs.values(), *self._reviewing.values()]:
            self._log_job(job)
        self._jobs.clear()
        self._reviewing.clear()


def _take(tr: Transitions, mask: np.ndarray) -> Transitions:
    return Transitions(*(getattr(tr, f)[mask] for f in Transitions.__dataclass_fields__))


class SensingModel(mesa.Model):
    """The sensing side alone, on a city without a population (households are placed by
    community weight): for sensing studies at full scale and for the benchmark."""

    def __init__(self, scenario: Scenario, rules: RuleSet, catalogue: Catalogue,
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
