"""Rules across policies (package files): officer-style cases, the per-beneficiary reference,
bad files."""

import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from datafiles import UserError
from matching import Decision, Grants, PackageSpec, apply_one_by_one, apply_packages
from matching.packages import load_package, member_problems, since

ON = dt.date(2022, 6, 15)
MONTHLY = {"pol-a": "month", "pol-b": "month"}
SOURCE = {"document": "Notice on housing support for talent (2022) No. 7"}


def package(*rules, policies=("pol-a", "pol-b", "pol-c")) -> PackageSpec:
    return PackageSpec.model_validate(
        {"package": "housing", "title": "Housing support", "source": SOURCE,
         "policies": list(policies), "rules": list(rules)}
    )  # fmt: skip


def decision(amounts: dict[int, float], review=()) -> Decision:
    rows = np.array(sorted(amounts), np.int64)
    return Decision(rows, np.array([amounts[r] for r in rows.tolist()], float), np.array(review))


def paid(d: Decision) -> dict[int, float]:
    return dict(zip(d.eligible_rows.tolist(), d.amount.tolist(), strict=True))


def test_exclusive_gives_the_first_listed_that_finds_a_beneficiary_eligible():
    p = package({"exclusive": ["pol-b", "pol-a"]})
    out = apply_packages(
        [p], {"pol-a": decision({1: 100, 2: 100}), "pol-b": decision({2: 300, 3: 300}, review=[1])},
        ON, Grants(), {},
    )  # fmt: skip
    assert paid(out["pol-b"]) == {2: 300, 3: 300}
    assert paid(out["pol-a"]) == {1: 100}  # 2 went to b, listed first
    assert out["pol-b"].review_rows.tolist() == []  # 1 got a: b's review of it is moot


def test_exclusive_keeps_a_beneficiary_with_the_policy_already_granted():
    grants = Grants(["pol-a", "pol-b"])
    grants.record("pol-a", 2, 100.0, dt.date(2022, 3, 1))
    out = apply_packages(
        [package({"exclusive": ["pol-b", "pol-a"]})],
        {"pol-a": decision({2: 100}), "pol-b": decision({2: 300})}, ON, grants, {},
    )  # fmt: skip
    assert paid(out["pol-b"]) == {} and paid(out["pol-a"]) == {2: 100}


def test_highest_of_pays_the_larger_amount_ties_to_the_first_listed():
    out = apply_packages(
        [package({"highest_of": ["pol-a", "pol-b"]})],
        {"pol-a": decision({1: 100, 2: 300, 3: math.nan}),
         "pol-b": decision({1: 200, 2: 300, 3: 50})},
        ON, Grants(), {},
    )  # fmt: skip
    assert paid(out["pol-a"]) == {2: 300}
    assert paid(out["pol-b"]) == {1: 200, 3: 50}  # an unknown amount loses to a known one


def test_a_cap_over_the_year_counts_what_was_granted_and_cuts_the_later_listed_first():
    """Firm 7 got a's 30,000 in March; this year the package pays it at most 50,000: b's
    40,000 is cut to 20,000 and c's 10,000 to nothing (c's row leaves the decision). Firm 8's
    grant from last year is outside the window: a's 10,000 and b's 40,000 in full, c cut."""
    grants = Grants(["pol-a", "pol-b", "pol-c"])
    grants.record("pol-a", 7, 30_000.0, dt.date(2022, 3, 1))
    grants.record("pol-c", 8, 99_000.0, dt.date(2021, 12, 31))  # c pays yearly
    p = package({"cap": 50_000, "over": "year"})
    out = apply_packages(
        [p],
        {"pol-a": decision({7: 30_000, 8: 10_000}), "pol-b": decision({7: 40_000, 8: 40_000}),
         "pol-c": decision({7: 10_000, 8: 10_000})},
        ON, grants, {"pol-c": "year"},
    )  # fmt: skip
    assert paid(out["pol-a"]) == {7: 30_000, 8: 10_000}  # a granted 7 once: not paid again
    assert paid(out["pol-b"]) == {7: 20_000, 8: 40_000}
    assert paid(out["pol-c"]) == {}


def test_a_recurring_policy_already_granted_still_counts_its_next_payment():
    grants = Grants(["pol-a", "pol-b"])
    grants.record("pol-a", 1, 2_000.0, dt.date(2022, 5, 1))
    out = apply_packages(
        [package({"cap": 5_000, "over": "year", "policies": ["pol-a", "pol-b"]})],
        {"pol-a": decision({1: 2_000}), "pol-b": decision({1: 2_000})}, ON, grants, MONTHLY,
    )  # fmt: skip
    assert paid(out["pol-a"]) == {1: 2_000}  # June's allowance: 2,000 of the 3,000 left
    assert paid(out["pol-b"]) == {1: 1_000}


def test_netting_takes_off_what_the_other_award_granted_this_year():
    grants = Grants(["pol-a", "pol-b"])
    grants.record("pol-b", 4, 30_000.0, dt.date(2022, 2, 1))
    grants.record("pol-b", 5, 30_000.0, dt.date(2021, 2, 1))  # last year: not netted
    out = apply_packages(
        [package({"net": "pol-a", "of": ["pol-b"], "over": "year"})],
        {"pol-a": decision({4: 50_000, 5: 50_000, 6: 20_000}), "pol-b": decision({6: 25_000})},
        ON, grants, {},
    )  # fmt: skip
    assert paid(out["pol-a"]) == {4: 20_000, 5: 50_000}  # 6 is owed b's 25,000 today: a nets to 0
    assert paid(out["pol-b"]) == {6: 25_000}


@pytest.mark.parametrize(
    ("over", "first"),
    [("day", ON), ("year", dt.date(2022, 1, 1)), ("3y", dt.date(2019, 6, 16)), ("ever", None)],
)
def test_windows_cover_what_they_say(over, first):
    assert since(over, ON) == first
    assert since("1y", dt.date(2024, 2, 29)) == dt.date(2023, 3, 1)


def test_rules_apply_in_order_and_only_to_policies_decided_today():
    p = package({"exclusive": ["pol-a", "pol-b"]}, {"cap": 150, "policies": ["pol-b", "pol-c"]})
    out = apply_packages(
        [p], {"pol-a": decision({1: 100}), "pol-b": decision({1: 100, 2: 100}),
              "pol-c": decision({2: 100})},
        ON, Grants(), {},
    )  # fmt: skip
    assert paid(out["pol-a"]) == {1: 100} and paid(out["pol-b"]) == {2: 100}
    assert paid(out["pol-c"]) == {2: 50}
    only_c = apply_packages([p], {"pol-c": decision({2: 200})}, ON, Grants(), {})
    assert paid(only_c["pol-c"]) == {2: 150}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"rules": [{"exclusive": ["pol-a", "pol-x"]}]}, "'pol-x' is not one of the package"),
        ({"rules": [{"cap": 100, "over": "month"}]}, "'Ny'"),
        ({"rules": [{"cap": -1}]}, "greater than 0"),
        ({"policies": ["pol-a", "pol-a"]}, "twice"),
        ({"rules": [{"exclusive": ["pol-a"]}]}, "at least 2"),
        ({"rules": [{"share": ["pol-a", "pol-b"]}]}, "one of exclusive, highest_of, cap or net"),
    ],
)
def test_bad_packages_are_refused_with_a_reason(change, message):
    data = {"package": "housing", "title": "t", "source": SOURCE, "policies": ["pol-a", "pol-b"],
            "rules": [{"exclusive": ["pol-a", "pol-b"]}], **change}  # fmt: skip
    with pytest.raises(Exception, match=message):
        PackageSpec.model_validate(data)


def test_a_package_file_names_the_line_of_an_unknown_member(tmp_path):
    path = tmp_path / "housing.yaml"
    path.write_text(
        "package: housing\ntitle: Housing support\nsource: {document: Notice 7}\n"
        "policies: [talent-rent-subsidy, graduate-rent-subsidy]\n"
        "rules:\n  - exclusive: [talent-rent-subsidy, graduate-rent-subsidie]\n"
    )
    with pytest.raises(UserError) as err:
        load_package(path)
    (problem,) = err.value.problems
    assert (problem.key, problem.line) == ("rules[0].exclusive", 6)
    assert problem.hint == "did you mean 'graduate-rent-subsidy'?"
    path.write_text(path.read_text().replace("subsidie", "subsidy"))
    spec, origins = load_package(path)
    targets = {"talent-rent-subsidy": "person", "graduate-rent-subsidi": "person"}
    (problem,) = member_problems(spec, str(path), origins, targets)
    assert problem.line == 4 and problem.hint.startswith("did you mean 'graduate-rent-subsidi'?")


rules = st.sampled_from(
    [
        {"exclusive": ["pol-a", "pol-b", "pol-c"]},
        {"exclusive": ["pol-c", "pol-a"]},
        {"highest_of": ["pol-a", "pol-b", "pol-c"]},
        {"cap": 250, "over": "day"},
        {"cap": 400, "over": "year", "policies": ["pol-a", "pol-c"]},
        {"cap": 300, "over": "2y"},
        {"cap": 500, "over": "ever"},
        {"net": "pol-a", "of": ["pol-b", "pol-c"], "over": "year"},
        {"net": "pol-c", "of": ["pol-a"], "over": "day"},
    ]
)
IDS = st.sampled_from(["pol-a", "pol-b", "pol-c"])
amounts = st.sampled_from([0.0, 50.0, 100.0, 200.0, math.nan])
days = st.sampled_from([dt.date(2020, 7, 1), dt.date(2021, 6, 16), dt.date(2022, 1, 1), ON])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(rules, min_size=1, max_size=3),
    st.dictionaries(IDS, st.dictionaries(st.integers(0, 6), amounts)),
    st.dictionaries(IDS, st.sets(st.integers(0, 6))),
    st.lists(
        st.tuples(IDS, st.integers(0, 6), days, st.sampled_from([50.0, 150.0])),
        max_size=8,
    ),
    st.dictionaries(IDS, st.sampled_from(["once", "month", "year"])),
)
def test_the_array_rules_equal_the_per_beneficiary_reference(rs, decided, review, given, every):
    p = package(*rs)
    review = {k: review.get(k, set()) for k in decided}
    grants = Grants(["pol-a", "pol-b", "pol-c"])
    for pid, row, day, yuan in given:
        grants.record(pid, row, yuan, day)
    decisions = {k: decision(v, sorted(review[k])) for k, v in decided.items()}
    got = apply_packages([p], decisions, ON, grants, every)
    want, want_review = apply_one_by_one([p], decided, review, ON, given, every)
    for k in decided:
        assert _same(paid(got[k]), want[k]), k
        assert set(got[k].review_rows.tolist()) == want_review[k], k


def _same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(
        (math.isnan(a[r]) and math.isnan(b[r])) or a[r] == b[r] for r in a
    )


def test_an_officer_reads_which_rule_changed_what_a_beneficiary_gets():
    from matching import explain_packages

    p = package({"highest_of": ["pol-a", "pol-b"]}, {"cap": 250, "over": "day"})
    decisions = {"pol-a": decision({3: 100, 4: 100}), "pol-b": decision({3: 200}),
                 "pol-c": decision({3: 150})}  # fmt: skip
    steps = explain_packages([p], decisions, 3, ON, Grants(), {})
    assert [(s.before, s.after) for s in steps] == [
        ({"pol-a": 100.0, "pol-b": 200.0}, {"pol-a": None, "pol-b": 200.0}),
        (
            {"pol-a": None, "pol-b": 200.0, "pol-c": 150.0},
            {"pol-a": None, "pol-b": 200.0, "pol-c": 50.0},
        ),
    ]
    text = steps[1].render()
    assert "cap: 250 yuan" in text and "pol-c: 150 yuan -> 50 yuan" in text
    assert "pol-b: 200 yuan, kept" in text and "pol-a: nothing to pay" in text
    assert explain_packages([p], decisions, 4, ON, Grants(), {}) == []


def test_grants_of_a_member_not_in_force_today_still_count():
    """pol-a closed last year: what it granted still caps, nets and excludes."""
    grants = Grants(["pol-a", "pol-b"])
    grants.record("pol-a", 1, 1_000_000.0, dt.date(2021, 9, 1))
    grants.record("pol-a", 2, 30_000.0, dt.date(2022, 2, 1))
    grants.record("pol-a", 3, 500.0, dt.date(2021, 9, 1))
    today = {"pol-b": decision({1: 100_000, 2: 50_000, 3: 700})}
    capped = apply_packages([package({"cap": 1_060_000, "over": "3y"})], today, ON, grants, {})
    assert paid(capped["pol-b"])[1] == 60_000
    netted = apply_packages([package({"net": "pol-b", "of": ["pol-a"]})], today, ON, grants, {})
    assert paid(netted["pol-b"])[2] == 20_000
    one = apply_packages([package({"exclusive": ["pol-b", "pol-a"]})], today, ON, grants, {})
    assert paid(one["pol-b"]) == {}  # each already has pol-a


def test_a_recurring_period_already_granted_is_not_counted_twice():
    """pol-a pays 2,000 a month and paid June on the 1st: on the 2nd, June's 2,000 is in the
    grants already, so pol-b keeps the 1,000 the 5,000 cap leaves (5,000 - 2,000 - 2,000)."""
    grants = Grants(["pol-a", "pol-b"])
    grants.record("pol-a", 1, 2_000.0, dt.date(2022, 5, 1))
    grants.record("pol-a", 1, 2_000.0, dt.date(2022, 6, 1))
    out = apply_packages(
        [package({"cap": 5_000, "over": "year", "policies": ["pol-a", "pol-b"]})],
        {"pol-a": decision({1: 2_000}), "pol-b": decision({1: 2_000})},
        dt.date(2022, 6, 2), grants, MONTHLY,
    )  # fmt: skip
    assert paid(out["pol-b"]) == {1: 1_000}


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"net": "pol-a", "of": ["pol-a"]}, "nets a policy against itself"),
        ({"exclusive": ["pol-a", "pol-a"]}, "names a policy twice"),
        ({"cap": 10, "policies": ["pol-b", "pol-b"]}, "names a policy twice"),
    ],
)
def test_rules_that_say_nothing_sensible_are_refused(rule, message):
    with pytest.raises(Exception, match=message):
        package(rule)


def test_the_documented_package_is_the_shipped_one():
    import re
    from pathlib import Path

    import yaml

    root = Path(__file__).parents[2]
    text = (root / "docs/policy-language.md").read_text()
    block = re.search(r"## Rules across policies.*?```yaml\n(.*?)```", text, re.S).group(1)
    documented = PackageSpec.model_validate(yaml.safe_load(block))
    shipped, _ = load_package(root / "scenarios/packages/talent-housing.yaml")
    assert documented.rules == shipped.rules and documented.policies == shipped.policies


def test_decide_with_packages_holds_the_matchers_decisions_to_the_rules():
    from matching import Matcher, PolicySpec, compile_policy, decide_with_packages
    from tests.matching.helpers import REGISTRY, table

    def policy(pid, eligible, amount):
        spec = PolicySpec.model_validate(
            {"id": pid, "title": pid, "department": "d", "target": "person",
             "source": {"document": "doc"}, "valid_from": "2022-01-01",
             "eligible": eligible, "amount": amount}
        )  # fmt: skip
        return compile_policy(spec, REGISTRY)

    matcher = Matcher([policy("pol-a", "age >= 60", "100"), policy("pol-b", "age >= 70", "300")])
    rows = table([{"age": 65}, {"age": 75}])
    held = decide_with_packages(
        matcher, [package({"highest_of": ["pol-a", "pol-b"]})], rows, "person", ON, Grants()
    )
    assert paid(held["pol-a"]) == {0: 100.0} and paid(held["pol-b"]) == {1: 300.0}
