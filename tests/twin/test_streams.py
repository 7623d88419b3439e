"""Common random numbers between variants: each process draws from its own stream, so a lever
that changes one process leaves the others' draws as they were (docs/scenarios.md)."""

import pyarrow.compute as pc

import twin
from tests.conftest import SCENARIOS

# Applications: who hears of the allowance (media, word of mouth) does not depend on how fast
# reviewers decide, so the aware set must not move with them.
BASE = {
    "duration": "40d",
    "city.scale": 0.003,
    "policy_delivery": {"elderly-care-allowance": "apply"},
    "variants": {},
    "libraries.person.missing": 0.6,  # many applicants' records need a human review
    "approval.review_time": "8h",  # a review takes a working day: one reviewer falls behind
}


def run(reviewers: int):
    """``reviewers`` staffed at this scale (the figure is the whole city's)."""
    overrides = {**BASE, "approval.reviewers": round(reviewers / BASE["city.scale"])}
    return twin.run(twin.load_scenario(SCENARIOS / "policy-sandbox.yaml", overrides))


def heard(result) -> set:
    aware = result.tables["awareness"]
    return set(zip(aware["entity"].to_pylist(), aware["aware_since_day"].to_pylist(), strict=True))


def test_more_reviewers_leave_who_hears_of_the_policy_unchanged():
    """With one stream for all of an office's processes, the same two runs give different
    aware sets (498 against 488 people): faster reviews move payments' draws between days,
    which shifted every later draw of who hears of the policy."""
    one, six = run(1), run(6)
    decisions = [r.tables["decisions"] for r in (one, six)]
    waits = [pc.mean(pc.subtract(d["decided_at"], d["queued_at"])).as_py() for d in decisions]
    assert waits[1] != waits[0]  # the lever moved what it should
    assert len(heard(one)) > 50 and heard(one) == heard(six)  # and nothing else
