"""Life events at a monthly cadence: people die, move and graduate; firms grow, shrink and close.

Each rule states its monthly rate (assumptions to calibrate, every one a parameter) and changes
the truth in place; the platform's libraries learn of it only through their update lag. Ageing
needs no event: ages are computed from birth dates on the day. Births, arrivals and new firms
need rows the columnar populations do not have yet; they are not modelled.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from agents.enterprises import Enterprises
from agents.residents import EPOCH, GRADUATION_AGE, Residents


@dataclass(frozen=True)
class LifeRates:
    """Monthly rates of each event."""

    death_by_age: tuple[tuple[int, float], ...] = ((0, 0.00003), (60, 0.0008), (80, 0.005))
    move: float = 0.002  # residents moving to another community
    graduation_month: int = 7  # degrees are awarded in July
    graduating: float = 0.25  # of 21- to 24-year-olds without a degree, each July
    firm_exit: float = 0.006  # market entities closing
    firm_growth_sd: float = 0.03  # monthly log change of staff and revenue


@dataclass
class MonthReport:
    deaths: int
    moves: int
    graduates: int
    exits: int


def live_a_month(
    people: Residents,
    firms: Enterprises,
    community_weight: np.ndarray,
    community_district: np.ndarray,
    today: dt.date,
    rates: LifeRates,
    *,
    rng: np.random.Generator,
) -> MonthReport:
    """One month of events, in place; dead people and closed firms lose their bank accounts."""
    deaths = _deaths(people, today, rates, rng=rng)
    moves = _moves(people, community_weight, community_district, rates, rng=rng)
    graduates = (
        _graduation(people, today, rates, rng=rng) if today.month == rates.graduation_month else 0
    )
    exits = _firms(firms, rates, rng=rng)
    return MonthReport(deaths, moves, graduates, exits)


def _deaths(people: Residents, today: dt.date, rates: LifeRates, *, rng) -> int:
    """A living person dies with the monthly probability of their age band."""
    age = ((today - EPOCH).days - people.birth_date) / 365.25
    lows = np.array([a for a, _ in rates.death_by_age])
    p = np.array([r for _, r in rates.death_by_age])[np.searchsorted(lows, age, side="right") - 1]
    dies = people.alive & (rng.random(people.size) < p)
    people.alive[dies] = False
    people.bank_account_valid[dies] = False
    people.employed[dies] = False
    return int(dies.sum())


def _moves(people: Residents, weight: np.ndarray, district: np.ndarray, rates, *, rng) -> int:
    """A living person moves to a community drawn like a newcomer's (by residents)."""
    moving = np.flatnonzero(people.alive & (rng.random(people.size) < rates.move))
    new = rng.choice(len(weight), size=len(moving), p=weight).astype(np.int32)
    people.community[moving] = new
    people.district[moving] = district[new]
    return len(moving)


def _graduation(people: Residents, today: dt.date, rates: LifeRates, *, rng) -> int:
    """In the graduation month, a share of young people without a degree earn a bachelor's."""
    age = ((today - EPOCH).days - people.birth_date) / 365.25
    candidates = people.alive & (people.degree == 0) & (age >= GRADUATION_AGE[2] - 1) & (age < 25)
    graduates = candidates & (rng.random(people.size) < rates.graduating)
    people.degree[graduates] = 2
    people.graduation_year[graduates] = today.year
    return int(graduates.sum())


def _firms(firms: Enterprises, rates: LifeRates, *, rng) -> int:
    """Open firms change staff and revenue a little; some close, and their accounts with them."""
    open_ = firms.active
    change = np.exp(rng.normal(0.0, rates.firm_growth_sd, firms.size))
    firms.employees[open_] = np.maximum(1, np.round(firms.employees[open_] * change[open_]))
    firms.revenue[open_] = (firms.revenue[open_] * change[open_]).astype(np.float32)
    closing = open_ & (rng.random(firms.size) < rates.firm_exit)
    firms.active[closing] = False
    firms.bank_account_valid[closing] = False
    return int(closing.sum())
