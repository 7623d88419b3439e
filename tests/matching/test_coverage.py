"""Officer test coverage on hand-worked policies: a side counts only where it decides the
outcome, an edge only on its number, a tier step only with its amount (matching.coverage)."""

from matching import PolicySpec, compile_policy
from matching.coverage import coverage
from tests.matching.helpers import REGISTRY

POLICY = {
    "id": "old-age", "title": "Old-age allowance", "department": "civil affairs",
    "target": "person", "source": {"document": "Notice 1"}, "valid_from": "2022-01-01",
    "eligible": "age >= 80 and degree in {'none', 'bachelor'}",
    "amount": "tiers(age, {80: 100, 90: 300})",
}  # fmt: skip


def _covered(tests: list[dict], **changes) -> dict[str, tuple[str, ...]]:
    spec = PolicySpec.model_validate({**POLICY, **changes, "tests": tests})
    return {i.what: i.covered_by for i in coverage(compile_policy(spec, REGISTRY), REGISTRY)}


def _case(name: str, eligible, amount=None, **given) -> dict:
    output = {"eligible": eligible} | ({} if amount is None else {"amount": amount})
    return {"name": name, "input": given, "output": output}


def test_each_item_names_the_cases_that_pin_it_down():
    found = _covered([
        _case("80, no degree", True, 100, age=80, degree="none"),
        _case("79", False, age=79, degree="none"),
        _case("95, a master", False, age=95, degree="master"),  # only the degree decides
        _case("age unknown", "review", degree="none"),
    ])  # fmt: skip
    assert found == {
        "age >= 80: true": ("80, no degree",),
        "age >= 80: false": ("79",),
        "age >= 80: at 80": ("80, no degree",),
        # the degree decides both: with it false, neither is eligible nor goes to review
        "degree in {'none', 'bachelor'}: true": ("80, no degree", "age unknown"),
        "degree in {'none', 'bachelor'}: false": ("95, a master",),
        "tiers step 1: at 80": ("80, no degree",),
        "tiers step 2: at 90": (),
        "a case that needs review (a field unknown)": ("age unknown",),
    }


def test_a_side_that_does_not_decide_the_outcome_covers_nothing():
    # too young *and* a master: forcing either condition alone leaves the entity ineligible
    found = _covered([_case("79, a master", False, age=79, degree="master")])
    assert found["age >= 80: false"] == () and found["degree in {'none', 'bachelor'}: false"] == ()


def test_an_edge_is_the_number_itself_and_a_step_needs_its_amount():
    found = _covered([
        _case("81", True, 100, age=81, degree="none"),  # true, not on the edge
        _case("90 without an amount", True, age=90, degree="none"),
    ])  # fmt: skip
    assert found["age >= 80: at 80"] == ()
    assert found["age >= 80: true"] == ("81", "90 without an amount")
    assert found["tiers step 2: at 90"] == ()  # the case does not say what it expects paid


def test_a_threshold_written_on_the_left_and_one_set_by_a_parameter():
    found = _covered(
        [_case("on the line", True, 100, age=85, degree="none")],
        eligible="least <= age and degree in {'none', 'bachelor'}",
        parameters={"least": {"values": {"2022-01-01": 85}}},
    )
    assert found["least <= age: at 85"] == ("on the line",)


def test_a_yes_no_field_is_a_condition_with_two_sides():
    found = _covered(
        [
            _case("renting", False, age=80, degree="none", renting=True),
            _case("not renting", True, 100, age=80, degree="none", renting=False),
        ],
        eligible="age >= 80 and not renting",
    )
    assert found["renting: true"] == ("renting",)  # renting decides: "not renting" fails
    assert found["renting: false"] == ("not renting",)
