"""The scenario's ``sensing`` section: what is deployed where, the truth the devices see
(incident rates, the NB-IoT network, drainage and weather) and the platform's rule files."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from datafiles import Duration, Strict
from datafiles.types import FilePath, Positive, Share
from twin.core import ningbo
from twin.core.units import HOUR


class Deployment(Strict):
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


class IncidentRate(Strict):
    """How often an incident kind starts (per witnessing device or household, per year) and
    how long it lasts (median of a lognormal)."""

    per_year: Annotated[float, Field(ge=0.0, le=1000.0)]  # ~3 a day: beyond any real rate
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
    "cooking_fumes": IncidentRate(per_year=4.0, lasts="10m"),
    "aerosol": IncidentRate(per_year=1.0, lasts="3m"),
}


class Transport(Strict):
    """The NB-IoT network: cells, their loss and latency, and what takes them down."""

    cells: Annotated[int, Field(ge=1)] = ningbo.NB_IOT_CELLS
    loss: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.005
    latency: Duration = 3.0
    outages_per_cell_year: Annotated[float, Field(ge=0.0)] = 2.0
    outage_duration: Duration = 7_200.0
    power_cut_per_hour: Share = 0.05
    backup: Duration = 3 * HOUR
    restore: Duration = 8 * HOUR


class DrainageParams(Strict):
    """Low points per community (docs/sensing.md): who floods first, and how fast water leaves."""

    low_lying_share: Share = 0.15
    capacity: Positive = 35.0
    low_capacity: Positive = 25.0
    drain_time: Duration = HOUR
    flood_depth: Positive = 15.0


class Sensing(Strict):
    """Devices deployed over communities, the truth they see, and the platform's alert rules."""

    enabled: bool = True
    catalogue: FilePath
    rules: FilePath
    routing: FilePath | None = None
    inhibition: bool = True
    deploy: dict[str, Deployment]
    tick: Annotated[Duration, Field(ge=10.0)] = 60.0  # NB-IoT devices report in minutes
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
