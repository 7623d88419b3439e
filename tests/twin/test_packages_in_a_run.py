"""A package of policies in a run: the platform pays one rent subsidy per resident, the highest,
and truth owes the same; without the package the same residents are paid several."""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

import twin
from tests.conftest import SCENARIOS

HOUSING = SCENARIOS / "packages/talent-housing.yaml"
RENT = ["talent-rent-subsidy", "graduate-rent-subsidy", "new-resident-rent-subsidy"]
POLICIES = [str(SCENARIOS / f"policies/{p}.yaml") for p in ["talent-home-purchase-subsidy", *RENT]]
BASE = {"duration": "20d", "city.scale": 0.002, "sensing.enabled": False,
        "policies": POLICIES, "start": "2022-03-01",
        "policy_delivery": {p: "auto" for p in RENT}}  # fmt: skip


def run(packages):
    return twin.run(twin.load_scenario(SCENARIOS / "library.yaml", {**BASE, "packages": packages}))


def paid_per_resident(table, policies) -> np.ndarray:
    """How many of ``policies`` matched each resident (who got any)."""
    rows = table.filter(pc.is_in(table["policy_id"], value_set=pa.array(policies)))
    _, counts = np.unique(rows["entity"].to_numpy(), return_counts=True)
    return counts


@pytest.fixture(scope="module")
def runs():
    return run([]), run([str(HOUSING)])


def test_with_the_package_no_resident_gets_two_rent_subsidies(runs):
    without, held = runs
    assert paid_per_resident(without.tables["matches"], RENT).max() >= 2  # the case exists
    assert paid_per_resident(held.tables["matches"], RENT).max() == 1


def test_truth_owes_one_rent_subsidy_each_too(runs):
    _, held = runs
    truth = held.tables["truth"]
    assert paid_per_resident(truth, RENT).max() == 1
    # and the platform pays whom truth says about as well as without the package
    error = [r.summary["metrics"]["inclusion_error"]["value"] for r in runs]
    assert error[1] <= error[0] + 0.02


def test_explain_shows_what_the_package_did_to_a_resident(runs):
    from twin.runs.explain import explain_in_scenario

    without, _ = runs
    m = without.tables["matches"]
    entity, policy = m["entity"].to_numpy(), np.array(m["policy_id"].to_pylist())
    rent = np.isin(policy, RENT)
    rows, counts = np.unique(entity[rent], return_counts=True)
    scenario = twin.load_scenario(SCENARIOS / "library.yaml", {**BASE, "packages": [str(HOUSING)]})
    told = [explain_in_scenario(scenario, RENT[1], int(e)).render() for e in rows[counts >= 2]]
    shown = [t for t in told if "held to its packages" in t]
    assert shown, "some resident matched twice without the package is explained with it"
    assert "not cumulative: the highest amount is paid" in shown[0]


def test_a_scenario_naming_a_package_of_missing_policies_is_refused_with_its_line():
    from datafiles import UserError
    from twin.scenario.inputs import load_inputs

    overrides = {**BASE, "policies": POLICIES[:2], "packages": [str(HOUSING)],
                 "policy_delivery": {}}  # fmt: skip
    scenario = twin.load_scenario(SCENARIOS / "library.yaml", overrides)
    with pytest.raises(UserError) as err:
        load_inputs(scenario)
    where = [(p.key, p.line) for p in err.value.problems]
    assert where == [("policies[2]", 14), ("policies[3]", 15)]


def test_decisions_on_noticed_rows_alone_keep_to_the_package():
    """A monthly sweep with event notices decides a few residents between sweeps: the package
    reads their own grants, not those of the rows at the same places in a small table."""
    overrides = {**BASE, "packages": [str(HOUSING)], "duration": "70d",
                 "matching.sweep_every": "30d", "matching.on_events": True}  # fmt: skip
    result = twin.run(twin.load_scenario(SCENARIOS / "library.yaml", overrides))
    assert paid_per_resident(result.tables["matches"], RENT).max() == 1


def test_every_payment_is_held_to_the_package_whatever_its_route():
    """Over 60 days with reviewers to spare, some residents wait in review for two rent
    subsidies at once: both may be approved, but the second payment finds the first granted
    and is not made - nobody is paid two."""
    overrides = {**BASE, "packages": [str(HOUSING)], "duration": "60d", "approval.reviewers": 50}
    result = twin.run(twin.load_scenario(SCENARIOS / "library.yaml", overrides))
    matches = result.tables["matches"]
    assert "review" in set(matches["delivery"].to_pylist())  # reviews approved some
    payments = result.tables["payments"]
    paid = payments.filter(pc.equal(payments["status"], "paid"))
    assert paid_per_resident(paid, RENT).max() == 1
