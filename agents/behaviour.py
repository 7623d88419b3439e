"""How beneficiaries hear of a policy and act on it: the scenario's ``behaviour`` section, the
parameter object of awareness (``agents/awareness.py``), decisions (``agents/decisions.py``)
and the policy offices. Every value is an assumption to calibrate and a lever."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from datafiles import Duration, Strict
from datafiles.types import Share
from twin.core.units import HOUR

Rate = Annotated[float, Field(ge=0.0)]


class Behaviour(Strict):
    """Hearing of a policy (Bass diffusion: media ``p``, word of mouth ``q``), deciding to act
    (the logistic rate of docs/population.md), gathering evidence, and how firms act."""

    media_per_day: Rate = 0.01  # p: the pull of media and notices, per day
    word_of_mouth_per_day: Rate = 0.15  # q: the strength of word of mouth, per day
    local_share: Share = 0.5  # share of conversations within one's community or industry
    push_effort: Duration = 600.0  # the time confirming a push takes
    apply_effort: Duration = 3 * HOUR  # the time applying takes
    evidence_effort: Duration = 2 * HOUR  # the applicant's own time gathering evidence
    false_claim_share: Share = 0.02  # of those not owed a policy, who would claim it anyway
    act_per_day: Annotated[float, Field(gt=0.0)] = 0.2  # the highest rate of acting
    intercept: float = -3.0
    benefit_weight: Rate = 1.0  # per factor of ten in yuan
    effort_weight: Rate = 0.4  # per hour of the beneficiary's time
    literacy_weight: Rate = 2.5
    distrust_weight: Rate = 1.5
    deadline_rush: Rate = 3.0  # how much more likely acting is just before a deadline
    rush_days: Annotated[float, Field(gt=0.0)] = 7.0  # how near the deadline the rush comes
    evidence_days: Annotated[float, Field(gt=0.0)] = 2.0  # median, a fully literate applicant
    evidence_literacy_factor: Annotated[float, Field(ge=1.0)] = 4.0  # the illiterate: times longer
    dropout_per_day: Share = 0.05  # giving up while gathering evidence
    firm_literacy_with_account: Share = 0.85  # a firm with a platform account acts as literate
    firm_literacy_without_account: Share = 0.35
    firm_distrust: Share = 0.2
