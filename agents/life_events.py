"""Life events at a monthly cadence: people die, move and graduate; firms grow, shrink and close.

Each rule states its monthly rate (assumptions to calibrate, every one a parameter) and changes
the truth in place; the platform's libraries learn of it only through their update lag. Ageing
needs no event: ages are computed from birth dates on the day. Births, arriving graduates and
new firms take rows from a reserve generated with the population (rows that do not exist yet:
not alive, not active), so every array keeps its length.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Annotated

import numpy as np
from pydantic import Field

from agents.enterprises import Enterprises
from agents.groups import leave_on_closing
from agents.households import join_at_birth, leave_on_death, register_alone
from agents.residents import DEGREES, EPOCH, GRADUATION_AGE, INCOME_MEDIAN, Residents
from datafiles import Duration, Strict
from datafiles.types import Share
from twin.core.units import DAY


class Life(Strict):
    """Monthly life events in the truth (scenario section ``life``; docs/population.md): rates
    per month or per year as named; yearly rates are spread evenly over months."""

    enabled: bool = True
    death_by_age: list[tuple[Annotated[int, Field(ge=0)], Share]] = [
        (0, 0.00003),
        (60, 0.0008),
        (80, 0.005),
    ]  # (from this age, chance of dying per month)
    move_per_month: Share = 0.002  # residents moving to another community
    graduation_month: Annotated[int, Field(ge=1, le=12)] = 7  # degrees are awarded in July
    graduating_share: Share = 0.25  # of 21- to 24-year-olds without a degree, each season
    firm_exit_per_month: Share = 0.006  # market entities closing
    firm_growth_sd: Annotated[float, Field(ge=0.0)] = 0.03  # monthly log change of staff, revenue
    births_per_year: Share = 0.006  # per resident
    arriving_graduates_per_year: Share = 0.01  # per resident
    firm_entry_per_year: Share = 0.12  # new market entities per existing one
    registration_lag: Duration = 7 * DAY  # until the platform has a newcomer's record
    # work and household (assumptions near Ningbo's labour market; docs/population.md)
    job_loss_per_month: Share = 0.01  # of the employed: out of work, no income
    job_finding_per_month: Share = 0.035  # of those 18-59 without work: a job at a new wage
    wage_change_sd: Annotated[float, Field(ge=0.0)] = 0.02  # monthly log change of a wage
    home_purchase_per_month: Share = 0.003  # of renters aged 25 and over
    start_living_alone_per_month: Share = 0.0014  # of people 60 and over (widowed, children away)
    stop_living_alone_per_month: Share = 0.01  # moving in with family or into care


@dataclass
class Reserve:
    """Rows not yet in use: the next free resident and enterprise rows."""

    next_person: int
    next_firm: int
    exhausted: int = 0  # arrivals that found no free row


@dataclass
class MonthReport:
    deaths: int
    moves: int
    graduates: int
    exits: int
    jobs_lost: int = 0
    jobs_found: int = 0
    homes_bought: int = 0
    births: int = 0
    arrivals: int = 0
    entries: int = 0
    # the rows an event concerned: what a department would notify the platform of
    persons: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    enterprises: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))


def live_a_month(
    people: Residents,
    firms: Enterprises,
    community_weight: np.ndarray,
    community_district: np.ndarray,
    today: dt.date,
    life: Life,
    *,
    rng: np.random.Generator,
    reserve: Reserve | None = None,
    registers: np.random.Generator | None = None,
) -> MonthReport:
    """One month of events, in place; dead people and closed firms lose their bank accounts.
    With a ``reserve``, people are born, graduates arrive and firms are founded. Household
    registers follow deaths, births and arrivals, drawing from ``registers`` (its own stream,
    so the events' draws stay as they were)."""
    where = (community_weight, community_district)
    persons: list[np.ndarray] = []  # rows each event concerned, collected as they happen
    firm_rows: list[np.ndarray] = []
    deaths = _deaths(people, today, life, rng=rng, rows=persons)
    leave_on_death(people, persons[-1])
    moves = _moves(people, *where, life, rng=rng, rows=persons)
    in_season = today.month == life.graduation_month
    graduates = _graduation(people, today, life, rng=rng, rows=persons) if in_season else 0
    exits = _firms(firms, life, rng=rng, rows=firm_rows)
    lost, found = _work(people, today, life, rng=rng, rows=persons)
    bought = _household(people, today, life, rng=rng, rows=persons)
    report = MonthReport(deaths, moves, graduates, exits, lost, found, bought)
    if reserve is not None:
        living, trading = int(people.alive.sum()), int(firms.active.sum())
        births = int(rng.poisson(life.births_per_year / 12 * living))
        arrivals = int(rng.poisson(life.arriving_graduates_per_year / 12 * living))
        entries = int(rng.poisson(life.firm_entry_per_year / 12 * trading))
        report.births = _arrive(people, reserve, births, today, where, newborn=True, rng=rng,
                                rows=persons)  # fmt: skip
        if registers is None:
            raise ValueError("a month with a reserve needs the registers' random stream")
        join_at_birth(people, persons[-1], rng=registers)
        report.arrivals = _arrive(people, reserve, arrivals, today, where, newborn=False,
                                  rng=rng, rows=persons)  # fmt: skip
        register_alone(people, persons[-1])
        report.entries = _found(firms, reserve, entries, today, where, rng=rng, rows=firm_rows)
    report.persons = np.unique(np.concatenate([np.zeros(0, np.int64), *persons]))
    report.enterprises = np.unique(np.concatenate([np.zeros(0, np.int64), *firm_rows]))
    return report


def _take(reserve: Reserve, attr: str, n: int, size: int) -> np.ndarray:
    start = getattr(reserve, attr)
    rows = np.arange(start, min(start + n, size))
    setattr(reserve, attr, start + len(rows))
    reserve.exhausted += n - len(rows)
    return rows


def _arrive(
    people: Residents,
    reserve: Reserve,
    n: int,
    today: dt.date,
    where,
    *,
    newborn: bool,
    rng,
    rows: list,
) -> int:
    """A baby is born, or a graduate arrives to work (bachelor, master or doctor, aged 22-29)."""
    taken = _take(reserve, "next_person", n, people.size)
    rows.append(taken)
    rows = taken
    k, day = len(rows), (today - EPOCH).days
    community = rng.choice(len(where[0]), size=k, p=where[0]).astype(np.int32)
    people.community[rows], people.district[rows] = community, where[1][community]
    if newborn:
        people.birth_date[rows] = day
        people.degree[rows], people.graduation_year[rows] = 0, 0
        people.registration[rows], people.employed[rows] = 0, False
        people.income[rows], people.smartphone[rows] = 0.0, False
        people.digital_literacy[rows], people.talent_tier[rows] = 0.0, 0
        people.renting[rows] = people.owns_home[rows] = people.living_alone[rows] = False
    else:
        people.birth_date[rows] = day - (rng.uniform(22, 30, k) * 365.25).astype(np.int32)
        degree = rng.choice([2, 3, 4], size=k, p=[0.7, 0.25, 0.05]).astype(np.int16)
        people.degree[rows], people.graduation_year[rows] = degree, today.year
        people.registration[rows], people.employed[rows] = 1, rng.random(k) < 0.8
        salary = (6000 + 3000 * (degree - 2)) * rng.lognormal(0, 0.3, k)
        people.income[rows] = np.where(people.employed[rows], salary, 0.0)
        people.smartphone[rows], people.digital_literacy[rows] = True, 0.9
        people.renting[rows], people.owns_home[rows] = True, False
        people.living_alone[rows] = rng.random(k) < 0.5
    people.arrived_on[rows], people.insured_months[rows] = day, 0
    people.insured_months_consecutive[rows] = 0
    people.low_income[rows], people.disability[rows] = False, 0
    people.employer[rows] = -1
    people.bank_account_valid[rows] = rng.random(k) < 0.97
    people.alive[rows] = True
    for kept in people.last_year.values():
        kept[rows] = 0  # not here last year
    return k


def _found(
    firms: Enterprises, reserve: Reserve, n: int, today: dt.date, where, *, rng, rows: list
) -> int:
    """A new firm registers: micro or small, a few staff, little revenue yet."""
    taken = _take(reserve, "next_firm", n, firms.size)
    rows.append(taken)
    rows = taken
    k = len(rows)
    community = rng.choice(len(where[0]), size=k, p=where[0]).astype(np.int32)
    firms.community[rows], firms.district[rows] = community, where[1][community]
    firms.size_class[rows] = (rng.random(k) < 0.1).astype(np.int16)
    firms.employees[rows] = np.where(
        firms.size_class[rows] == 0, rng.integers(1, 10, k), rng.integers(10, 30, k)
    )
    firms.insured_employees[rows] = firms.employees[rows]
    firms.new_hires[rows] = firms.employees[rows]
    firms.revenue[rows] = (firms.employees[rows] * rng.uniform(1, 10, k)).astype(np.float32)
    firms.tax_paid[rows] = firms.rd_spend[rows] = firms.export_value[rows] = 0.0
    firms.founded_on[rows] = (today - EPOCH).days
    firms.high_tech[rows] = firms.specialised_sme[rows] = False
    firms.bank_account_valid[rows] = rng.random(k) < 0.98
    firms.active[rows] = True
    firms.group[rows] = -1  # on its own
    for kept in firms.last_year.values():
        kept[rows] = 0  # not trading last year
    return k


def _deaths(people: Residents, today: dt.date, life: Life, *, rng, rows: list) -> int:
    """A living person dies with the monthly probability of their age band."""
    age = ((today - EPOCH).days - people.birth_date) / 365.25
    lows = np.array([a for a, _ in life.death_by_age])
    p = np.array([r for _, r in life.death_by_age])[np.searchsorted(lows, age, side="right") - 1]
    dies = people.alive & (rng.random(people.size) < p)
    people.alive[dies] = False
    people.bank_account_valid[dies] = False
    people.employed[dies] = False
    rows.append(np.flatnonzero(dies))
    return int(dies.sum())


def _moves(
    people: Residents, weight: np.ndarray, district: np.ndarray, life, *, rng, rows: list
) -> int:
    """A living person moves to a community drawn like a newcomer's (by residents)."""
    moving = np.flatnonzero(people.alive & (rng.random(people.size) < life.move_per_month))
    new = rng.choice(len(weight), size=len(moving), p=weight).astype(np.int32)
    people.community[moving] = new
    people.district[moving] = district[new]
    rows.append(moving)
    return len(moving)


def _graduation(people: Residents, today: dt.date, life: Life, *, rng, rows: list) -> int:
    """In the graduation month, a share of young people without a degree earn a bachelor's."""
    age = ((today - EPOCH).days - people.birth_date) / 365.25
    candidates = people.alive & (people.degree == 0) & (age >= GRADUATION_AGE[2] - 1) & (age < 25)
    graduates = candidates & (rng.random(people.size) < life.graduating_share)
    people.degree[graduates] = 2
    people.graduation_year[graduates] = today.year
    rows.append(np.flatnonzero(graduates))
    return int(graduates.sum())


def _firms(firms: Enterprises, life: Life, *, rng, rows: list) -> int:
    """Open firms change staff and revenue a little; some close, and their accounts with them."""
    open_ = firms.active
    change = np.exp(rng.normal(0.0, life.firm_growth_sd, firms.size))
    firms.employees[open_] = np.maximum(1, np.round(firms.employees[open_] * change[open_]))
    firms.revenue[open_] = (firms.revenue[open_] * change[open_]).astype(np.float32)
    closing = open_ & (rng.random(firms.size) < life.firm_exit_per_month)
    firms.active[closing] = False
    firms.bank_account_valid[closing] = False
    leave_on_closing(firms, closing)
    rows.append(np.flatnonzero(closing))
    return int(closing.sum())


def _work(people: Residents, today: dt.date, life: Life, *, rng, rows: list) -> tuple[int, int]:
    """The employed accrue a month of social insurance, their wages move a little, some lose
    their job; some of working age without one find one, at a wage drawn for their degree."""
    age = ((today - EPOCH).days - people.birth_date) / 365.25
    n, working = people.size, people.alive & people.employed
    people.insured_months[working] += 1
    people.insured_months_consecutive[working] += 1
    wage = people.income * np.exp(rng.normal(0.0, life.wage_change_sd, n)).astype(np.float32)
    people.income[working] = np.round(wage[working])
    loses = working & (rng.random(n) < life.job_loss_per_month)
    seeking = people.alive & ~people.employed & (age >= 18) & (age < 60)
    finds = seeking & (rng.random(n) < life.job_finding_per_month)
    people.employed[loses], people.income[loses], people.employer[loses] = False, 0.0, -1
    people.insured_months_consecutive[loses] = 0  # the run is broken
    median = np.asarray([INCOME_MEDIAN[d] for d in DEGREES], np.float64)[people.degree[finds]]
    people.employed[finds] = True
    people.income[finds] = np.round(median * rng.lognormal(0.0, 0.45, int(finds.sum())))
    rows.append(np.flatnonzero(loses | finds))
    return int(loses.sum()), int(finds.sum())


def _household(people: Residents, today: dt.date, life: Life, *, rng, rows: list) -> int:
    """Renters buy homes; older people come to live alone, and some stop."""
    age = ((today - EPOCH).days - people.birth_date) / 365.25
    n, alive = people.size, people.alive
    buys = alive & people.renting & (age >= 25) & (rng.random(n) < life.home_purchase_per_month)
    people.renting[buys], people.owns_home[buys] = False, True
    alone = people.living_alone
    starts = alive & ~alone & (age >= 60) & (rng.random(n) < life.start_living_alone_per_month)
    stops = alive & alone & (rng.random(n) < life.stop_living_alone_per_month)
    people.living_alone[starts] = True
    people.living_alone[stops] = False
    rows.append(np.flatnonzero(buys | starts | stops))
    return int(buys.sum())
