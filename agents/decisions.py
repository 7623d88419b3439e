"""Whether an aware beneficiary acts - applies, or confirms a push - and how long it takes.

A member who knows of a policy and has not acted acts during the next ``days`` days with
probability ``1 - exp(-rate * days)``, where

    rate = base * logistic(intercept + b * log10(1 + benefit) - e * effort_hours
                           + l * literacy - d * distrust) * (1 + rush * exp(-to_deadline / w))

so a larger benefit, less effort, more digital literacy and more trust make acting likelier,
and a deadline brings a rush. Acting starts evidence gathering, which takes longer for people
with less digital literacy; some give up on the way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class DecisionParams:
    """Behaviour parameters (assumptions to calibrate; every one a scenario lever)."""

    base_per_day: float = 0.2
    intercept: float = -3.0
    benefit_weight: float = 1.0  # per factor of ten in yuan
    effort_weight: float = 0.4  # per hour of the applicant's time
    literacy_weight: float = 2.5
    distrust_weight: float = 1.5
    deadline_rush: float = 3.0
    rush_days: float = 7.0
    evidence_days_median: float = 2.0  # for a fully literate applicant
    evidence_literacy_factor: float = 4.0  # illiterate applicants take this many times longer
    dropout_per_day: float = 0.05  # while gathering evidence


def act_rate(
    benefit_yuan: np.ndarray,
    effort_hours: float,
    literacy: np.ndarray,
    distrust: np.ndarray,
    days_to_deadline: float,
    params: DecisionParams,
) -> np.ndarray:
    """Per-day rate at which each aware member acts (the formula in the module docstring)."""
    u = (
        params.intercept
        + params.benefit_weight * np.log10(1.0 + benefit_yuan)
        - params.effort_weight * effort_hours
        + params.literacy_weight * literacy
        - params.distrust_weight * distrust
    )
    rush = 1.0 + params.deadline_rush * np.exp(-max(days_to_deadline, 0.0) / params.rush_days)
    return params.base_per_day * rush / (1.0 + np.exp(-u))


def decide_to_act(rate: np.ndarray, days: float, *, rng: np.random.Generator) -> np.ndarray:
    """Which members act within the next ``days`` days."""
    return rng.random(len(rate)) < -np.expm1(-rate * days)


def gather_evidence(
    literacy: np.ndarray, params: DecisionParams, *, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Days each acting member needs to gather evidence, and whether they give up meanwhile."""
    median = params.evidence_days_median * (
        1.0 + (params.evidence_literacy_factor - 1.0) * (1.0 - literacy)
    )
    days = median * rng.lognormal(0.0, 0.6, len(literacy))
    gives_up = rng.random(len(literacy)) < -np.expm1(-params.dropout_per_day * days)
    return days, gives_up
