"""Policies delivered on application: people hear, decide, gather evidence and apply."""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

import twin
from agents.decisions import act_rate, rush
from tests.conftest import SCENARIOS
from twin.scoring.policies import truly_eligible_at


@pytest.fixture(scope="module")
def result():
    scenario = twin.load_scenario(
        SCENARIOS / "library.yaml",
        {"city.scale": 0.001, "duration": "40d", "sensing.enabled": False},
    )
    return twin.run(scenario)


def test_applications_are_checked_against_the_library(result):
    apps = result.tables["applications"]
    outcomes = set(apps["outcome"].to_pylist())
    assert apps.num_rows > 100 and {"paid", "rejected"} <= outcomes
    paid_apps = apps.filter(pc.equal(apps["outcome"], "paid"))
    matches = result.tables["matches"]
    applied = matches.filter(pc.equal(matches["delivery"], "apply"))
    assert applied.num_rows == paid_apps.num_rows


def test_false_claimants_apply_and_are_mostly_caught_by_the_library(result):
    apps = result.tables["applications"]
    truly = truly_eligible_at(result.tables, apps, "applied_at")
    false_claims = apps.filter(pa.array(~truly))
    assert false_claims.num_rows > 0
    caught = pc.sum(pc.equal(false_claims["outcome"], "rejected")).as_py()
    assert caught / false_claims.num_rows > 0.5


def test_nobody_applies_twice_for_one_policy(result):
    apps = result.tables["applications"]
    keys = list(zip(apps["policy_id"].to_pylist(), apps["entity"].to_pylist(), strict=True))
    assert len(keys) == len(set(keys))


@pytest.fixture(scope="module")
def lived():
    """A run across July 1st: a month of life events, and offices learning who is owed."""
    scenario = twin.load_scenario(
        SCENARIOS / "library.yaml",
        {
            "city.scale": 0.001,
            "duration": "45d",
            "life.arriving_graduates_per_year": 0.2,
            "sensing.enabled": False,
        },
    )
    model = twin.build_model(scenario)
    model.run()
    return model


def test_newcomers_are_born_arrive_and_found_firms_and_the_platform_registers_them(lived):
    model = lived
    people, city = model.population["person"], model.city
    [month] = model.life_reports  # the run crosses July 1st once
    assert month.births + month.arrivals > 0 and month.entries > 0
    newcomers = np.arange(city.residents, model.reserve.next_person)
    assert people.alive[newcomers].all()
    assert model.libraries["person"].registered[newcomers].mean() > 0.5  # 7-day lag, 14 days on
    assert not people.alive[model.reserve.next_person :].any()
    graduates = model.offices["graduate-living-subsidy"]
    assert graduates.state.dense("truly_eligible")[newcomers].any()  # arriving graduates qualify


def test_each_office_keeps_the_rate_of_acting_its_state_gives_today(lived):
    """What an office keeps of each member's rate of acting between days is what act_rate
    computes from what it holds at the end of the run, for every office whose kept part is
    still current - after the offices learnt who else is owed what."""
    model, checked = lived, 0
    b = model.params.behaviour
    for office in model.offices.values():
        aw, c = office.awareness, office.state.columns
        at = office.state.positions(aw.members)
        benefit = np.where(c["false_claim"][at], office._typical_amount(), c["true_amount"][at])
        literacy, distrust = office.people.literacy[aw.members], office.people.distrust[aw.members]
        for effort, (key, kept) in office._denominators.items():
            if key != (len(aw.members), office._benefits):
                continue  # stale: computed again before its next use
            want = act_rate(benefit, effort, literacy, distrust, 30.0, b)
            assert np.array_equal(b.act_per_day * rush(30.0, b) / kept, want), office.policy_id
            checked += 1
    assert checked > 10 and sum(o._benefits for o in model.offices.values()) > 0


def test_the_offices_of_one_target_share_what_their_people_are_like(lived):
    """One table per target, not an array over the whole population per policy."""
    by_target: dict[str, set[int]] = {}
    for office in lived.offices.values():
        by_target.setdefault(office.target, set()).add(id(office.people))
    assert {t: len(ids) for t, ids in by_target.items()} == {"person": 1, "enterprise": 1}
