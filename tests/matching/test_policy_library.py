"""The policy library: every policy loads, and every test case its officers wrote passes."""

import pytest

from matching import load_policy, load_registry
from matching.policy_tests import run_policy_tests
from tests.conftest import SCENARIOS

REGISTRIES = {t: load_registry(SCENARIOS / f"fields/{t}.yaml") for t in ("person", "enterprise")}
FILES = sorted((SCENARIOS / "policies").glob("*.yaml"))


def test_the_library_has_at_least_thirty_policies_each_with_tests():
    assert len(FILES) >= 30
    for path in FILES:
        policy = load_policy(path, REGISTRIES)
        assert len(policy.spec.tests) >= 2, path.name
        outcomes = {t.output.eligible for t in policy.spec.tests}
        assert True in outcomes and False in outcomes, f"{path.name}: test both sides"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_policy_cases_pass(path):
    policy = load_policy(path, REGISTRIES)
    assert run_policy_tests(policy, REGISTRIES[policy.target]) == []


def test_a_wrong_expectation_is_reported_at_its_test(write):
    text = (
        (SCENARIOS / "policies/sme-relief.yaml").read_text().replace("amount: 2500", "amount: 2600")
    )
    policy = load_policy(write("sme-relief.yaml", text), REGISTRIES)
    [problem] = run_policy_tests(policy, REGISTRIES["enterprise"])
    assert problem.message.startswith("test failed: A micro firm of 5 staff")
    assert problem.expected == "amount: 2600" and problem.found == "amount: 2500"
    assert problem.line == 1 + text.splitlines().index(
        "- name: A micro firm of 5 staff with revenue of 1 million receives 2,500 yuan"
    )


def test_a_test_input_with_an_unknown_field_is_reported(write):
    text = (
        (SCENARIOS / "policies/sme-relief.yaml")
        .read_text()
        .replace("    employees: 5\n", "    employes: 5\n", 1)
    )
    policy = load_policy(write("sme-relief.yaml", text), REGISTRIES)
    [problem] = run_policy_tests(policy, REGISTRIES["enterprise"])
    assert "unknown field 'employes'" in problem.message
    assert problem.hint == "did you mean 'employees'?"
