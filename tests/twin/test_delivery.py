"""Delivery as the platform runs it: pushes repeat on a schedule and reach people without a
smartphone by the channels that exist for them; pushed policies keep media and word of mouth;
some who are not owed a policy claim it, and the money they get counts against precision."""

import numpy as np
import pyarrow.compute as pc
import pytest

import twin
from tests.conftest import SCENARIOS
from twin.runs.runner import build_model
from twin.scoring.policies import truly_eligible_at

SANDBOX = SCENARIOS / "policy-sandbox.yaml"
PID = "elderly-care-allowance"
BASE = {"duration": "30d", "city.scale": 0.001}


def run(**overrides):
    return twin.run(twin.load_scenario(SANDBOX, {**BASE, **overrides}))


def pushed_and_confirmed_without_a_smartphone(result) -> int:
    matches = result.tables["matches"]
    by_push = matches.filter(pc.equal(matches["delivery"], "push"))["entity"].to_numpy()
    actions = result.tables["actions"]
    confirmed = actions.filter(pc.equal(actions["action"], "confirm"))["entity"].to_numpy()
    smartphone = result.tables["persons"]["smartphone"].to_numpy(zero_copy_only=False)
    return int((~smartphone[np.intersect1d(by_push, confirmed)]).sum())


@pytest.mark.parametrize("channels", [0.0, 0.5])
def test_pushes_reach_people_without_a_smartphone_only_through_their_channels(channels):
    quiet = {"behaviour.media_per_day": 0.0, "behaviour.word_of_mouth_per_day": 0.0}
    offline = {f"pushes.{k}": channels for k in ("sms_read", "family_relay", "visit")}
    result = run(policy_delivery={PID: "push"}, **quiet, **offline)
    reached = pushed_and_confirmed_without_a_smartphone(result)
    assert (reached > 0) if channels else (reached == 0)


def test_reminders_follow_the_schedule_up_to_its_cap():
    scenario = twin.load_scenario(
        SANDBOX, {**BASE, "policy_delivery": {PID: "push"}, "pushes.reminders": 3}
    )
    model = build_model(scenario)
    model.run()
    office = model.offices[PID]
    pushed, acted = office.state.dense("pushed"), office.state.dense("acted")
    sent = office.state.dense("pushes_sent")[pushed]
    # a week apart over 30 days: the first push and up to three reminders, fewer for those
    # who confirmed or were matched late
    assert sent.max() == 4 and sent.min() >= 1
    assert (sent[acted[pushed]] <= sent.max()).all()
    assert (sent[~acted[pushed]] > 1).any()


def test_a_pushed_policy_keeps_media_and_word_of_mouth():
    heard = run(policy_delivery={PID: "push"}).metric("awareness", PID)
    silent = run(
        policy_delivery={PID: "push"},
        **{"behaviour.media_per_day": 0.0, "behaviour.word_of_mouth_per_day": 0.0},
    ).metric("awareness", PID)
    assert heard > silent


def test_some_who_are_not_owed_it_apply_and_precision_measures_what_they_got():
    apply = {"policy_delivery": {PID: "apply"}}
    honest = run(**apply, **{"behaviour.false_claim_share": 0.0})
    claims = run(**apply, **{"behaviour.false_claim_share": 0.3})
    for result, any_false in ((honest, False), (claims, True)):
        apps = result.tables["applications"]
        false = int((~truly_eligible_at(result.tables, apps, "applied_at")).sum())
        assert (false > 0) == any_false
    assert honest.metric("precision", PID) == 1.0
    assert claims.metric("precision", PID) < 1.0
