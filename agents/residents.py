"""Residents: the truth about people, one numpy array per attribute (see docs/population.md)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

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
# Share of each degree among adults 22-59 and 60+ (assumption).
DEGREE_SHARE_WORKING = (0.62, 0.15, 0.18, 0.045, 0.005)
DEGREE_SHARE_OLDER = (0.90, 0.06, 0.035, 0.004, 0.001)
GRADUATION_AGE = (0, 21, 22, 25, 29)
NEW_RESIDENT_SHARE = {"young": 0.45, "other": 0.25}  # share without local registration
RENTING_SHARE = {"local": 0.15, "new": 0.60}
BANK_ACCOUNT_VALID = 0.97


@dataclass(frozen=True)
class Residents:
    """Every resident's true attributes; codes index the person registry's code lists."""

    community: np.ndarray  # int32
    district: np.ndarray  # int16
    age: np.ndarray  # int16, years on the start date
    degree: np.ndarray  # int16, index into DEGREES
    graduation_year: np.ndarray  # int16, 0 without a degree
    registration: np.ndarray  # int16: 0 local, 1 new resident
    renting: np.ndarray  # bool
    bank_account_valid: np.ndarray  # bool

    @property
    def size(self) -> int:
        return len(self.age)

    def library_columns(self) -> dict[str, np.ndarray]:
        """The attributes the person library records, by registry field name."""
        return {
            "age": self.age,
            "district": self.district,
            "degree": self.degree,
            "graduation_year": self.graduation_year,
            "registration": self.registration,
            "renting": self.renting,
        }


def generate_residents(
    n: int,
    community_weight: np.ndarray,
    community_district: np.ndarray,
    start: dt.date,
    *,
    rng: np.random.Generator,
) -> Residents:
    """Draw n residents: place, age, then degree, registration and housing given age."""
    community = rng.choice(len(community_weight), size=n, p=community_weight).astype(np.int32)
    age = _draw_ages(n, rng=rng)
    degree = _draw_degrees(age, rng=rng)
    grad_age = np.asarray(GRADUATION_AGE)[degree]
    grad_year = start.year - (age - grad_age) + rng.integers(-1, 2, size=n)
    grad_year = np.where(degree > 0, np.minimum(grad_year, start.year), 0).astype(np.int16)
    young = (age >= 20) & (age < 40)
    p_new = np.where(young, NEW_RESIDENT_SHARE["young"], NEW_RESIDENT_SHARE["other"])
    registration = (rng.random(n) < p_new).astype(np.int16)
    p_rent = np.where(registration == 1, RENTING_SHARE["new"], RENTING_SHARE["local"])
    return Residents(
        community=community,
        district=community_district[community].astype(np.int16),
        age=age,
        degree=degree,
        graduation_year=grad_year,
        registration=registration,
        renting=rng.random(n) < p_rent,
        bank_account_valid=rng.random(n) < BANK_ACCOUNT_VALID,
    )


def _draw_ages(n: int, *, rng: np.random.Generator) -> np.ndarray:
    lows = np.array([b[0] for b in AGE_BANDS])
    shares = np.array([b[1] for b in AGE_BANDS[:-1]])
    band = rng.choice(len(shares), size=n, p=shares / shares.sum())
    return (lows[band] + rng.random(n) * (lows[band + 1] - lows[band])).astype(np.int16)


def _draw_degrees(age: np.ndarray, *, rng: np.random.Generator) -> np.ndarray:
    cum_working = np.cumsum(DEGREE_SHARE_WORKING)
    cum_older = np.cumsum(DEGREE_SHARE_OLDER)
    u = rng.random(len(age))
    cum = np.where((age >= 60)[:, None], cum_older, cum_working)
    degree = (u[:, None] > cum).sum(axis=1).clip(0, len(DEGREES) - 1)
    old_enough = age >= np.asarray(GRADUATION_AGE)[degree]
    return np.where(old_enough, degree, 0).astype(np.int16)
