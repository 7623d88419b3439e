"""Values over a household (household.size, household.sum(x), any/all/count, spouse.FIELD):
hand-computed cases, and the engine, the per-entity reference and truth equal on random
households and expressions - three implementations written apart."""

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching import (
    Matcher,
    PolicySpec,
    Registry,
    Table,
    compile_policy,
    evaluate_policy,
)
from matching.expression import ExpressionError, compile_expression
from matching.reference import evaluate_one
from matching.relations import Related, related_nodes
from twin.world.truth import entitlement

ON = dt.date(2022, 6, 1)
RELATIONS = ["head", "spouse", "child", "parent", "other"]
REGISTRY = Registry.model_validate(
    {
        "entity": "person",
        "fields": {
            "age": {"type": "int"},
            "income": {"type": "float"},
            "owns_home": {"type": "bool"},
            "degree": {"type": "code", "codes": ["none", "bachelor", "master", "phd"]},
            "household": {"type": "int"},
            "relation": {"type": "code", "codes": RELATIONS},
        },
    }
)
BOOLS = frozenset({"owns_home"})
DTYPES = {"int": np.int64, "float": np.float64, "bool": bool, "code": np.int16}


def library(rows: list[dict], registry: Registry = REGISTRY) -> Table:
    """A Table from per-entity dicts: a missing key or None is unknown; codes by label."""
    columns, known = {}, {}
    for name, spec in registry.fields.items():
        values = [r.get(name) for r in rows]
        known[name] = np.array([v is not None for v in values], bool)
        if spec.type == "code":
            values = [None if v is None else spec.codes.index(v) for v in values]
        columns[name] = np.array([0 if v is None else v for v in values], DTYPES[spec.type])
    return Table(columns, known)


def entities(rows: list[dict]) -> list[dict]:
    """The reference's view: each entity with the list of its household's members."""
    out = []
    for i, r in enumerate(rows):
        hh = r.get("household")
        if hh is None:
            members = None
        elif hh < 0:
            members = [r]
        else:
            members = [m for m in rows if m.get("household") == hh]
        out.append({**r, "household": members, "_row": i})
    return out


def engine(text: str, rows: list[dict]):
    value, known = compile_expression(text, REGISTRY, kind="bool").evaluate(library(rows), ON)
    return [bool(v) if k else None for v, k in zip(value, known, strict=True)]


def reference(text: str, rows: list[dict]):
    return [evaluate_one(text, e, on=ON, bools=BOOLS) for e in entities(rows)]


def spec(pid: str, eligible: str, amount: str = "100", **extra) -> PolicySpec:
    return PolicySpec.model_validate(
        {"id": pid, "title": pid, "department": "d", "target": "person",
         "source": {"document": "doc"}, "valid_from": "2022-01-01", "eligible": eligible,
         "amount": amount, **extra}
    )  # fmt: skip


def truth(text: str, rows: list[dict]) -> list[bool]:
    t = library(rows)
    return entitlement(spec("p-1", text), REGISTRY, t.columns, ON, t.known).eligible.tolist()


# -- hand-computed ----------------------------------------------------------------------------

FAMILY = [  # household 7: a couple and their child; household 9: a widow alone; one unknown
    {"household": 7, "relation": "head", "income": 3000.0, "owns_home": False, "age": 40},
    {"household": 7, "relation": "spouse", "income": 900.0, "owns_home": True, "age": 38},
    {"household": 7, "relation": "child", "income": 0.0, "owns_home": False, "age": 9},
    {"household": 9, "relation": "head", "income": 1500.0, "owns_home": True, "age": 81},
    {"household": -1, "relation": "head", "income": 800.0, "owns_home": False, "age": 30},
    {"relation": "head", "income": 800.0, "owns_home": False, "age": 30},
]


@pytest.mark.parametrize(
    "text, want",
    [
        # per capita 1,300 in household 7; 1,500 for the widow; 800 alone (-1); unknown
        ("household.sum(income) / household.size < 1400", [True] * 3 + [False, True, None]),
        ("household.size == 3", [True] * 3 + [False, False, None]),
        ("spouse.owns_home", [True, False, False, False, False, None]),
        ("not spouse.owns_home", [False, True, True, True, True, None]),
        ("spouse.income > 1000", [False, True, False, False, False, None]),
        ("spouse.income <= 1000", [True, False, False, False, False, None]),  # none: undefined
        ("household.any(age < 18)", [True] * 3 + [False, False, None]),
        ("household.all(owns_home)", [False] * 3 + [True, False, None]),
        ("household.count(age >= 18) == 2", [True] * 3 + [False, False, None]),
        ("household.max(age) - household.min(age) >= 30", [True] * 3 + [False] * 2 + [None]),
    ],
)
def test_hand_computed_household_values(text, want):
    assert engine(text, FAMILY) == want
    assert reference(text, FAMILY) == want
    assert truth(text, FAMILY) == [w is True for w in want]


def test_an_unknown_member_value_leaves_sums_unknown_but_not_a_decided_any():
    rows = [
        {"household": 1, "relation": "head", "income": 100.0, "owns_home": True},
        {"household": 1, "relation": "child"},  # income and home unknown
    ]
    assert engine("household.sum(income) < 1000", rows) == [None, None]
    assert engine("household.any(owns_home)", rows) == [True, True]
    assert engine("household.all(owns_home)", rows) == [None, None]


def test_a_spouse_is_unknown_while_a_member_might_be_one():
    rows = [
        {"household": 1, "relation": "head", "owns_home": False},
        {"household": 1, "owns_home": True},  # relation unknown: perhaps the spouse
        {"household": 2, "relation": "head", "owns_home": False},
        {"household": 2, "relation": "child", "owns_home": True},
    ]
    want = [None, None, False, False]  # the second's own relation is unknown too
    assert engine("spouse.owns_home", rows) == want
    assert reference("spouse.owns_home", rows) == want


def test_household_values_read_the_whole_library_however_it_is_cut():
    """Blocks of 64 rows, and rows taken after relating, see members outside themselves."""
    rng = np.random.default_rng(3)
    n = 1000
    rows = [
        {"household": int(h), "relation": RELATIONS[int(r)], "income": float(i), "age": 30,
         "owns_home": bool(o)}
        for h, r, i, o in zip(rng.integers(0, 300, n), rng.integers(0, 5, n),
                              rng.integers(0, 5000, n), rng.random(n) < 0.3, strict=True)
    ]  # fmt: skip
    text = "household.sum(income) / household.size < 2500 and not spouse.owns_home"
    policy = compile_policy(spec("means-test", text), REGISTRY)
    t = library(rows)
    whole = evaluate_policy(policy, t, ON).eligible
    found = Matcher([policy]).catalogue("person", ON).match(t, block_rows=64)
    assert (found.eligible_mask("means-test") == whole).all()
    assert whole.tolist() == [r is True for r in reference(text, rows)]
    assert whole.tolist() == truth(text, rows)
    matcher = Matcher([policy])
    taken = matcher.relate(t, "person", ON).take(np.arange(0, n, 7))
    ((_, decision),) = matcher.decide(taken, "person", ON)
    assert (
        np.arange(0, n, 7)[decision.eligible_rows]
        == np.flatnonzero(whole)[np.isin(np.flatnonzero(whole), np.arange(0, n, 7))]
    ).all()


def test_a_catalogue_finds_each_household_value_once_however_many_copies_share_it():
    """Copies of one template share its compiled nodes: the household values under a catalogue
    of copies are each found once, the same set a walk of every node finds, and relating the
    library adds a column for each (conditions and amount alike)."""
    text = "household.sum(income) / household.size < 2500 and not spouse.owns_home"
    policy = compile_policy(spec("means-test", text, amount="100 * household.size"), REGISTRY)
    bound = policy.bind(ON)

    def every_node(node):
        yield node
        for child in node.children():
            yield from every_node(child)

    roots = [bound.eligible, bound.amount] * 40
    walked = {n for root in roots for n in every_node(root) if isinstance(n, Related)}
    found = related_nodes(roots)
    assert len(found) == len(walked) == 3 and set(found) == walked
    related = Matcher([policy]).relate(library(FAMILY), "person", ON)
    assert {n.column for n in walked} <= set(related.columns)


def test_pay_to_household_head_pays_once_per_household():
    policy = compile_policy(
        spec("household-grant", "household.sum(income) / household.size < 1400",
             pay_to="household_head"),
        REGISTRY,
    )  # fmt: skip
    eligible = evaluate_policy(policy, library(FAMILY), ON).eligible
    assert eligible.tolist() == [True, False, False, False, True, False]
    owed = entitlement(policy.spec, REGISTRY, library(FAMILY).columns, ON, library(FAMILY).known)
    assert owed.eligible.tolist() == eligible.tolist()
    with pytest.raises(ValueError, match="household_head needs target: person"):
        PolicySpec.model_validate({**spec("x-1", "True").model_dump(), "target": "enterprise",
                                   "pay_to": "household_head"})  # fmt: skip


@pytest.mark.parametrize(
    "text, message",
    [
        ("household.size(1) > 1", "only household.sum"),
        ("household.sum(household.size) > 1", "cannot be nested"),
        ("household.sum(owns_home) > 1", "expected a number here"),
        ("household.any(income)", "expected a bool here"),
        ("household.sum(income, income) > 1", "takes 1 argument"),
        ("household.median(income) > 1", "only household.sum"),
        ("spouse.relation == 'head'", "cannot be read"),
        ("spouse.incme > 1", "unknown field 'incme'"),
        ("neighbour.income > 1", "is not a value a policy can read"),
    ],
)
def test_wrong_household_expressions_are_located(text, message):
    with pytest.raises(ExpressionError, match=message):
        compile_expression(text, REGISTRY, kind="bool")


# -- differential --------------------------------------------------------------------------

member = st.fixed_dictionaries(
    {},
    optional={
        "household": st.sampled_from([0, 1, 2, -1]),
        "relation": st.sampled_from(RELATIONS),
        "income": st.sampled_from([0.0, 500.0, 1200.0, 3000.0, 8000.0]),
        "owns_home": st.booleans(),
        "age": st.integers(0, 90),
        "degree": st.sampled_from(["none", "bachelor", "master", "phd"]),
    },
)
VALUES = [
    "household.size >= 3",
    "household.sum(income) / household.size < 1500",
    "household.sum(income) >= 4000",
    "household.min(age) < 18",
    "household.max(income) > 2000",
    "household.max(income) >= 3000",  # on the values drawn: edges are hit
    "household.min(income) == 500",
    "household.sum(income) == 1700",
    "household.count(age >= 60) >= 1",
    "household.count(owns_home) == 0",
    "household.any(owns_home)",
    "household.all(owns_home)",
    'not household.any(degree == "phd")',
    "spouse.owns_home",
    "not spouse.owns_home",
    "spouse.income > 1000",
    'spouse.degree != "none"',
    'spouse.degree in {"master", "phd"}',
    'spouse.degree not in {"master", "phd"}',
    "spouse.age + age > 100",
]
OWN = ["age >= 60", "owns_home", 'relation == "head"', "income < 1000"]
expressions = st.one_of(
    st.sampled_from(VALUES),
    st.builds(lambda a, b: f"({a}) and {b}", st.sampled_from(VALUES), st.sampled_from(OWN)),
    st.builds(lambda a, b: f"({a}) or ({b})", st.sampled_from(VALUES), st.sampled_from(VALUES)),
    st.builds(lambda a: f"not ({a})", st.sampled_from(VALUES)),
)


@settings(max_examples=300, deadline=None)
@given(expressions, st.lists(member, min_size=1, max_size=12))
def test_engine_reference_and_truth_agree_on_random_households(text, rows):
    want = reference(text, rows)
    assert engine(text, rows) == want
    assert truth(text, rows) == [w is True for w in want]


# -- enterprise groups ------------------------------------------------------------------------

FIRMS = Registry.model_validate(
    {
        "entity": "enterprise",
        "fields": {
            "employees": {"type": "int"},
            "revenue": {"type": "float"},
            "high_tech": {"type": "bool"},
            "group": {"type": "int"},
        },
    }
)


def firm_views(rows: list[dict]) -> list[dict]:
    out = []
    for r in rows:
        g = r.get("group")
        members = None if g is None else [r] if g < 0 else [m for m in rows if m.get("group") == g]
        out.append({**r, "group": members})
    return out


firm = st.fixed_dictionaries(
    {},
    optional={
        "group": st.sampled_from([0, 1, -1]),
        "employees": st.sampled_from([0, 5, 40, 120]),
        "revenue": st.sampled_from([10.0, 500.0, 3000.0]),
        "high_tech": st.booleans(),
    },
)
GROUP_TEXTS = [
    "group.sum(employees) < 100",
    "group.size >= 2",
    "group.any(high_tech)",
    "group.all(revenue < 1000)",
    "group.max(revenue) >= 3000 and employees < 50",
    "group.count(high_tech) == 1 or group.min(employees) == 0",
]


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(GROUP_TEXTS), st.lists(firm, min_size=1, max_size=10))
def test_group_values_agree_across_engine_reference_and_truth(text, rows):
    value, known = compile_expression(text, FIRMS, kind="bool").evaluate(library(rows, FIRMS), ON)
    got = [bool(v) if k else None for v, k in zip(value, known, strict=True)]
    assert got == [evaluate_one(text, e, on=ON) for e in firm_views(rows)]
    p = PolicySpec.model_validate({**spec("g-1", text).model_dump(), "target": "enterprise"})
    t = library(rows, FIRMS)
    assert entitlement(p, FIRMS, t.columns, ON, t.known).eligible.tolist() == [
        g is True for g in got
    ]


def test_a_group_cap_on_staff_reads_every_firm_of_the_group():
    rows = [
        {"group": 4, "employees": 60},
        {"group": 4, "employees": 50},  # together 110: over 100
        {"group": -1, "employees": 60},  # on its own
        {"employees": 60},  # group unknown
    ]
    value, known = compile_expression("group.sum(employees) < 100", FIRMS, kind="bool").evaluate(
        library(rows, FIRMS), ON
    )
    assert [bool(v) if k else None for v, k in zip(value, known, strict=True)] == [
        False, False, True, None,
    ]  # fmt: skip
    with pytest.raises(ExpressionError, match="records no enterprise groups"):
        compile_expression("group.size > 1", REGISTRY, kind="bool")
    with pytest.raises(ExpressionError, match="records no households"):
        compile_expression("household.size > 1", FIRMS, kind="bool")
