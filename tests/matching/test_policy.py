import datetime as dt

import numpy as np
import pytest

from datafiles import UserError
from matching import Matcher, Table, load_policy, load_registry
from tests.conftest import SCENARIOS

REGISTRIES = {t: load_registry(SCENARIOS / f"fields/{t}.yaml") for t in ("person", "enterprise")}
GOOD = """\
id: elderly-care
title: Care allowance for residents aged 80 and over
department: Civil Affairs Bureau
target: person
source: {document: Elderly care measures, article: Art. 2}
valid_from: 2022-01-01
valid_to: 2022-12-31
eligible: age(birth_date) >= 80 and registration == "local"
amount: "200"
delivery: auto
"""


def test_every_policy_in_the_library_loads():
    for path in sorted((SCENARIOS / "policies").glob("*.yaml")):
        policy = load_policy(path, REGISTRIES)
        assert policy.id == path.stem  # one id everywhere: the file is named for it


def test_a_policy_is_in_force_between_its_dates_inclusive(write):
    policy = load_policy(write("p.yaml", GOOD), REGISTRIES)
    assert policy.in_force(dt.date(2022, 1, 1)) and policy.in_force(dt.date(2022, 12, 31))
    assert not policy.in_force(dt.date(2021, 12, 31)) and not policy.in_force(dt.date(2023, 1, 1))
    matcher = Matcher([policy])
    assert matcher.evaluate(Table({}), "person", dt.date(2023, 1, 1)) == []


def test_bad_expression_is_located_by_line_and_column(write):
    path = write("p.yaml", GOOD.replace('registration == "local"', 'registraton == "local"'))
    with pytest.raises(UserError) as info:
        load_policy(path, REGISTRIES)
    [p] = info.value.problems
    assert (p.file, p.line, p.key) == (str(path), 8, "eligible")
    assert p.column == len("eligible: age(birth_date) >= 80 and ") + 1
    assert p.hint == "did you mean 'registration'?"


def test_unknown_code_and_dates_out_of_order(write):
    text = GOOD.replace('"local"', '"locall"').replace(
        "valid_to: 2022-12-31", "valid_to: 2021-01-01"
    )
    with pytest.raises(UserError) as info:
        load_policy(write("p.yaml", text), REGISTRIES)
    assert "valid_to is before valid_from" in str(info.value)


def test_policy_ids_are_unique_in_a_matcher(write):
    policy = load_policy(write("p.yaml", GOOD), REGISTRIES)
    with pytest.raises(ValueError, match="repeated: elderly-care"):
        Matcher([policy, policy])


TIERED = GOOD.replace(
    'amount: "200"',
    """parameters:
  second_step: {unit: years, values: {2022-01-01: 90, 2022-07-01: 95}}
  top_amount: {unit: yuan, values: {2022-01-01: 300, 2022-07-01: 400}}
amount: "tiers(age(birth_date), {80: 100, second_step: top_amount})\"""",
)


def test_tiers_take_parameters_as_thresholds_and_values_on_each_date(write):
    policy = load_policy(write("p.yaml", TIERED), REGISTRIES)
    born = np.array([1930 - 1970, 1927 - 1970]) * 365.25  # aged 92 and 95 in mid-2022
    library = {"birth_date": born.astype(np.int32), "registration": np.zeros(2, np.int16)}
    local = REGISTRIES["person"].fields["registration"].codes.index("local")
    library["registration"][:] = local
    table = Table(library)
    before, after = (Matcher([policy]).evaluate(table, "person", dt.date(2022, m, 15))[0]
                     for m in (6, 9))  # fmt: skip
    assert before.amount.tolist() == [300.0, 300.0]  # both past the second step at 90
    assert after.amount.tolist() == [100.0, 400.0]  # the step moved to 95, its amount to 400


def test_tier_thresholds_set_by_parameters_must_rise_on_every_date(write):
    text = TIERED.replace("2022-07-01: 95}", "2022-07-01: 75}")
    with pytest.raises(UserError) as info:
        load_policy(write("p.yaml", text), REGISTRIES)
    [p] = info.value.problems
    assert p.key == "amount" and "do not increase on 2022-07-01: 80, 75" in p.message


def test_a_parameter_may_not_take_the_name_of_the_evaluation_date(write):
    text = GOOD.replace(
        'amount: "200"', 'parameters:\n  today: {values: {2022-01-01: 1}}\namount: "200"'
    )
    with pytest.raises(UserError) as info:
        load_policy(write("p.yaml", text), REGISTRIES)
    assert "'today' is the evaluation date" in str(info.value)


def test_tier_thresholds_are_checked_only_while_the_policy_is_in_force(write):
    text = TIERED.replace("2022-07-01: 95}", "2022-07-01: 95, 2030-01-01: 70}")
    assert load_policy(write("p.yaml", text), REGISTRIES).id == "elderly-care"  # ends 2022
