"""The city's people and firms, with reserve rows for those born, arriving or founded during
the run (rows that do not exist yet: not alive, not active), so every array keeps its length.

Also the population as a planner breaks results down: one table per target with the
attributes a result is grouped by, codes written as their labels.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

import numpy as np
import pyarrow as pa

from agents.enterprises import Enterprises, assign_employers, generate_enterprises
from agents.groups import form_groups
from agents.households import form_households
from agents.life_events import Reserve
from agents.residents import EPOCH, Residents, generate_residents
from agents.year_end import close_year, keep_last_year
from twin.core.city import City

# Attributes written for planners' breakdowns (docs/population.md has them all).
PERSON_COLUMNS = (
    "community", "district", "birth_date", "sex", "registration", "degree", "employed",
    "income", "living_alone", "disability", "low_income", "smartphone", "digital_literacy",
    "alive", "household", "relation",
)  # fmt: skip
ENTERPRISE_COLUMNS = (
    "community", "district", "industry", "division", "size_class", "employees", "revenue",
    "high_tech", "specialised_sme", "uses_platform", "active",
)  # fmt: skip


class Population:
    """Residents and enterprises of a city, each with its reserve rows at the end."""

    def __init__(
        self,
        city: City,
        start: dt.date,
        *,
        spare: tuple[int, int],
        streams: Callable[[str], np.random.Generator],
    ) -> None:
        where = (city.community_weight, city.community_district)
        self.city = city
        self.persons: Residents = generate_residents(
            city.residents + spare[0], *where, start, rng=streams("residents")
        )
        self.enterprises: Enterprises = generate_enterprises(
            city.enterprises + spare[1], *where, start, rng=streams("enterprises")
        )
        self.persons.alive[city.residents :] = False
        self.enterprises.active[city.enterprises :] = False
        self.reserve = Reserve(city.residents, city.enterprises)
        persons, firms = self.persons, self.enterprises
        persons.employed[~persons.alive] = False
        persons.employer[:] = assign_employers(
            persons.employed, firms.employees * firms.active, rng=streams("employers")
        )
        today = (start - EPOCH).days  # registers from their own stream: the rest stays as it was
        form_households(persons, today, rng=streams("households"))
        form_groups(firms, rng=streams("groups"))
        history = streams("last_year")  # its own stream: the draws above stay as they were
        for target in ("person", "enterprise"):
            keep_last_year(self[target], target, rng=history)

    def close_year(self) -> None:
        """1 January: this year's values become last year's (agents/year_end.py)."""
        for target in ("person", "enterprise"):
            pop = self[target]
            close_year(pop.library_columns(), pop.last_year)

    def __getitem__(self, target: str) -> Residents | Enterprises:
        return self.persons if target == "person" else self.enterprises

    def living(self, target: str) -> np.ndarray:
        """Who exists today: residents alive, enterprises trading."""
        return self.persons.alive if target == "person" else self.enterprises.active

    def table(self, target: str, codes: Mapping[str, tuple[str, ...]]) -> pa.Table:
        """One row per entity (reserve rows included) with the attributes results are broken
        down by; coded fields as their labels, dates as dates, townships from communities."""
        pop = self[target]
        names = PERSON_COLUMNS if target == "person" else ENTERPRISE_COLUMNS
        columns: dict[str, object] = {"entity": np.arange(pop.size, dtype=np.int64)}
        for name in names:
            values = getattr(pop, name)
            if name in codes:
                values = pa.DictionaryArray.from_arrays(
                    pa.array(values.astype(np.int32)), pa.array(list(codes[name]))
                )
            elif name == "birth_date":
                values = (np.datetime64(EPOCH) + values.astype("timedelta64[D]")).astype(
                    "datetime64[D]"
                )
            columns[name] = values
            if name == "community":
                columns["township"] = self.city.community_township[values].astype(np.int32)
        return pa.table(columns)


def spare_rows(city: City, life, days: int) -> tuple[int, int]:
    """Reserve rows for births, arrivals and new firms over a run of ``days`` (with margin)."""
    if not life.enabled:
        return 0, 0
    months = days / 30.0 + 1
    people = city.residents * (life.births_per_year + life.arriving_graduates_per_year)
    firms = city.enterprises * life.firm_entry_per_year
    return (
        int(np.ceil(people * months / 12 * 1.5)) + 5,
        int(np.ceil(firms * months / 12 * 1.5)) + 5,
    )
