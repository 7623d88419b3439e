"""The scenario schema: every parameter of a run, typed, with units, validated once at load."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import (
    Field,
)

from agents.approval import Approval
from agents.consultation import ConsultationDesk
from agents.townships import Response
from agents.treasury import Treasury
from datafiles import Duration, Strict
from datafiles.types import FilePath, Share
from sensors.params import Sensing
from twin.core import ningbo


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
