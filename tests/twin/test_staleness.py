"""Data goes stale during the run: truth drifts (jobs, wages, homes, households, deaths,
moves), the libraries catch up at their lag, and matching acts on what they hold that day - so
a longer lag shows as both missed and wrongly paid people."""

import pytest

import twin
from tests.conftest import SCENARIOS, SKELETON
from twin.runs.compare import with_overrides

POLICIES = [
    "job-seeking-subsidy",
    "graduate-rent-subsidy",
    "older-worker-reemployment",
    "talent-home-purchase-subsidy",
    "elderly-alone-care-subsidy",
    "new-resident-rent-subsidy",
    "low-income-utility-subsidy",
]


def run(lag: str, **more):
    scenario = twin.load_scenario(SKELETON)
    clean = {  # the person library exact on day 0: every error arises during the run
        "policies": [str(SCENARIOS / "policies" / f"{p}.yaml") for p in POLICIES],
        "policy_delivery": dict.fromkeys(POLICIES, "auto"),
        "duration": "180d",
        "city.scale": 0.005,
        "sensing.enabled": False,
        "libraries.person.missing": 0.0,
        "libraries.person.stale": 0.0,
        "libraries.person.sources": {},
        "libraries.person.update_lag": lag,
    }
    return twin.run(with_overrides(scenario, {**clean, **more}, f"lag {lag}"))


@pytest.fixture(scope="module")
def short():
    return run("3d")


@pytest.fixture(scope="module")
def long():
    return run("90d")


def test_a_longer_lag_misses_more_of_the_eligible(short, long):
    assert short.metric("exclusion_error") < 0.05
    assert long.metric("exclusion_error") > short.metric("exclusion_error") + 0.05


def test_a_longer_lag_pays_more_people_who_were_never_eligible(short, long):
    """Fields are corrected one by one at their lag: a library that has learnt a graduate's
    new insurance months but not yet their new job matches a combination never true."""
    assert long.metric("inclusion_error") > 1.5 * short.metric("inclusion_error")
    assert long.metric("precision") < short.metric("precision") - 0.02


def test_without_drift_the_lag_costs_nothing():
    still = run("90d", **{"life.enabled": False})
    assert still.metric("inclusion_error") == 0.0
    assert still.metric("exclusion_error") < 0.01
