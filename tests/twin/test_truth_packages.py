"""Truth holds the entitlements to a package's rules with its own code: on a day with nothing
granted before, it must agree with the platform's rules on the same amounts."""

import datetime as dt
import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from matching import Decision, Grants, PackageSpec, apply_packages
from twin.world.truth_packages import hold_to_packages

IDS = ["pol-a", "pol-b", "pol-c"]
rules = st.sampled_from(
    [
        {"exclusive": ["pol-b", "pol-a"]},
        {"highest_of": IDS},
        {"cap": 250, "over": "year"},
        {"cap": 120, "over": "day", "policies": ["pol-c", "pol-a"]},
        {"net": "pol-a", "of": ["pol-b", "pol-c"]},
    ]
)
amounts = st.sampled_from([0.0, 50.0, 100.0, 200.0, math.nan])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(rules, min_size=1, max_size=3),
    st.dictionaries(st.sampled_from(IDS), st.dictionaries(st.integers(0, 6), amounts)),
)
def test_truth_and_the_platform_agree_when_nothing_was_granted(rs, owed):
    package = PackageSpec.model_validate(
        {"package": "housing", "title": "t", "source": {"document": "d"}, "policies": IDS,
         "rules": rs}
    )  # fmt: skip
    arrays = {
        p: (np.array(sorted(v), np.int64), np.array([v[r] for r in sorted(v)], float))
        for p, v in owed.items()
    }
    truth = hold_to_packages([package], arrays)
    decisions = {
        p: Decision(rows, amount, np.zeros(0, np.int64)) for p, (rows, amount) in arrays.items()
    }
    platform = apply_packages([package], decisions, dt.date(2022, 6, 1), Grants(IDS), {})
    for p in owed:
        rows, amount = truth[p]
        assert rows.tolist() == platform[p].eligible_rows.tolist(), p
        np.testing.assert_array_equal(amount, platform[p].amount)
