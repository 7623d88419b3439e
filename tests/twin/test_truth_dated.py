"""Between life events truth re-reads a dated policy only where its answer can move overnight:
yesterday's answer with those rows read again is today's answer read whole, day after day,
across birthdays, month ends, leap days and households."""

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching import PolicySpec, Registry
from twin.world.truth import entitlement
from twin.world.truth_dated import DatedInputs, RowsOf, dated_inputs, rows_to_read

EPOCH = dt.date(1970, 1, 1)
REGISTRY = Registry.model_validate(
    {
        "entity": "person",
        "fields": {
            "income": {"type": "float"},
            "birth_date": {"type": "date"},
            "arrived_on": {"type": "date"},
            "household": {"type": "int"},
            "relation": {"type": "code", "codes": ["head", "spouse", "child", "parent", "other"]},
        },
    }
)
ATOMS = [
    "age(birth_date) >= 65",
    "age(birth_date) < 18",
    "16 <= age(birth_date) <= 35",
    "months_since(arrived_on) <= 6",
    "years_since(arrived_on) >= 2",
    "income < 3000",
    "household.count(age(birth_date) >= 70) >= 1",
    "household.sum(income) / household.size < 2000",
    "household.all(age(birth_date) >= 18)",
    'relation == "head"',
    "spouse.income > 1000",
]
AMOUNTS = ["100", "tiers(age(birth_date), {60: 200, 80: 500})", "10 * months_since(arrived_on)"]
conditions = st.recursive(
    st.sampled_from(ATOMS),
    lambda inner: st.one_of(
        st.tuples(inner, inner).map(lambda t: f"({t[0]}) and ({t[1]})"),
        st.tuples(inner, inner).map(lambda t: f"({t[0]}) or ({t[1]})"),
        inner.map(lambda t: f"not ({t})"),
    ),
    max_leaves=4,
)
dates = st.one_of(
    st.dates(dt.date(1920, 1, 1), dt.date(2021, 12, 31)),
    st.sampled_from([dt.date(1952, 2, 29), dt.date(2004, 2, 29), dt.date(1960, 3, 1)]),
    st.dates(dt.date(1950, 1, 25), dt.date(1950, 3, 5)),  # birthdays inside the days read
)
person = st.fixed_dictionaries(
    {
        "income": st.integers(0, 6000).map(float),
        "birth_date": dates,
        "arrived_on": dates,
        "household": st.integers(-1, 4),
        "relation": st.integers(0, 4),
    }
)


def spec(eligible: str, amount: str) -> PolicySpec:
    return PolicySpec.model_validate(
        {
            "id": "p-test",
            "title": "t",
            "department": "d",
            "target": "person",
            "source": {"document": "doc"},
            "valid_from": "2020-01-01",
            "eligible": eligible,
            "amount": amount,
        }
    )


def columns(people: list[dict]) -> dict[str, np.ndarray]:
    def days(d: dt.date) -> int:
        return (d - EPOCH).days

    return {
        "income": np.array([p["income"] for p in people]),
        "birth_date": np.array([days(p["birth_date"]) for p in people], np.int32),
        "arrived_on": np.array([days(p["arrived_on"]) for p in people], np.int32),
        "household": np.array([p["household"] for p in people], np.int64),
        "relation": np.array([p["relation"] for p in people], np.int16),
    }


@settings(max_examples=120, deadline=None)
@given(
    conditions,
    st.sampled_from(AMOUNTS),
    st.lists(person, min_size=1, max_size=20),
    st.dates(dt.date(2022, 1, 27), dt.date(2022, 3, 3)),
)
def test_yesterdays_answer_with_the_moved_rows_read_again_is_todays_answer(
    eligible, amount, people, first
):
    policy, cols = spec(eligible, amount), columns(people)
    inputs = dated_inputs(policy)
    assert inputs is not None  # no today, no days_since: anniversaries alone move it
    kept = entitlement(policy, REGISTRY, cols, first)
    for on in (first + dt.timedelta(days=k) for k in range(1, 8)):
        rows = rows_to_read(inputs, cols, on)
        part = entitlement(policy, REGISTRY, RowsOf(cols, rows), on)
        whole = entitlement(policy, REGISTRY, cols, on)
        outside = np.setdiff1d(np.arange(len(people)), rows)
        assert np.array_equal(whole.eligible[outside], kept.eligible[outside])  # none moved
        assert np.array_equal(whole.amount[outside], kept.amount[outside], equal_nan=True)
        assert np.array_equal(whole.eligible[rows], part.eligible)
        assert np.array_equal(whole.amount[rows], part.amount, equal_nan=True)
        kept.eligible[rows], kept.amount[rows] = part.eligible, part.amount


def test_a_birthday_moves_its_row_and_the_rest_of_its_household():
    """Ages change on birthdays (28 February for a leap-day birth in a common year), so only
    those rows, and their households when the policy reads a household value, are read."""
    cols = columns(
        [
            {"income": 0.0, "birth_date": dt.date(1950, 3, 1), "arrived_on": dt.date(2020, 1, 5),
             "household": 7, "relation": 0},
            {"income": 0.0, "birth_date": dt.date(1980, 5, 2), "arrived_on": dt.date(2020, 1, 5),
             "household": 7, "relation": 1},
            {"income": 0.0, "birth_date": dt.date(1952, 2, 29), "arrived_on": dt.date(2021, 9, 1),
             "household": -1, "relation": 0},
            {"income": 0.0, "birth_date": dt.date(1990, 6, 9), "arrived_on": dt.date(2021, 9, 1),
             "household": 7, "relation": 2},
        ]
    )  # fmt: skip
    alone = DatedInputs(frozenset({("age", "birth_date")}), frozenset())
    with_home = DatedInputs(frozenset({("age", "birth_date")}), frozenset({"household"}))
    since = DatedInputs(frozenset({("months_since", "arrived_on")}), frozenset())
    assert rows_to_read(alone, cols, dt.date(2022, 3, 1)).tolist() == [0, 2]  # 2: no 29 Feb
    assert rows_to_read(with_home, cols, dt.date(2022, 3, 1)).tolist() == [0, 1, 2, 3]
    assert rows_to_read(with_home, cols, dt.date(2022, 2, 28)).tolist() == []
    assert rows_to_read(since, cols, dt.date(2022, 4, 5)).tolist() == [0, 1]
    assert rows_to_read(since, cols, dt.date(2022, 4, 30)).tolist() == []  # no 31 April
    assert rows_to_read(since, cols, dt.date(2022, 5, 1)).tolist() == [2, 3]


@pytest.mark.parametrize(
    ("eligible", "inputs"),
    [
        ("age(birth_date) >= 65", ({("age", "birth_date")}, set())),
        ("income < 3000", (set(), set())),  # moves only with a parameter: nothing to re-read
        ("spouse.income > 0 and months_since(arrived_on) < 3",
         ({("months_since", "arrived_on")}, {"household"})),
        ("household.count(age(birth_date) >= 70) >= 1", ({("age", "birth_date")}, {"household"})),
        ("days_since(arrived_on) < 30", None),  # moves for every row, every day
        ("year(today) - year(birth_date) >= 65", None),
        ("age(spouse.birth_date) >= 65", None),  # an elapsed time of anything but a field
    ],
)  # fmt: skip
def test_what_a_policy_reads_that_moves_with_the_date(eligible, inputs):
    found = dated_inputs(spec(eligible, "100"))
    if inputs is None:
        assert found is None
    else:
        assert found == DatedInputs(frozenset(inputs[0]), frozenset(inputs[1]))


ELDER_HOME = """\
id: elder-home-support
title: Support for households caring for someone over 80
department: Municipal Civil Affairs Bureau
target: person
source: {document: test}
valid_from: 2022-01-01
eligible: household.count(age(birth_date) >= 80) >= 1 and months_since(arrived_on) >= 12
amount: 'tiers(age(birth_date), {0: 100, 60: 300})'
pay_to: household_head
delivery: auto
"""


def test_a_run_reading_moved_rows_alone_logs_the_truth_a_run_reading_everyone_does(
    tmp_path, monkeypatch
):
    """Over 45 days and a month's life events, with a policy reading ages, times since
    arrival and households: the same truth table, entity for entity and day for day."""
    import twin
    import twin.world.policy_side as policy_side
    from tests.conftest import SKELETON

    (tmp_path / "elder.yaml").write_text(ELDER_HOME)
    path = tmp_path / "s.yaml"
    path.write_text(
        f"extends: {SKELETON}\nname: s\nduration: 45d\nsensing: {{enabled: false}}\n"
        "policies: [elder.yaml, "
        f"{SKELETON.parent / 'policies/graduate-living-subsidy.yaml'}, "
        f"{SKELETON.parent / 'policies/startup-rent-subsidy.yaml'}]\n"
    )
    scenario = twin.load_scenario(path)
    partial = twin.run(scenario).tables["truth"]
    monkeypatch.setattr(policy_side, "dated_inputs", lambda spec: None)  # read everyone
    whole = twin.run(scenario).tables["truth"]
    assert partial.num_rows > 100
    assert partial.equals(whole)
