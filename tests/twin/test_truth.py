"""Truth is computed independently of the engine, and agrees with it and with the per-entity
reference on random policies and populations, and on every shipped policy."""

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching import PolicySpec, Registry, Table, compile_policy, evaluate_policy, load_policy
from matching.reference import evaluate_one
from tests.conftest import SCENARIOS
from twin.world.truth import Memo, entitlement, rules_key

ON = dt.date(2022, 6, 1)
REGISTRY = Registry.model_validate(
    {
        "entity": "person",
        "fields": {
            "age": {"type": "int"},
            "income": {"type": "float", "history": True},
            "renting": {"type": "bool"},
            "degree": {"type": "code", "codes": ["none", "bachelor", "master", "phd"]},
            "birth_date": {"type": "date"},
        },
    }
)
ATOMS = [
    "age >= 60",
    "18 <= age <= 35",
    "renting",
    "not renting",
    'degree in {"master", "phd"}',
    'degree != "none"',
    "income > 3000",
    "income / age > 100",
    "income / last_year(income) >= 1.1",
    "last_year(income) < 3000 <= income",
    "min(age, 40) == 40",
    "clip(income, 1000, 5000) >= 2500",
    "round(income / 1000) >= 2",
    "age(birth_date) >= 65",
    "months_since(birth_date) < 240",
    "days_since(birth_date) > 20000",
    "years_since(birth_date) <= max_age",
    "(500 if renting else 100) > 200",
    "tiers(age, {max_age: 1, 60: 2}) >= 2",  # a threshold set by a dated parameter
    "year(today) - year(birth_date) >= 65",  # the evaluation date and calendar parts
    "month(birth_date) == 6",
]
AMOUNTS = [
    "100",
    "income * 0.1",
    "min(income / 10, cap)",
    "tiers(age, {18: 100, 65: 300})",
    "tiers(age, {max_age: 100, 65: cap})",  # a parameter as threshold and as value
    '500 if degree == "phd" else 200',
    "clip(age * 10, 100, 400)",
    "income / (age - 30)",
    "100 * (year(today) - year(birth_date)) + month(today)",
]
conditions = st.recursive(
    st.sampled_from(ATOMS),
    lambda inner: st.one_of(
        st.tuples(inner, inner).map(lambda t: f"({t[0]}) and ({t[1]})"),
        st.tuples(inner, inner).map(lambda t: f"({t[0]}) or ({t[1]})"),
        inner.map(lambda t: f"not ({t})"),
    ),
    max_leaves=6,
)
people = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "age": st.integers(0, 100),
            "income": st.integers(0, 10_000).map(float),
            "income@last_year": st.integers(0, 10_000).map(float),
            "renting": st.booleans(),
            "degree": st.sampled_from(REGISTRY.fields["degree"].codes),
            "birth_date": st.dates(dt.date(1920, 1, 1), dt.date(2022, 5, 31)),
        },
    ),
    min_size=1,
    max_size=15,
)


def spec(eligible, amount) -> PolicySpec:
    return PolicySpec.model_validate(
        {
            "id": "p-test",
            "title": "t",
            "department": "d",
            "target": "person",
            "source": {"document": "doc"},
            "valid_from": "2022-01-01",
            "parameters": {
                "max_age": {"values": {"2022-01-01": 30, "2022-06-01": 35}},
                "cap": {"values": {"2022-01-01": 300}},
            },
            "eligible": eligible,
            "amount": amount,
        }
    )


def table(rows: list[dict]) -> Table:
    columns, known = {}, {}
    for name in REGISTRY.columns:
        f = REGISTRY[name]
        values = [r.get(name) for r in rows]
        known[name] = np.array([v is not None for v in values])
        if f.type == "code":
            values = [f.codes.index(v) if v is not None else 0 for v in values]
        if f.type == "date":
            values = [(v - dt.date(1970, 1, 1)).days if v is not None else 0 for v in values]
        dtype = {"int": np.int64, "float": np.float64, "bool": bool, "code": np.int16}
        columns[name] = np.array(
            [0 if v is None else v for v in values], dtype=dtype.get(f.type, np.int32)
        )
    return Table(columns, known)


@settings(max_examples=150, deadline=None)
@given(conditions, st.sampled_from(AMOUNTS), people)
def test_truth_equals_the_engine_and_the_reference(eligible, amount, rows):
    s = spec(eligible, amount)
    t = table(rows)
    truth = entitlement(s, REGISTRY, t.columns, ON, t.known)
    engine = evaluate_policy(compile_policy(s, REGISTRY), t, ON)
    assert truth.eligible.tolist() == engine.eligible.tolist()
    assert np.allclose(truth.amount, engine.amount, equal_nan=True)
    params = {"max_age": 35, "cap": 300}
    for row, entity in enumerate(rows):
        assert bool(truth.eligible[row]) == (evaluate_one(eligible, entity, params, ON) is True)


def test_a_list_of_conditions_must_all_hold_and_amounts_are_never_negative():
    s = spec([{"when": "age >= 18"}, {"when": "renting"}], "income - 5000")
    t = table([{"age": 20, "renting": True, "income": 6000.0}, {"age": 20, "renting": False},
               {"age": 20, "renting": True, "income": 1000.0}, {"renting": True}])  # fmt: skip
    truth = entitlement(s, REGISTRY, t.columns, ON, t.known)
    assert truth.eligible.tolist() == [True, False, True, False]
    assert truth.amount.tolist() == [1000.0, 0.0, 0.0, 0.0]


def test_copies_with_one_rules_key_are_owed_the_same_and_a_moved_parameter_parts_them():
    """The run computes truth once per rules key a day (copies of one template run alike):
    a copy under another id and opening date, whose parameters hold the same values that
    day, shares the key and the entitlement; a copy whose age limit has not yet moved does
    not share the key, and is owed differently."""
    base = spec("age <= max_age", "cap")
    twin_copy = base.model_copy(update={"id": "p-copy", "valid_from": dt.date(2022, 3, 1)})
    shifted = base.model_copy(
        update={
            "id": "p-late",
            "parameters": {
                **base.parameters,
                "max_age": base.parameters["max_age"].model_copy(
                    update={"values": {dt.date(2022, 1, 1): 30, dt.date(2022, 9, 1): 35}}
                ),
            },
        }
    )
    t = table([{"age": 33, "income": 0.0}, {"age": 25, "income": 0.0}])
    owed = {
        s.id: entitlement(s, REGISTRY, t.columns, ON, t.known) for s in (base, twin_copy, shifted)
    }
    assert rules_key(base, ON) == rules_key(twin_copy, ON) != rules_key(shifted, ON)
    assert owed["p-test"].eligible.tolist() == owed["p-copy"].eligible.tolist() == [True, True]
    assert owed["p-late"].eligible.tolist() == [False, True]


def test_a_memo_shared_by_a_template_and_its_district_copies_changes_nothing():
    """Truth evaluates a text once a day for every copy that repeats it (a district's copy
    repeats its template's conditions); what each copy is owed is what it alone is owed, and
    the memo stays bounded."""
    base = spec("age <= max_age", "cap")
    local = PolicySpec.model_validate(
        {
            **base.model_dump(),
            "id": "p-local",
            "eligible": [{"when": "age <= max_age"}, {"when": "income < 5"}],
        }
    )
    other = base.model_copy(update={"id": "p-other", "eligible": "income >= 5"})
    t = table([{"age": 33, "income": 0.0}, {"age": 25, "income": 9.0}, {"age": 20}])
    memo = Memo(size=2)
    for s in (base, local, other, base, local):
        alone = entitlement(s, REGISTRY, t.columns, ON, t.known)
        shared = entitlement(s, REGISTRY, t.columns, ON, t.known, memo=memo)
        assert np.array_equal(alone.eligible, shared.eligible)
        assert np.array_equal(alone.amount, shared.amount, equal_nan=True)
        assert len(memo._kept) <= 2


@pytest.mark.parametrize(
    "path", sorted((SCENARIOS / "policies").glob("*.yaml")), ids=lambda p: p.stem
)
def test_every_shipped_policy_agrees_on_a_synthetic_city(path, city_tables):
    from matching import load_registry

    registries = {
        t: load_registry(SCENARIOS / f"fields/{t}.yaml") for t in ("person", "enterprise")
    }
    policy = load_policy(path, registries)
    target = policy.spec.target
    columns = city_tables[target]
    on = max(ON, policy.spec.valid_from)
    truth = entitlement(policy.spec, registries[target], columns, on)
    engine = evaluate_policy(policy, Table(columns), on)
    assert (truth.eligible == engine.eligible).all()
    assert np.array_equal(truth.amount, engine.amount, equal_nan=True)


@pytest.fixture(scope="module")
def city_tables():
    from agents.enterprises import generate_enterprises
    from agents.residents import generate_residents
    from twin.core.city import build_city

    city = build_city(scale=0.002, rng=np.random.default_rng(1))
    where = (city.community_weight, city.community_district)
    from agents.year_end import keep_last_year

    pops = {
        "person": generate_residents(city.residents, *where, ON, rng=np.random.default_rng(2)),
        "enterprise": generate_enterprises(
            city.enterprises, *where, ON, rng=np.random.default_rng(3)
        ),
    }
    for target, pop in pops.items():  # last year's values, as the population draws them
        keep_last_year(pop, target, rng=np.random.default_rng(4))
    return {target: pop.library_columns() for target, pop in pops.items()}


def test_a_bug_planted_in_the_engine_shows_as_exclusion_error(monkeypatch):
    """The engine reads >= as > (an off-by-one in one operator): those who graduated in the
    first eligible year are missed. Truth, computed apart from the engine, still counts them
    as owed, so the run scores the engine's error."""
    import operator

    import twin
    from matching import nodes
    from tests.conftest import SKELETON

    scenario = twin.load_scenario(SKELETON, {"duration": "10d", "sensing.enabled": False})
    honest = twin.run(scenario)
    fair = nodes.Compare.eval

    def off_by_one(self, table, ctx):
        if self.op is operator.ge:
            return fair(nodes.Compare(operator.gt, self.left, self.right), table, ctx)
        return fair(self, table, ctx)

    monkeypatch.setattr(nodes.Compare, "eval", off_by_one)
    buggy = twin.run(scenario)
    pid = "graduate-living-subsidy"
    assert buggy.metric("eligible", pid) == honest.metric("eligible", pid)  # truth unmoved
    assert buggy.metric("exclusion_error", pid) > honest.metric("exclusion_error", pid) + 0.05


@pytest.mark.parametrize(
    ("name", "dated"),
    [("elderly-care-allowance", True), ("older-worker-reemployment", True), ("sme-relief", False)],
)
def test_truth_is_recomputed_daily_only_for_policies_that_move_with_the_date(name, dated):
    """An age or a dated parameter can change the answer overnight; otherwise only the monthly
    life events can, and the run recomputes such a policy's truth then."""
    from matching import load_registry
    from twin.world.truth import moves_with_the_date

    registries = {
        t: load_registry(SCENARIOS / f"fields/{t}.yaml") for t in ("person", "enterprise")
    }
    policy = load_policy(SCENARIOS / f"policies/{name}.yaml", registries)
    assert moves_with_the_date(policy.spec) is dated


def test_a_policy_reading_today_moves_with_the_date_and_one_reading_years_alone_does_not():
    from twin.world.truth import moves_with_the_date

    def undated(eligible):  # no parameter that changes on a date
        return spec(eligible, "100").model_copy(update={"parameters": {}})

    assert moves_with_the_date(undated("year(today) - year(birth_date) >= 65"))
    assert not moves_with_the_date(undated("year(birth_date) <= 1950"))


@pytest.mark.parametrize(
    ("eligible", "amount", "owed"),
    [
        ("income / age >= 0.9", "100", [False, True]),
        ("income / age < 0.9", "100", [False, False]),  # no share: false either way
        ("income / age != 5", "100", [False, True]),
        ("round(income / age) not in {1, 2}", "100", [False, True]),
        ("not (income / age >= 0.9)", "100", [True, False]),  # mind not: true with no share
        ("age >= 0", "tiers(income / age, {0: 10, 5: 50})", [True, True]),
    ],
)
def test_a_division_by_zero_is_no_number_and_no_comparison_with_it_holds(eligible, amount, owed):
    """Person 0 is 0 years old with an income: income / age is undefined, not unknown. The
    engine, the reference and truth agree; an amount of it is owed but nobody can work it out."""
    rows = [{"age": 0, "income": 100.0}, {"age": 10, "income": 100.0}]
    s = spec(eligible, amount)
    t = table(rows)
    truth = entitlement(s, REGISTRY, t.columns, ON, t.known)
    engine = evaluate_policy(compile_policy(s, REGISTRY), t, ON)
    reference = [evaluate_one(eligible, e, {}, ON) for e in rows]
    assert truth.eligible.tolist() == engine.eligible.tolist() == reference == owed
    assert not engine.needs_review.any()
    if amount.startswith("tiers"):
        assert np.isnan(truth.amount[0]) and np.isnan(engine.amount[0])  # owed, unknown
        assert truth.amount[1] == engine.amount[1] == 50.0
