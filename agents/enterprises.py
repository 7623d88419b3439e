"""Enterprises: the truth about market entities, one numpy array per attribute."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields

import numpy as np

EPOCH = dt.date(1970, 1, 1)
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
# Divisions of the national classification (GB/T 4754-2017) by grouped section: the common
# ones in Ningbo's economy (assumption: uniform within a section).
DIVISIONS_BY_INDUSTRY = (
    ("01", "03", "04"),
    ("C13", "C17", "C18", "C26", "C29", "C33", "C34", "C35", "C36", "C38", "C39", "C40"),
    ("E47", "E48", "E50"),
    ("F51", "F52"),
    ("G53", "G54", "G55", "G58", "G59", "G60"),
    ("H61", "H62"),
    ("I63", "I64", "I65"),
    ("M73", "M74", "M75"),
    ("L71", "L72", "N78", "O80", "O81"),
)
DIVISIONS = tuple(d for group in DIVISIONS_BY_INDUSTRY for d in group)
INDUSTRY_SHARE = (0.02, 0.25, 0.06, 0.35, 0.05, 0.07, 0.06, 0.04, 0.10)  # assumption
SIZE_CLASSES = ("micro", "small", "medium", "large")
SIZE_SHARE = (0.82, 0.14, 0.035, 0.005)  # assumption, near national SME census shares
EMPLOYEE_RANGE = ((1, 9), (10, 99), (100, 999), (1000, 20000))
REVENUE_PER_EMPLOYEE = 30.0  # 10k yuan per employee per year, median (assumption)
TAX_RATE = 0.05  # taxes paid as a share of revenue, median (assumption)
INSURED_SHARE = (0.70, 1.0)  # share of staff insured, uniform (assumption)
HIGH_TECH_SHARE = {"innovative": 0.15, "other": 0.01}
SPECIALISED_SHARE = {"innovative": 0.05, "other": 0.003}
EXPORTER_SHARE = {"manufacturing": 0.35, "trade": 0.20, "other": 0.03}
IN_ZONE_SHARE = 0.12
BANK_ACCOUNT_VALID = 0.98
USES_PLATFORM = {"micro": 0.45, "larger": 0.85}  # share with a platform account (assumption)


@dataclass(frozen=True)
class Enterprises:
    """Every enterprise's true attributes; codes index the enterprise registry's code lists."""

    community: np.ndarray  # int32
    district: np.ndarray  # int16
    in_zone: np.ndarray  # bool
    industry: np.ndarray  # int16, index into INDUSTRIES
    division: np.ndarray  # int16, index into DIVISIONS (within the firm's industry)
    size_class: np.ndarray  # int16, index into SIZE_CLASSES
    employees: np.ndarray  # int32
    insured_employees: np.ndarray  # int32
    new_hires: np.ndarray  # int32
    revenue: np.ndarray  # float32, 10k yuan
    tax_paid: np.ndarray  # float32, 10k yuan
    rd_spend: np.ndarray  # float32, 10k yuan
    export_value: np.ndarray  # float32, 10k yuan
    founded_on: np.ndarray  # int32, days since 1970-01-01
    high_tech: np.ndarray  # bool
    specialised_sme: np.ndarray  # bool
    bank_account_valid: np.ndarray  # bool
    uses_platform: np.ndarray  # bool: has an account on the platform (not in libraries)
    active: np.ndarray  # bool: still trading (life events close firms)
    group: np.ndarray  # int64: the enterprise group's id, -1 on its own (agents/groups.py)
    # some fields' values at the end of last year (agents/year_end.py), set by the population
    last_year: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.employees)

    def library_columns(self) -> dict[str, np.ndarray]:
        """The attributes the enterprise library records, by registry field name."""
        hidden = {"community", "bank_account_valid", "uses_platform", "active", "last_year"}
        now = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in hidden}
        return now | {f"{k}@last_year": v for k, v in self.last_year.items()}


def generate_enterprises(
    n: int,
    community_weight: np.ndarray,
    community_district: np.ndarray,
    start: dt.date,
    *,
    rng: np.random.Generator,
) -> Enterprises:
    """Draw n enterprises: place, industry, size class, then staff and money given size."""
    community = rng.choice(len(community_weight), size=n, p=community_weight).astype(np.int32)
    industry = rng.choice(len(INDUSTRIES), size=n, p=INDUSTRY_SHARE).astype(np.int16)
    size_class = rng.choice(len(SIZE_CLASSES), size=n, p=SIZE_SHARE).astype(np.int16)
    lo, hi = (np.asarray(r)[size_class] for r in zip(*EMPLOYEE_RANGE, strict=True))
    employees = np.exp(rng.uniform(np.log(lo), np.log(hi + 1))).astype(np.int32).clip(lo, hi)
    revenue = employees * rng.lognormal(np.log(REVENUE_PER_EMPLOYEE), 0.8, size=n)
    innovative = np.isin(industry, [1, 6, 7]) & (size_class > 0)
    high_tech = rng.random(n) < np.where(
        innovative, HIGH_TECH_SHARE["innovative"], HIGH_TECH_SHARE["other"]
    )
    rd_share = np.where(high_tech, rng.uniform(0.03, 0.10, n), rng.uniform(0.0, 0.02, n))
    p_export = np.select(
        [industry == 1, industry == 3],
        [EXPORTER_SHARE["manufacturing"], EXPORTER_SHARE["trade"]],
        EXPORTER_SHARE["other"],
    )
    exports = np.where(rng.random(n) < p_export, revenue * rng.uniform(0.1, 0.8, n), 0.0)
    age_years = np.minimum(rng.exponential(8.0, size=n), 40)
    today = (start - EPOCH).days
    return Enterprises(
        community=community,
        district=community_district[community].astype(np.int16),
        in_zone=rng.random(n) < IN_ZONE_SHARE,
        industry=industry,
        division=_draw_divisions(industry, rng=rng),
        size_class=size_class,
        employees=employees,
        insured_employees=(employees * rng.uniform(*INSURED_SHARE, n)).astype(np.int32),
        new_hires=rng.binomial(employees, 0.15).astype(np.int32),
        revenue=np.round(revenue, 1).astype(np.float32),
        tax_paid=np.round(revenue * rng.lognormal(np.log(TAX_RATE), 0.5, n), 1).astype(np.float32),
        rd_spend=np.round(revenue * rd_share, 1).astype(np.float32),
        export_value=np.round(exports, 1).astype(np.float32),
        founded_on=(today - age_years * 365.25).astype(np.int32),
        high_tech=high_tech,
        specialised_sme=rng.random(n)
        < np.where(innovative, SPECIALISED_SHARE["innovative"], SPECIALISED_SHARE["other"]),
        bank_account_valid=rng.random(n) < BANK_ACCOUNT_VALID,
        uses_platform=rng.random(n)
        < np.where(size_class == 0, USES_PLATFORM["micro"], USES_PLATFORM["larger"]),
        active=np.ones(n, bool),
        group=np.full(n, -1, np.int64),  # groups are formed by the population
    )


def assign_employers(
    employed: np.ndarray, employees: np.ndarray, *, rng: np.random.Generator
) -> np.ndarray:
    """Each employed resident's employer, drawn in proportion to enterprises' staff; -1 for
    those without work."""
    employer = np.full(len(employed), -1, np.int32)
    if len(employees) and employed.any():
        weight = employees / employees.sum()
        employer[employed] = rng.choice(len(employees), size=int(employed.sum()), p=weight)
    return employer


def _draw_divisions(industry: np.ndarray, *, rng: np.random.Generator) -> np.ndarray:
    """A division of the firm's section, uniformly (an index into DIVISIONS)."""
    first = np.cumsum([0] + [len(g) for g in DIVISIONS_BY_INDUSTRY])
    count = np.diff(first)
    return (first[industry] + (rng.random(len(industry)) * count[industry]).astype(int)).astype(
        np.int16
    )
