"""The townships answering events: each township's dispatch centre takes what the alert
platform sends it and what residents report, a grid worker goes, an operator reviews some of
the closed events; an alert about an area (a flooded street) joins the event already open for
its community instead of sending a second worker.

The townships act on the platform's alert records through ``Records`` (open, assign, clear,
read) and never score themselves: every event ends as a row of the jobs log, every merged
alert as a row of the merges log.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal, Protocol

import mesa
import numpy as np
from pydantic import Field

from agents.dispatch import PLATFORMS, DispatchCentre
from agents.grid_workers import Job, Times, build_roster
from datafiles import Duration, Strict, UserError
from datafiles.types import Hours, Share
from twin.core.capacity import Staffing, staffing
from twin.core.eventlog import EventLog
from twin.core.units import DAY, HOUR

# The alert platform's severities, lowest first; a worker's queue takes the highest first.
SEVERITIES = ("info", "warning", "critical", "emergency")
DEFAULT_HANDLING = {
    "gas": 1_800.0,
    "smoke": 1_200.0,
    "water_level": HOUR,
    "lift": 2_400.0,
    "manhole": 1_800.0,
    "intrusion": 900.0,
    "water_meter": 1_200.0,
    "door": 1_200.0,
    "resident_report": 1_800.0,
}


class Local(Strict):
    """One district's or township's own response (``response.districts.<id>``,
    ``response.townships.<id>``): staff in the real city's figures and the times that depend on
    the place; each key left out takes the city-wide value."""

    workers_per_community: Annotated[int, Field(ge=0)] | None = None
    duty_team: Annotated[int, Field(ge=1)] | None = None
    operators: Annotated[int, Field(ge=1)] | None = None
    acknowledge_time: Duration | None = None
    travel_time: Duration | None = None
    duty_travel_time: Duration | None = None


LOCAL = tuple(Local.model_fields)


class Response(Strict):
    """Townships answering events: dispatch centres, grid workers on shifts, the duty team
    (scenario section ``response``; docs/sensing.md). Staff are the real city's - grid workers
    per community, duty team and dispatch operators per township - staffed in proportion to
    ``city.scale`` and pooled by township (docs/capacity.md)."""

    workers_per_community: Annotated[int, Field(ge=0)] = 2
    day_shift: Hours = (8 * HOUR, 20 * HOUR)
    duty_team: Annotated[int, Field(ge=1)] = 3
    operators: Annotated[int, Field(ge=1)] = 2
    classify_time: Duration = 60.0
    acknowledge_time: Duration = 120.0
    travel_time: Duration = 600.0
    duty_travel_time: Duration = 1_500.0
    handling: dict[str, Duration] = {}
    sla: dict[Literal["grid", "community", "township"], Duration] = {
        "grid": 900.0,
        "community": 1_800.0,
        "township": HOUR,
    }
    resident_reports_per_1000: Annotated[float, Field(ge=0.0)] = 0.3
    resident_report_severity: Literal["info", "warning", "critical", "emergency"] = "info"
    disposal_deadline: Duration = DAY
    review_share: Share = 0.2
    review_time: Duration = 300.0
    area_types: list[str] = ["water_level"]  # alerts about a community, not one device
    districts: dict[Annotated[int, Field(ge=0)], Local] = {}  # by district
    townships: dict[Annotated[int, Field(ge=0)], Local] = {}  # by township, over districts

    def handling_time(self, kind: str) -> float:
        return self.handling.get(kind, DEFAULT_HANDLING.get(kind, 1_800.0))

    def local(self, township: int, district: int) -> dict[str, Any]:
        """Every place-dependent setting of one township: its own value, else its district's,
        else the city-wide one."""
        layers = [self.townships.get(township), self.districts.get(district)]
        return {
            k: next(
                (v for v in (getattr(x, k, None) for x in layers) if v is not None),
                getattr(self, k),
            )
            for k in LOCAL
        }


def township_staffing(
    params: Response, community_township: np.ndarray, township_district: np.ndarray, scale: float
) -> tuple[list[Staffing], list[Staffing], list[Staffing]]:
    """Per township at ``scale``: grid workers on the day shift (its communities' workers,
    pooled), the duty team and the dispatch centre's operators - each township's own figures
    where the scenario sets them by township or district."""
    n_town = len(township_district)
    _check_places(params, n_town, int(township_district.max(initial=-1)) + 1)
    communities = np.bincount(community_township, minlength=n_town)
    day, duty, ops = [], [], []
    for t, c in enumerate(communities.tolist()):
        mine, unit = params.local(t, int(township_district[t])), "per township"
        workers = mine["workers_per_community"] * c
        day.append(staffing("response.workers_per_community", unit, workers, scale))
        duty.append(staffing("response.duty_team", unit, mine["duty_team"], scale))
        ops.append(staffing("response.operators", unit, mine["operators"], scale))
    return day, duty, ops


def _times(params: Response, township: int, district: int) -> Times:
    """How long a township's workers take: acknowledging and travel depend on the place."""
    mine = params.local(township, district)
    return Times(
        mine["acknowledge_time"],
        mine["travel_time"],
        mine["duty_travel_time"],
        params.handling_time,
    )


def _check_places(params: Response, n_town: int, n_district: int) -> None:
    """Staff set for a township or district the city does not have is an error, not a no-op."""
    for section, n in (("townships", n_town), ("districts", n_district)):
        for key in getattr(params, section):
            if key >= n:
                raise UserError.one(
                    f"the city has {n} {section}, numbered 0 to {n - 1}; there is no {key}",
                    key=f"response.{section}.{key}",
                    hint=f"{section} are numbered as in the run's tables (devices.parquet)",
                )


class Records(Protocol):
    """The alert platform's records, as the townships use them."""

    def open(self, alert: str, device: int, severity: str, at: float) -> Any: ...
    def record(self, record: int) -> Any: ...
    def assign(self, record: int, worker: str, now: float) -> Any: ...
    def clear(self, record: int, now: float) -> Any: ...


class Townships:
    """Every township's dispatch centre over one roster of grid workers and duty teams."""

    def __init__(
        self,
        model: mesa.Model,
        params: Response,
        community_township: np.ndarray,
        township_district: np.ndarray,
        records: Records,
        *,
        jobs: EventLog,
        merges: EventLog,
        scale: float = 1.0,
        rng: Mapping[str, np.random.Generator],
    ) -> None:
        self.model, self.params, self.records = model, params, records
        self.env = model.clock.env
        self.community_township = community_township
        self.jobs_log, self.merges_log = jobs, merges
        self._review_rng = rng["reviews"]
        self.staffing = township_staffing(params, community_township, township_district, scale)
        day, duty, operators = (np.array([s.staffed for s in row]) for row in self.staffing)
        self.roster = build_roster(self.env, community_township, day, duty, params.day_shift)
        p = params
        self.centres = [
            DispatchCentre(
                model,
                t,
                self.roster,
                _times(p, t, int(township_district[t])),
                operators=int(operators[t]),
                classify_time=p.classify_time,
                review_time=p.review_time,
                platforms=PLATFORMS,
                still_open=self._still_open,
                started=self._started,
                done=self._done,
                rng=rng["centres"],
            )
            for t in range(len(day))
        ]
        self._jobs: dict[int, Job] = {}
        self._reviewing: dict[int, Job] = {}
        self._area_jobs: dict[tuple[str, int], int] = {}  # open area events by community

    # -- events in ----------------------------------------------------------------------------

    def receive(self, alert) -> None:
        """An alert the platform sent to the township (``alert.alert``, ``.device``,
        ``.labels`` with ``type`` and ``community``, ``.severity``, ``.starts_at``): an event
        for a grid worker, unless it is about an area whose event is already open."""
        labels, name = alert.labels, alert.alert
        community, kind = int(labels["community"]), labels["type"]
        area = (name, community)
        is_area = kind in self.params.area_types
        if is_area and area in self._area_jobs:  # the community's flood is on someone's list
            self.merges_log.append(
                alert=name, device=alert.device, community=community, at=self.env.now
            )
            return
        rec = self.records.open(name, alert.device, alert.severity, alert.starts_at)
        if is_area:
            self._area_jobs[area] = rec.id
        self._new_job(rec.id, name, alert.device, kind, community, alert.severity, alert.starts_at)

    def escalated(self, record: int, tier: str) -> None:
        """Nobody acknowledged the event in time: at the township tier, the duty team takes it."""
        job = self._jobs.get(record)
        if tier == "township" and job is not None and not job.reassign.triggered:
            job.reassign.succeed()

    def residents_reporting(self, residents: int, community_weight: np.ndarray, *, rng):
        """Residents report problems to their township (the hotline, the app, the grid worker):
        a Poisson stream placed by residents."""
        rate = self.params.resident_reports_per_1000 * residents / 1000 / DAY
        if rate <= 0:
            return
        severity = self.params.resident_report_severity
        while True:
            yield self.env.timeout(rng.exponential(1.0 / rate))
            community = int(rng.choice(len(community_weight), p=community_weight))
            rec = self.records.open("ResidentReport", -1, severity, self.env.now)
            self._new_job(
                rec.id, "ResidentReport", -1, "resident_report", community, severity, self.env.now
            )

    def _new_job(self, record, alert, device, kind, community, severity, fired_at) -> None:
        job = Job(
            record=record,
            alert=alert,
            device=device,
            kind=kind,
            community=community,
            township=int(self.community_township[community]),
            priority=len(SEVERITIES) - 1 - SEVERITIES.index(severity),
            fired_at=fired_at,
            received_at=self.env.now,
            reassign=self.env.event(),
        )
        self._jobs[record] = job
        self.centres[job.township].receive(job)

    # -- what workers do with the records -------------------------------------------------------

    def _still_open(self, job: Job) -> bool:
        return self.records.record(job.record).open

    def _started(self, job: Job) -> None:
        self.records.assign(job.record, f"worker {job.worker}", self.env.now)

    def _done(self, job: Job) -> None:
        rec = self.records.record(job.record)
        if job.outcome == "handled" and rec.status != "cleared":
            self.records.clear(job.record, self.env.now)
        self._jobs.pop(job.record, None)
        self._area_jobs.pop((job.alert, job.community), None)
        if job.outcome == "handled" and self._review_rng.random() < self.params.review_share:
            self._reviewing[job.record] = job
            self.centres[job.township].review(job, self._reviewed)
        else:
            self._log(job)

    def _reviewed(self, job: Job) -> None:
        del self._reviewing[job.record]
        self._log(job)

    def _log(self, job: Job) -> None:
        self.jobs_log.append(
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
            tier=self.records.record(job.record).tier,
        )

    def finish(self) -> None:
        """Log the events still open when the run ends."""
        for job in [*self._jobs.values(), *self._reviewing.values()]:
            self._log(job)
        self._jobs.clear()
        self._reviewing.clear()
