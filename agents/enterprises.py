"""Enterprises: the truth about market entities, one numpy array per attribute."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

INDUSTRIES = (
    "agriculture",
    "manufacturing",
    "construction",
    "trade",
    "transport",
    "hospitality",
    "it",
    "research",
    "services",
)
INDUSTRY_SHARE = (0.02, 0.25, 0.06, 0.35, 0.05, 0.07, 0.06, 0.04, 0.10)  # assumption
SIZE_CLASSES = ("micro", "small", "medium", "large")
SIZE_SHARE = (0.82, 0.14, 0.035, 0.005)  # assumption, near national SME census shares
EMPLOYEE_RANGE = ((1, 9), (10, 99), (100, 999), (1000, 20000))
REVENUE_PER_EMPLOYEE = 30.0  # 10k yuan per employee per year, median (assumption)
HIGH_TECH_SHARE = {"innovative": 0.15, "other": 0.01}
BANK_ACCOUNT_VALID = 0.98


@dataclass(frozen=True)
class Enterprises:
    """Every enterprise's true attributes; codes index the enterprise registry's code lists."""

    community: np.ndarray  # int32
    district: np.ndarray  # int16
    industry: np.ndarray  # int16, index into INDUSTRIES
    size_class: np.ndarray  # int16, index into SIZE_CLASSES
    employees: np.ndarray  # int32
    revenue: np.ndarray  # float64, 10k yuan per year
    founded_year: np.ndarray  # int16
    high_tech: np.ndarray  # bool
    bank_account_valid: np.ndarray  # bool

    @property
    def size(self) -> int:
        return len(self.employees)

    def library_columns(self) -> dict[str, np.ndarray]:
        """The attributes the enterprise library records, by registry field name."""
        return {
            "district": self.district,
            "industry": self.industry,
            "size_class": self.size_class,
            "employees": self.employees,
            "revenue": self.revenue,
            "founded_year": self.founded_year,
            "high_tech": self.high_tech,
        }


def generate_enterprises(
    n: int,
    community_weight: np.ndarray,
    community_district: np.ndarray,
    start: dt.date,
    *,
    rng: np.random.Generator,
) -> Enterprises:
    """Draw n enterprises: place, industry, size class, then staff and revenue given size."""
    community = rng.choice(len(community_weight), size=n, p=community_weight).astype(np.int32)
    industry = rng.choice(len(INDUSTRIES), size=n, p=INDUSTRY_SHARE).astype(np.int16)
    size_class = rng.choice(len(SIZE_CLASSES), size=n, p=SIZE_SHARE).astype(np.int16)
    lo, hi = (np.asarray(r)[size_class] for r in zip(*EMPLOYEE_RANGE, strict=True))
    # Staff: log-uniform within the size class's range.
    employees = np.exp(rng.uniform(np.log(lo), np.log(hi + 1))).astype(np.int32).clip(lo, hi)
    revenue = employees * rng.lognormal(np.log(REVENUE_PER_EMPLOYEE), 0.8, size=n)
    founded = start.year - np.minimum(rng.exponential(8.0, size=n), 40).astype(np.int16)
    innovative = np.isin(industry, [1, 6, 7]) & (size_class > 0)
    p_ht = np.where(innovative, HIGH_TECH_SHARE["innovative"], HIGH_TECH_SHARE["other"])
    return Enterprises(
        community=community,
        district=community_district[community].astype(np.int16),
        industry=industry,
        size_class=size_class,
        employees=employees,
        revenue=np.round(revenue, 1),
        founded_year=founded.astype(np.int16),
        high_tech=rng.random(n) < p_ht,
        bank_account_valid=rng.random(n) < BANK_ACCOUNT_VALID,
    )
