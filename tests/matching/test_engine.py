"""The bitmap engine against the per-entity reference and the per-policy numpy evaluator."""

import datetime as dt
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching import Matcher, PolicySpec, compile_policy, evaluate_policy
from matching.reference import evaluate_one
from tests.matching.helpers import REGISTRY, table
from tests.matching.test_expression import conditions, rows

ON = dt.date(2022, 6, 1)
AMOUNTS = st.sampled_from(
    [
        "100",
        "income * 0.1",
        "min(income / 10, 300)",
        "tiers(age, {0: 50, 18: 100, 65: 300})",
        '500 if degree == "phd" else 200',
        "clip(age * 10, 100, 400)",
        "100 * (year(today) - 2020)",  # the evaluation date, the same for every row
    ]
)
# conditions that also read the evaluation date (a leaf the same for every row)
dated = st.one_of(
    conditions,
    conditions.map(lambda c: f"({c}) and year(today) >= 2022"),
    conditions.map(lambda c: f"({c}) or month(today) == 5"),
)


def policy(pid, eligible, amount="100", **extra):
    spec = PolicySpec.model_validate(
        {
            "id": pid,
            "title": pid,
            "department": "d",
            "target": "person",
            "source": {"document": "doc", "article": "Art. 1"},
            "valid_from": "2022-01-01",
            "eligible": eligible,
            "amount": amount,
            **extra,
        }
    )
    return compile_policy(spec, REGISTRY)


def expected(text, amount, entity):
    ok = evaluate_one(text, entity, on=ON)
    value = evaluate_one(amount, entity, on=ON) if ok else None
    return ok, (None if value is None else max(float(value), 0.0))


@settings(max_examples=120, deadline=None)
@given(st.lists(st.tuples(dated, AMOUNTS), min_size=1, max_size=6), rows)
def test_bitmap_engine_equals_reference_on_random_policies_and_libraries(specs, entities):
    policies = [policy(f"p-{i:03d}", e, a) for i, (e, a) in enumerate(specs)]
    matcher = Matcher(policies)
    t = table(entities)
    found = matcher.match(t, "person", ON, block_rows=64, workers=2)
    for p, (text, amount) in zip(policies, specs, strict=True):
        want = [expected(text, amount, e) for e in entities]
        got_ok = found.eligible_mask(p.id)
        got_review = found.review_mask(p.id)
        assert [
            True if o else None if r else False for o, r in zip(got_ok, got_review, strict=True)
        ] == [w[0] for w in want]
        rows_ok = np.flatnonzero(got_ok)
        got_amount = matcher.amounts(p.id, t, rows_ok, ON)
        want_amount = [want[r][1] for r in rows_ok]
        assert np.allclose(got_amount, np.array(want_amount, dtype=float), equal_nan=True)
        single = evaluate_policy(p, t, ON)
        assert (single.eligible == got_ok).all() and (single.needs_review == got_review).all()


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(conditions, AMOUNTS), min_size=2, max_size=8), rows)
def test_policies_sharing_an_amount_are_paid_as_each_alone(specs, entities):
    """Copies of one template share an amount expression: the engine computes it once for
    every row and hands each policy its eligible rows' amounts, which must be what the policy
    alone would get (the per-policy numpy baseline)."""
    policies = [policy(f"p-{i:03d}", e, a) for i, (e, a) in enumerate(specs)]
    t = table(entities)
    for match in Matcher(policies).evaluate(t, "person", ON):
        alone = evaluate_policy(Matcher(policies).by_id[match.policy_id], t, ON)
        assert (match.eligible == alone.eligible).all()
        assert np.allclose(match.amount, alone.amount, equal_nan=True)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(conditions, AMOUNTS), min_size=1, max_size=4), rows, st.data())
def test_decisions_as_rows_equal_the_masks_and_copies_share_one(specs, entities, data):
    """``decide`` hands each policy its eligible rows with their amounts and its review rows,
    as ``evaluate``'s masks say; copies with the same conditions and amount share one
    decision object (the history's catalogue is two thousand copies of 33 templates)."""
    copies = data.draw(st.lists(st.integers(0, len(specs) - 1), max_size=6))
    texts = [*specs, *(specs[k] for k in copies)]
    policies = [policy(f"p-{i:03d}", e, a) for i, (e, a) in enumerate(texts)]
    t = table(entities)
    m = Matcher(policies)
    dense = {match.policy_id: match for match in m.evaluate(t, "person", ON)}
    rows = dict(m.decide(t, "person", ON))
    assert list(rows) == list(dense)  # the catalogue's order
    for pid, d in rows.items():
        want = dense[pid]
        assert np.array_equal(d.eligible_rows, np.flatnonzero(want.eligible))
        assert np.array_equal(d.review_rows, np.flatnonzero(want.needs_review))
        assert np.array_equal(d.amount, want.amount[d.eligible_rows], equal_nan=True)
    for i, k in enumerate(copies):
        assert rows[f"p-{len(specs) + i:03d}"] is rows[f"p-{k:03d}"]


def test_many_blocks_and_threads_give_the_same_bitmaps_as_one_block():
    rng = np.random.default_rng(0)
    n = 10_000
    entities = [
        {"age": int(a), "income": float(i)} if rng.random() > 0.1 else {}
        for a, i in zip(rng.integers(0, 100, n), rng.integers(0, 9000, n), strict=True)
    ]
    t = table(entities)
    m = Matcher([policy("old", "age >= 60"), policy("rich", "income > 5000 or age > 90")])
    one = m.match(t, "person", ON, block_rows=1 << 20, workers=1)
    many = m.match(t, "person", ON, block_rows=640, workers=2)
    assert (one.eligible == many.eligible).all() and (one.review == many.review).all()
    assert one.eligible_counts.tolist() == [
        sum(1 for e in entities if e and e["age"] >= 60),
        sum(1 for e in entities if e and (e["income"] > 5000 or e["age"] > 90)),
    ]


def test_shared_conditions_are_evaluated_once():
    m = Matcher(
        [
            policy("p-a", "age >= 60 and renting"),
            policy("p-b", "renting and age >= 60"),
            policy("p-c", "age >= 60 or income > 10"),
        ]
    )
    cat = m.catalogue("person", ON)
    assert len(cat.leaves) == 3  # age >= 60, renting, income > 10


def test_dated_parameters_change_the_rule_on_their_date():
    p = policy(
        "youth",
        "age <= max_age",
        parameters={
            "max_age": {
                "unit": "years",
                "source": "Art. 2",
                "values": {"2022-01-01": 35, "2023-01-01": 40},
            }
        },
    )
    m = Matcher([p])
    t = table([{"age": 38}])
    assert m.match(t, "person", dt.date(2022, 12, 31)).eligible_counts.tolist() == [0]
    assert m.match(t, "person", dt.date(2023, 1, 1)).eligible_counts.tolist() == [1]


def test_a_parameter_needs_a_value_from_the_start():
    with pytest.raises(ValueError, match="no value on valid_from"):
        policy("youth", "age <= max_age", parameters={"max_age": {"values": {"2023-01-01": 40}}})


FORKED = """
import datetime as dt, numpy as np
from matching import catalogue
from tests.matching.test_engine import Matcher, policy, table, ON
rng = np.random.default_rng(1)
rows = [{"age": int(a)} if rng.random() > 0.1 else {} for a in rng.integers(0, 100, 5000)]
m = Matcher([policy("old", "age >= 60"), policy("young", "age < 30 or age > 90")])
assert catalogue._can_fork()
one = m.match(table(rows), "person", ON, workers=1, block_rows=512)
two = m.match(table(rows), "person", ON, workers=2, block_rows=512)
assert (one.eligible == two.eligible).all() and (one.review == two.review).all()
assert (one.eligible_counts == two.eligible_counts).all()
print("same")
"""


def test_forked_workers_give_the_same_bitmaps_as_one_process():
    proc = subprocess.run(
        [sys.executable, "-c", FORKED],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        timeout=120,
    )
    assert proc.stdout.strip() == "same", proc.stderr
