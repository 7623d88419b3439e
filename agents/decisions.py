"""Whether an aware beneficiary acts - applies, or confirms a push - and how long it takes.

A member who knows of a policy and has not acted acts during the next ``days`` days with
probability ``1 - exp(-rate * days)``, where

    rate = act_per_day * logistic(intercept + b * log10(1 + benefit) - e * effort_hours
                           + l * literacy - d * distrust) * (1 + rush * exp(-to_deadline / w))

so a larger benefit, less effort, more digital literacy and more trust make acting likelier,
and a deadline brings a rush. Acting starts evidence gathering, which takes longer for people
with less digital literacy; some give up on the way.
"""

from __future__ import annotations

import numpy as np

from agents.behaviour import Behaviour
from twin.core.units import HOUR


def act_rate(
    benefit_yuan: np.ndarray,
    effort: float,
    literacy: np.ndarray,
    distrust: np.ndarray,
    days_to_deadline: float,
    params: Behaviour,
) -> np.ndarray:
    """Per-day rate at which each aware member acts (the formula in the module docstring);
    ``effort`` in seconds of the beneficiary's time."""
    denominator = act_denominator(benefit_yuan, effort, literacy, distrust, params)
    return rate_of(denominator, days_to_deadline, params)


def rate_of(denominator: np.ndarray, days_to_deadline: float, params: Behaviour) -> np.ndarray:
    """The rate from the members' parts (``act_denominator``) and the day's deadline: one
    expression, so that a part an office kept gives the rate ``act_rate`` would."""
    return params.act_per_day * rush(days_to_deadline, params) / denominator


def act_denominator(
    benefit_yuan: np.ndarray,
    effort: float,
    literacy: np.ndarray,
    distrust: np.ndarray,
    params: Behaviour,
) -> np.ndarray:
    """``1 + exp(-u)``: the member's part of the rate, which does not change from day to day
    (an office keeps it while the benefits hold still)."""
    u = (
        params.intercept
        + params.benefit_weight * np.log10(1.0 + benefit_yuan)
        - params.effort_weight * (effort / HOUR)
        + params.literacy_weight * literacy
        - params.distrust_weight * distrust
    )
    return 1.0 + np.exp(-u)


def rush(days_to_deadline: float, params: Behaviour) -> float:
    """The deadline's factor on every member's rate: the day's part of it."""
    return 1.0 + params.deadline_rush * np.exp(-max(days_to_deadline, 0.0) / params.rush_days)


def decide_to_act(rate: np.ndarray, days: float, *, rng: np.random.Generator) -> np.ndarray:
    """Which members act within the next ``days`` days."""
    return rng.random(len(rate)) < -np.expm1(-rate * days)


def gather_evidence(
    literacy: np.ndarray, params: Behaviour, *, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Days each acting member needs to gather evidence, and whether they give up meanwhile."""
    median = params.evidence_days * (
        1.0 + (params.evidence_literacy_factor - 1.0) * (1.0 - literacy)
    )
    days = median * rng.lognormal(0.0, 0.6, len(literacy))
    gives_up = rng.random(len(literacy)) < -np.expm1(-params.dropout_per_day * days)
    return days, gives_up
