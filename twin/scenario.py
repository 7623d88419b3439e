"""The scenario schema: every parameter of a run, typed, with units, validated once at load."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    field_serializer,
    field_validator,
)

from datafiles import Duration
from twin import ningbo


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


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

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


class Sensing(Section):
    """One sensor type deployed over communities, with injected incidents and faults."""

    rules: FilePath
    device_type: Literal["gas"] = "gas"
    devices: Annotated[int, Field(ge=0)] = 300_000
    report_interval: Duration = 300.0
    incidents_per_device_year: Annotated[float, Field(ge=0.0)] = 0.5
    incident_duration: Duration = 7_200.0
    noise: Annotated[float, Field(ge=0.0)] = 1.0
    spike_probability: Share = 1e-4
    dropout: Share = 0.01
    drift_share: Share = 0.0
    drift_per_day: Annotated[float, Field(ge=0.0)] = 1.0
    detection_grace: Duration = 900.0


class Response(Section):
    """Grid workers answering alerts: per township, with travel and handling times."""

    workers_per_township: Annotated[int, Field(ge=1)] = 2
    travel_time: Duration = 1_200.0
    handling_time: Duration = 1_800.0


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
