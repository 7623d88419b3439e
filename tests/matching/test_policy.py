import datetime as dt

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
