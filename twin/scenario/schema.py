"""The scenario schema: every parameter of a run, typed, with units, validated once at load.

Each section is the parameter object of the code that acts on it, defined beside that code
(``behaviour`` in agents/behaviour.py, ``treasury`` in agents/treasury.py, ``sensing`` in
sensors/params.py ...): one name and one unit from the scenario file to the code that uses it.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import Field

from agents.approval import Approval
from agents.behaviour import Behaviour
from agents.consultation import ConsultationDesk
from agents.libraries import Libraries
from agents.life_events import Life
from agents.maintenance import Maintenance
from agents.pushes import Pushes
from agents.townships import Response
from agents.treasury import Treasury
from agents.visits import Visits
from datafiles import Duration, Strict
from datafiles.types import FilePath, FolderName
from sensors.params import Sensing
from twin.core.city import CityParams
from twin.core.units import DAY
from twin.scenario.catalogue import Catalogue
from twin.scenario.faults import Faults
from twin.scenario.matching_cadence import Matching

MAX_RUN = 20 * 365 * DAY  # twenty years of simulated time
MAX_TICKS = 1_000_000  # sensing evaluations in one run: about two years at one a minute


class Scenario(Strict):
    """One run of the twin: a city, its libraries, policies, payment route, sensing and response."""

    name: FolderName
    description: str = ""
    seed: Annotated[int, Field(ge=0, lt=2**63)]
    start: Annotated[dt.date, Field(ge=dt.date(1900, 1, 1), le=dt.date(2200, 12, 31))]
    duration: Annotated[Duration, Field(gt=0, le=MAX_RUN)]
    city: CityParams = CityParams()
    libraries: Libraries
    policies: list[FilePath] = []
    packages: list[FilePath] = []  # rules across policies (docs/policy-language.md)
    policy_delivery: dict[str, Literal["apply", "push", "auto"]] = {}
    matching: Matching = Matching()  # when the platform decides: sweeps and event notices
    catalogue: Catalogue = Catalogue()  # dated copies of templates over a history
    variants: dict[str, dict[str, Any]] = {}
    # runs of each variant at other seeds (twin run); not a parameter of one run, so no run
    # folder's scenario.yaml records it
    replications: int = Field(1, ge=1, le=10_000, exclude=True)
    behaviour: Behaviour = Behaviour()
    pushes: Pushes = Pushes()
    life: Life = Life()
    approval: Approval = Approval()
    desk: ConsultationDesk = ConsultationDesk()
    visits: Visits = Visits()
    treasury: Treasury = Treasury()
    sensing: Sensing
    response: Response = Response()
    maintenance: Maintenance = Maintenance()
    faults: Faults = Faults()

    @property
    def days(self) -> int:
        return int(-(-self.duration // DAY))

    def to_json_dict(self) -> dict:
        """The fully resolved scenario, in the form a scenario file would write it."""
        return self.model_dump(mode="json", by_alias=True)
