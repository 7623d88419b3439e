"""The scenario schema: every parameter of a run, typed, with units, validated once at load."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
    PlainSerializer,
    field_serializer,
    field_validator,
    model_validator,
)

from datafiles import Duration, Strict
from twin.core import ningbo


class _PathMarker:
    """Marks a field holding a file path; the loader resolves it against the file that wrote it."""


IS_PATH = _PathMarker()
FilePath = Annotated[Path, IS_PATH, PlainSerializer(str, return_type=str, when_used="json")]
Share = Annotated[float, Field(ge=0.0, le=1.0)]
Positive = Annotated[float, Field(gt=0.0)]


def _time_of_day(value: object) -> float:
    # YAML 1.1 reads an unquoted 20:00 as the base-60 number 1200: minutes since midnight
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        return value * 60.0
    if not isinstance(value, str) or not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
        raise ValueError("a time of day as HH:MM, e.g. 09:30")
    hours, minutes = value.split(":")
    return int(hours) * 3600.0 + int(minutes) * 60.0


def _hh_mm(seconds: float) -> str:
    return f"{int(seconds // 3600):02d}:{int(seconds % 3600 // 60):02d}"


TimeOfDay = Annotated[
    float, BeforeValidator(_time_of_day), PlainSerializer(_hh_mm, return_type=str, when_used="json")
]
"""Seconds since midnight, written HH:MM."""


class Section(Strict):
    """A section of a scenario file."""


class CityParams(Section):
    """The synthetic Ningbo; figures are the real city's, populations are multiplied by scale."""

    scale: Annotated[float, Field(gt=0.0, le=1.0)] = 0.001
    residents: Annotated[int, Field(gt=0)] = ningbo.RESIDENTS
    enterprises: Annotated[int, Field(gt=0)] = ningbo.MARKET_ENTITIES
    communities: Annotated[int, Field(ge=156)] = ningbo.COMMUNITIES


class SourceQuality(Section):
    """One department's data: each key left out takes the library's value."""

    missing: Share | None = None
    stale: Share | None = None
    update_lag: Duration | None = None


class LibraryQuality(Section):
    """How the platform's library differs from truth: unknown values, stale values, refresh lag;
    ``sources`` sets them per department that shares fields (see the field registry)."""

    fields: FilePath
    missing: Share = 0.05
    stale: Share = 0.05
    update_lag: Duration = 30 * 86_400.0
    sources: dict[str, SourceQuality] = {}


class Libraries(Section):
    person: LibraryQuality
    enterprise: LibraryQuality


class Behaviour(Section):
    """How beneficiaries hear of a policy and act on it (see docs/population.md)."""

    media_per_day: Annotated[float, Field(ge=0.0)] = 0.01
    word_of_mouth_per_day: Annotated[float, Field(ge=0.0)] = 0.15
    local_share: Share = 0.5
    push_effort: Duration = 600.0
    apply_effort: Duration = 3 * 3600.0
    act_per_day: Annotated[float, Field(gt=0.0)] = 0.2
    literacy_weight: Annotated[float, Field(ge=0.0)] = 2.5
    distrust_weight: Annotated[float, Field(ge=0.0)] = 1.5
    evidence_days: Annotated[float, Field(gt=0.0)] = 2.0
    dropout_per_day: Share = 0.05


class Approval(Section):
    """The departments' reviewers and their risk control (docs/population.md)."""

    reviewers_per_policy: Annotated[int, Field(ge=1)] = 2
    review_time: Duration = 1200.0
    audit_share: Share = 0.1
    catch: Share = 0.6
    catch_audited: Share = 0.95


class Shift(Section):
    """From this time of day (HH:MM), this many operators answer."""

    from_: Annotated[float, Field(alias="from")]
    operators: Annotated[int, Field(ge=0)]

    @field_validator("from_", mode="before")
    @classmethod
    def _clock_time(cls, value: object) -> float:
        return value if isinstance(value, float) else _time_of_day(value)

    @field_serializer("from_", when_used="json")
    def _written(self, seconds: float) -> str:
        return _hh_mm(seconds)


class ConsultationDesk(Section):
    """The platform's consultation desk: who calls, and who answers (docs/population.md)."""

    shifts: Annotated[list[Shift], Field(min_length=1)] = [
        Shift(from_=8 * 3600.0, operators=3),
        Shift(from_=20 * 3600.0, operators=1),
    ]
    service_time: Duration = 300.0
    patience: Duration | None = 600.0
    deflected: Share = 0.0
    callback_share: Share = 0.5
    questions_per_application: Share = 0.6
    questions_per_push: Share = 0.2


class Life(Section):
    """Monthly life events in the truth (docs/population.md)."""

    enabled: bool = True
    move_per_month: Share = 0.002
    graduating_share: Share = 0.25
    firm_exit_per_month: Share = 0.006
    births_per_year: Share = 0.006
    arriving_graduates_per_year: Share = 0.01
    firm_entry_per_year: Share = 0.12
    registration_lag: Duration = 7 * 86_400.0


class Treasury(Section):
    """The route money takes: direct (treasury to account) or layered (quota level by level)."""

    route: Literal["direct", "layered"] = "direct"
    routes: dict[str, Literal["direct", "layered"]] = {}
    direct_processing: Duration = 600.0
    layered_levels: Annotated[int, Field(ge=1, le=6)] = 4
    layered_level_delay: Duration = 3 * 86_400.0
    bank_windows: list[TimeOfDay] = []
    layered_batch_every: Duration = 0.0
    bank_outage: Share = 0.0


class Deployment(Section):
    """Where one device type goes: a count (or a density) over communities or households."""

    count: Annotated[int, Field(ge=0)] | None = None
    per_1000_residents: Annotated[float, Field(ge=0.0)] | None = None
    where: Literal["all", "low_lying"] = "all"
    households: Literal["elderly_alone"] | None = None
    min_age: Annotated[int, Field(ge=0, le=120)] = 70
    coverage: Share = 1.0

    @model_validator(mode="after")
    def _one_size(self) -> Deployment:
        given = sum(x is not None for x in (self.count, self.per_1000_residents, self.households))
        if given != 1:
            raise ValueError(
                "give exactly one of count, per_1000_residents or households for a device type"
            )
        return self


class IncidentRate(Section):
    """How often an incident kind starts (per witnessing device or household, per year) and
    how long it lasts (median of a lognormal)."""

    per_year: Annotated[float, Field(ge=0.0)]
    lasts: Annotated[Duration, Field(gt=0)]


DEFAULT_INCIDENTS = {
    "gas_leak": IncidentRate(per_year=0.002, lasts="2h"),
    "fire": IncidentRate(per_year=0.0005, lasts="30m"),
    "lift_entrapment": IncidentRate(per_year=0.3, lasts="40m"),
    "lift_fault": IncidentRate(per_year=1.0, lasts="3h"),
    "manhole_open": IncidentRate(per_year=0.01, lasts="12h"),
    "intrusion": IncidentRate(per_year=0.01, lasts="10m"),
    "fall": IncidentRate(per_year=0.05, lasts="1d"),
    "away": IncidentRate(per_year=2.0, lasts="3d"),
}


class Transport(Section):
    """The NB-IoT network: cells, their loss and latency, and what takes them down."""

    cells: Annotated[int, Field(ge=1)] = ningbo.NB_IOT_CELLS
    loss: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.005
    latency: Duration = 3.0
    outages_per_cell_year: Annotated[float, Field(ge=0.0)] = 2.0
    outage_duration: Duration = 7_200.0
    power_cut_per_hour: Share = 0.05
    backup: Duration = 3 * 3_600.0
    restore: Duration = 8 * 3_600.0


class DrainageParams(Section):
    """Low points per community (docs/sensing.md): who floods first, and how fast water leaves."""

    low_lying_share: Share = 0.15
    capacity: Positive = 35.0
    low_capacity: Positive = 25.0
    drain_time: Duration = 3_600.0
    flood_depth: Positive = 15.0


class Sensing(Section):
    """Devices deployed over communities, the truth they see, and the platform's alert rules."""

    enabled: bool = True
    catalogue: FilePath
    rules: FilePath
    routing: FilePath | None = None
    inhibition: bool = True
    deploy: dict[str, Deployment]
    tick: Annotated[Duration, Field(gt=0)] = 60.0
    lookback: Annotated[Duration, Field(gt=0)] = 300.0
    incidents: dict[str, IncidentRate] = {}
    transport: Transport = Transport()
    weather: FilePath | None = None
    drainage: DrainageParams = DrainageParams()
    detection_grace: Duration = 900.0

    def incident_rate(self, kind: str) -> IncidentRate:
        return self.incidents.get(kind, DEFAULT_INCIDENTS[kind])

    @field_validator("incidents")
    @classmethod
    def _known_kinds(cls, value: dict) -> dict:
        unknown = sorted(set(value) - set(DEFAULT_INCIDENTS))
        if unknown:
            raise ValueError(f"incident kinds are among {', '.join(DEFAULT_INCIDENTS)}")
        return value


class Response(Section):
    """Townships answering events: dispatch centres, grid workers on shifts, the duty team."""

    workers_per_community: Annotated[int, Field(ge=0)] = 2
    day_shift: tuple[TimeOfDay, TimeOfDay] = (8 * 3_600.0, 20 * 3_600.0)
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
        "township": 3_600.0,
    }
    resident_reports_per_1000: Annotated[float, Field(ge=0.0)] = 0.3
    disposal_deadline: Duration = 86_400.0
    review_share: Share = 0.2
    review_time: Duration = 300.0

    def handling_time(self, kind: str) -> float:
        return self.handling.get(kind, DEFAULT_HANDLING.get(kind, 1_800.0))


DEFAULT_HANDLING = {
    "gas": 1_800.0,
    "smoke": 1_200.0,
    "water_level": 3_600.0,
    "lift": 2_400.0,
    "manhole": 1_800.0,
    "intrusion": 900.0,
    "water_meter": 1_200.0,
    "door": 1_200.0,
    "resident_report": 1_800.0,
}


class Scenario(Section):
    """One run of the twin: a city, its libraries, policies, payment route, sensing and response."""

    name: str
    description: str = ""
    seed: int
    start: dt.date
    duration: Duration
    city: CityParams = CityParams()
    libraries: Libraries
    policies: list[FilePath] = []
    policy_delivery: dict[str, Literal["apply", "push", "auto"]] = {}
    variants: dict[str, dict[str, Any]] = {}
    behaviour: Behaviour = Behaviour()
    life: Life = Life()
    approval: Approval = Approval()
    desk: ConsultationDesk = ConsultationDesk()
    treasury: Treasury = Treasury()
    sensing: Sensing
    response: Response = Response()

    @property
    def days(self) -> int:
        return int(-(-self.duration // 86_400))

    def to_json_dict(self) -> dict:
        """The fully resolved scenario, in the form a scenario file would write it."""
        return self.model_dump(mode="json", by_alias=True)
