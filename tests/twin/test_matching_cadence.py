"""When the platform decides: sweeps of the whole library, and event notices that decide the
entities a life event concerned the same day."""

import numpy as np
import pyarrow.compute as pc
import pytest

import twin
from agents.libraries import DataQuality, Library
from agents.platform_decision import PlatformDecision
from datafiles import UserError
from tests.conftest import SCENARIOS
from twin.core.units import DAY

IDS = ["older-worker-reemployment", "job-seeking-subsidy", "startup-rent-subsidy"]
BASE = {"duration": "75d", "city.scale": 0.005, "sensing.enabled": False, "start": "2022-06-20",
        "policies": [str(SCENARIOS / f"policies/{p}.yaml") for p in IDS],
        "policy_delivery": {p: "auto" for p in IDS}}  # fmt: skip


def run(sweep: str, events: bool):
    overrides = {**BASE, "matching.sweep_every": sweep, "matching.on_events": events}
    return twin.run(twin.load_scenario(SCENARIOS / "library.yaml", overrides))


@pytest.fixture(scope="module")
def monthly():
    return run("30d", False), run("30d", True)


def metric(result, name: str) -> float:
    return result.summary["metrics"][name]["value"]


def test_between_sweeps_the_platform_pays_nobody_new(monthly):
    quiet, _ = monthly
    m = quiet.tables["matches"]
    auto = m.filter(pc.equal(m["delivery"], "auto"))["matched_at"].to_numpy()
    assert len(auto) and set(np.unique(auto // DAY % 30)) == {0}


def test_event_notices_pay_the_newly_eligible_within_days_not_weeks(monthly):
    quiet, noticed = monthly
    slow = metric(quiet, "time_to_money_from_eligible_p95")
    fast = metric(noticed, "time_to_money_from_eligible_p95")
    assert fast < 7 * DAY < 30 * DAY < slow
    assert metric(noticed, "coverage") > metric(quiet, "coverage") + 0.1


def test_a_decision_on_a_few_rows_replaces_only_theirs():
    old = PlatformDecision(np.array([1, 4, 6]), np.array([10.0, 40, 60]), np.array([2, 5]))
    new = PlatformDecision(np.array([2]), np.array([20.0]), np.array([4]))
    merged = old.replaced(np.array([2, 4]), new)
    assert merged.eligible_rows.tolist() == [1, 2, 6]
    assert merged.amount_yuan.tolist() == [10.0, 20.0, 60.0]
    assert merged.review_rows.tolist() == [4, 5]


def test_a_notice_brings_the_record_up_to_date_at_once():
    truth = {"income": np.array([1.0, 2.0, 3.0])}
    rng = np.random.default_rng(0)
    lib = Library(truth, DataQuality(1.0, 0.0, 1e9), rng=rng, registered=np.array([1, 1, 0], bool))
    assert not lib.known["income"].any()
    truth["income"][:] = [5.0, 6.0, 7.0]
    lib.take_notice(truth, np.array([1, 2]), exists=np.ones(3, bool))
    assert lib.known["income"].tolist() == [False, True, True]
    assert lib.values["income"][1:].tolist() == [6.0, 7.0] and lib.registered.all()


@pytest.mark.parametrize(("value", "message"), [("36h", "whole days"), ("0d", "greater than")])
def test_a_sweep_of_part_of_a_day_is_refused(value, message):
    with pytest.raises(UserError, match=message):
        twin.load_scenario(SCENARIOS / "library.yaml", {"matching.sweep_every": value})
