"""Residents: the truth about people, one numpy array per attribute (see docs/population.md).

Distributions are assumptions near published Ningbo and national figures unless marked; issue
work on calibration replaces them with documented sources.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields

import numpy as np

EPOCH = dt.date(1970, 1, 1)
# Age profile in bands (lower bound, share): an assumption near Ningbo's 2020 census shape.
AGE_BANDS = (
    (0, 0.11),
    (15, 0.10),
    (25, 0.18),
    (35, 0.16),
    (45, 0.17),
    (55, 0.14),
    (65, 0.11),
    (80, 0.03),
    (100, 0.0),
)
DEGREES = ("none", "college", "bachelor", "master", "phd")
DEGREE_SHARE_WORKING = (0.62, 0.15, 0.18, 0.045, 0.005)  # adults under 60 (assumption)
DEGREE_SHARE_OLDER = (0.90, 0.06, 0.035, 0.004, 0.001)  # 60 and over (assumption)
GRADUATION_AGE = (0, 21, 22, 25, 29)
NEW_RESIDENT_SHARE = {"young": 0.45, "other": 0.25}  # without local registration
RENTING_SHARE = {"local": 0.15, "new": 0.60}
EMPLOYED_SHARE = 0.78  # of people aged 18-59 (assumption)
INCOME_MEDIAN = {
    "none": 4_500,
    "college": 6_000,
    "bachelor": 8_000,
    "master": 11_000,
    "phd": 14_000,
}  # yuan per month for the employed (assumption)
PENSION_MEDIAN = 3_200.0  # yuan per month, 60 and over (assumption)
TALENT_SHARE = {"phd": 0.5, "master": 0.15, "bachelor": 0.03}  # classified as talent at all
LIVING_ALONE_SHARE = {"older": 0.12, "other": 0.05}
DISABILITY_SHARE = (0.955, 0.03, 0.015)
LOW_INCOME_SHARE = 0.012
SMARTPHONE_SHARE = {"under60": 0.97, "60-79": 0.65, "80+": 0.25}
BANK_ACCOUNT_VALID = 0.97


@dataclass(frozen=True)
class Residents:
    """Every resident's true attributes; codes index the person registry's code lists."""

    community: np.ndarray  # int32
    birth_date: np.ndarray  # int32, days since 1970-01-01
    sex: np.ndarray  # int16
    district: np.ndarray  # int16
    registration: np.ndarray  # int16: 0 local, 1 new resident
    arrived_on: np.ndarray  # int32 days
    degree: np.ndarray  # int16, index into DEGREES
    graduation_year: np.ndarray  # int16, 0 without a degree
    employed: np.ndarray  # bool
    insured_months: np.ndarray  # int16
    income: np.ndarray  # float32, yuan per month
    renting: np.ndarray  # bool
    owns_home: np.ndarray  # bool
    talent_tier: np.ndarray  # int16
    living_alone: np.ndarray  # bool
    disability: np.ndarray  # int16
    low_income: np.ndarray  # bool
    smartphone: np.ndarray  # bool
    bank_account_valid: np.ndarray  # bool
    digital_literacy: np.ndarray  # float32 in [0, 1]: ease with the platform (not in libraries)
    distrust: np.ndarray  # float32 in [0, 1]: doubt that the platform pays (not in libraries)
    employer: np.ndarray  # int32 enterprise index, -1 without work (set by assign_employers)
    alive: np.ndarray  # bool: life events end lives (not in libraries: registries learn late)
    household: np.ndarray  # int64: the household register's id, -1 on none (agents/households.py)
    relation: np.ndarray  # int16: relation to the register's head (agents.households.RELATIONS)
    insured_months_consecutive: np.ndarray  # int16: the current unbroken run of insured months
    # some fields' values at the end of last year (agents/year_end.py), set by the population
    last_year: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.birth_date)

    def library_columns(self) -> dict[str, np.ndarray]:
        """The attributes the person library records, by registry field name."""
        hidden = {
            "community",
            "bank_account_valid",
            "digital_literacy",
            "distrust",
            "employer",
            "alive",
            "last_year",
        }
        now = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in hidden}
        return now | {f"{k}@last_year": v for k, v in self.last_year.items()}


def generate_residents(
    n: int,
    community_weight: np.ndarray,
    community_district: np.ndarray,
    start: dt.date,
    *,
    rng: np.random.Generator,
) -> Residents:
    """Draw n residents: place and age first, then everything that depends on age."""
    community = rng.choice(len(community_weight), size=n, p=community_weight).astype(np.int32)
    today = (start - EPOCH).days
    age_days = _draw_age_days(n, rng=rng)
    age = (age_days / 365.25).astype(np.int64)
    degree = _draw_degrees(age, rng=rng)
    grad_year = start.year - (age - np.asarray(GRADUATION_AGE)[degree]) + rng.integers(-1, 2, n)
    grad_year = np.where(degree > 0, np.minimum(grad_year, start.year), 0).astype(np.int16)
    young = (age >= 20) & (age < 40)
    registration = (
        rng.random(n) < np.where(young, NEW_RESIDENT_SHARE["young"], NEW_RESIDENT_SHARE["other"])
    ).astype(np.int16)
    years_here = np.minimum(
        np.where(registration == 1, rng.exponential(4.0, n), age), age_days / 365.25
    )
    arrived = today - np.floor(years_here * 365.25)
    working_age = (age >= 18) & (age < 60)
    employed = working_age & (rng.random(n) < EMPLOYED_SHARE)
    insured = np.where(employed, np.minimum(years_here, age - 17).clip(0) * 12, 0)
    insured = (insured * rng.uniform(0.6, 1.0, n)).astype(np.int16)
    renting = rng.random(n) < np.where(
        registration == 1, RENTING_SHARE["new"], RENTING_SHARE["local"]
    )
    smartphone = rng.random(n) < np.select(
        [age < 60, age < 80],
        [SMARTPHONE_SHARE["under60"], SMARTPHONE_SHARE["60-79"]],
        SMARTPHONE_SHARE["80+"],
    ) * (age >= 8)
    return Residents(
        community=community,
        birth_date=(today - age_days).astype(np.int32),
        sex=rng.integers(0, 2, n).astype(np.int16),
        district=community_district[community].astype(np.int16),
        registration=registration,
        arrived_on=arrived.astype(np.int32),
        degree=degree,
        graduation_year=grad_year,
        employed=employed,
        insured_months=insured,
        income=_draw_income(age, degree, employed, rng=rng),
        renting=renting,
        owns_home=~renting & (age >= 25) & (rng.random(n) < 0.85),
        talent_tier=_draw_talent(degree, rng=rng),
        living_alone=rng.random(n)
        < np.where(age >= 60, LIVING_ALONE_SHARE["older"], LIVING_ALONE_SHARE["other"])
        * (age >= 18),
        disability=rng.choice(3, size=n, p=DISABILITY_SHARE).astype(np.int16),
        low_income=rng.random(n) < LOW_INCOME_SHARE,
        smartphone=smartphone,
        bank_account_valid=rng.random(n) < BANK_ACCOUNT_VALID,
        digital_literacy=_draw_literacy(age, degree, smartphone, rng=rng),
        distrust=rng.beta(2.0, 5.0, n).astype(np.float32),
        employer=np.full(n, -1, np.int32),
        alive=np.ones(n, bool),
        household=np.full(n, -1, np.int64),  # registers are formed by the population
        relation=np.zeros(n, np.int16),
        # drawn last, so that every draw above stays as it was: the current job's share
        insured_months_consecutive=np.round(insured * rng.uniform(0.3, 1.0, n)).astype(np.int16),
    )


def _draw_literacy(age, degree, smartphone, *, rng: np.random.Generator) -> np.ndarray:
    """Ease with the platform: falls with age past 40, rises with schooling, needs a phone."""
    base = 0.9 - 0.012 * np.clip(age - 40, 0, None) + 0.04 * degree
    noisy = base + rng.normal(0.0, 0.1, len(age))
    return np.where(smartphone, np.clip(noisy, 0.05, 1.0), 0.0).astype(np.float32)


def _draw_age_days(n: int, *, rng: np.random.Generator) -> np.ndarray:
    lows = np.array([b[0] for b in AGE_BANDS])
    shares = np.array([b[1] for b in AGE_BANDS[:-1]])
    band = rng.choice(len(shares), size=n, p=shares / shares.sum())
    years = lows[band] + rng.random(n) * (lows[band + 1] - lows[band])
    return (years * 365.25).astype(np.int64)


def _draw_degrees(age: np.ndarray, *, rng: np.random.Generator) -> np.ndarray:
    u = rng.random(len(age))
    cum = np.where(
        (age >= 60)[:, None], np.cumsum(DEGREE_SHARE_OLDER), np.cumsum(DEGREE_SHARE_WORKING)
    )
    degree = (u[:, None] > cum).sum(axis=1).clip(0, len(DEGREES) - 1)
    old_enough = age >= np.asarray(GRADUATION_AGE)[degree]
    return np.where(old_enough, degree, 0).astype(np.int16)


def _draw_income(age, degree, employed, *, rng: np.random.Generator) -> np.ndarray:
    median = np.asarray([INCOME_MEDIAN[d] for d in DEGREES])[degree]
    work = median * rng.lognormal(0.0, 0.45, len(age))
    pension = PENSION_MEDIAN * rng.lognormal(0.0, 0.35, len(age))
    income = np.where(employed, work, np.where(age >= 60, pension, 0.0))
    return np.round(income, 0).astype(np.float32)


def _draw_talent(degree, *, rng: np.random.Generator) -> np.ndarray:
    p = np.select(
        [degree == 4, degree == 3, degree == 2],
        [TALENT_SHARE["phd"], TALENT_SHARE["master"], TALENT_SHARE["bachelor"]],
        0.0,
    )
    talent = rng.random(len(degree)) < p
    tier = np.where(
        degree == 4,
        rng.choice([3, 4, 5], len(degree), p=[0.7, 0.25, 0.05]),
        rng.choice([1, 2, 3], len(degree), p=[0.6, 0.3, 0.1]),
    )
    return np.where(talent, tier, 0).astype(np.int16)
