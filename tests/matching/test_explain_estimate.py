"""Explanations and the sandbox estimate on a library small enough to check by hand."""

import datetime as dt

import numpy as np
import pytest

from matching import Matcher, Registry
from matching.estimate import estimate, gini
from matching.explain import ELIGIBLE, NOT_ELIGIBLE, REVIEW, explain, explain_entity, push_list
from tests.matching.helpers import REGISTRY, table
from tests.matching.test_engine import policy

ON = dt.date(2022, 6, 1)
PEOPLE = [
    {"age": 70, "income": 1000.0, "renting": True, "degree": "none"},  # 0
    {"age": 70, "income": 9000.0, "renting": False, "degree": "master"},  # 1
    {"age": 30, "income": 2000.0, "renting": True, "degree": "phd"},  # 2
    {"income": 1500.0, "renting": True, "degree": "none"},  # 3: age unknown
    {"age": 65, "renting": True, "degree": "bachelor"},  # 4: income unknown
]
POLICIES = [
    policy(
        "old-poor",
        [
            {"when": "age >= 65", "article": "Art. 1"},
            {"when": "income < 3000", "article": "Art. 2"},
        ],
        "income * 0.1",
    ),
    policy("renters", "renting and income < 5000", "300"),
    policy("doctors", 'degree == "phd"', "1000"),
]


@pytest.fixture(scope="module")
def world():
    matcher = Matcher(POLICIES)
    t = table(PEOPLE)
    found = matcher.match(t, "person", ON, keep_leaves=True)
    return matcher, t, found


def test_explain_lists_each_condition_with_values_outcome_and_article(world):
    matcher, t, _ = world
    e = explain(matcher, REGISTRY, t, 1, "old-poor", ON)
    assert e.outcome == NOT_ELIGIBLE and e.amount is None and e.almost_eligible
    [age, income] = e.checks
    assert (age.condition, age.outcome, age.values, age.article) == (
        "age >= 65",
        "pass",
        {"age": "70 years"},
        "Art. 1",
    )
    assert (income.outcome, income.values) == ("fail", {"income": "9000 yuan"})
    e0 = explain(matcher, REGISTRY, t, 0, "old-poor", ON)
    assert e0.outcome == ELIGIBLE and e0.amount == 100.0
    e3 = explain(matcher, REGISTRY, t, 3, "old-poor", ON)
    assert e3.outcome == REVIEW and e3.checks[0].values == {"age": "unknown"}
    assert "unknown" in e3.render() and "[Art. 1]" in e3.render()


def test_an_entity_against_every_policy_from_the_bitmaps(world):
    matcher, _, found = world
    e = explain_entity(matcher.catalogue("person", ON), found, 4)
    assert e.outcome == {"old-poor": REVIEW, "renters": REVIEW, "doctors": NOT_ELIGIBLE}
    assert e.unknown["old-poor"] == ["income < 3000"] and e.failed["doctors"] == ['degree == "phd"']
    assert e.push_list == [] and e.almost == ["doctors"]
    assert push_list(found, 2) == {
        "old-poor": NOT_ELIGIBLE,
        "renters": ELIGIBLE,
        "doctors": ELIGIBLE,
    }


def test_estimate_counts_money_breakdowns_overlap_and_fairness(world):
    matcher, t, found = world
    draft = policy("draft-renters-old", "renting and age >= 60", "tiers(age, {60: 100, 70: 200})")
    cat = matcher.catalogue("person", ON)
    leaves_before = len(cat.leaves)
    est = estimate(cat, found, draft, t, REGISTRY, ON, weights=10.0, by=("degree",))
    # row 0 (70, renting) and row 4 (65, renting) are eligible; row 3 (age unknown) needs review
    assert (est.eligible, est.review) == (20.0, 10.0)
    assert est.budget == 10.0 * (200 + 100)
    assert est.new_conditions == 1  # 'age >= 60' is new; 'renting' was in the catalogue
    assert len(cat.leaves) == leaves_before  # the catalogue itself is untouched
    by_degree = {g.label: (g.eligible, g.review) for g in est.breakdowns["degree"]}
    assert by_degree["none"] == (10.0, 10.0) and by_degree["bachelor"] == (10.0, 0.0)
    assert dict(est.overlap) == {"renters": 10.0, "old-poor": 10.0}
    assert est.gini == pytest.approx(gini(np.array([200.0, 100.0])))
    assert "draft-renters-old" in est.render()
    flat = policy("draft-flat", "renting and age >= 60", "250")
    assert estimate(cat, found, flat, t, REGISTRY, ON, by=()).budget == 2 * 250


def test_gini_by_hand():
    assert gini(np.array([5.0, 5.0, 5.0])) == pytest.approx(0.0)
    assert gini(np.array([0.0, 1.0])) == pytest.approx(0.5)
    assert gini(np.array([1.0, 3.0])) == pytest.approx(0.25)  # mean |diff| / (2 mean) = 1/4
    assert gini(np.array([1.0, 3.0]), np.array([2.0, 2.0])) == pytest.approx(0.25)
    assert gini(np.array([])) is None


def test_estimate_needs_the_kept_condition_bitmaps(world):
    matcher, t, _ = world
    found = matcher.match(t, "person", ON, keep_leaves=False)
    with pytest.raises(ValueError, match="keep_leaves=True"):
        estimate(matcher.catalogue("person", ON), found, POLICIES[0], t, REGISTRY, ON)


def test_registry_rejects_codes_on_non_code_fields():
    with pytest.raises(ValueError, match="codes if and only if"):
        Registry.model_validate(
            {"entity": "person", "fields": {"x": {"type": "int", "codes": ["a"]}}}
        )
