"""Recurring policies (docs/policy-language.md, "Payment schedules"): paid once per period while
the platform still finds a beneficiary eligible, at most ``periods`` times, each period under its
own idempotency key in the ledger; a policy paid once is paid once."""

import datetime as dt
from collections import Counter

import numpy as np
import pytest
import yaml

import twin
from agents.platform_decision import PlatformDecision
from matching.policy import Schedule
from tests.conftest import SCENARIOS, SKELETON
from twin.cli import main
from twin.runs.runner import build_model

RELIEF = SCENARIOS / "policies" / "sme-relief.yaml"


def _policy(tmp_path, schedule: dict | None) -> str:
    data = yaml.safe_load(RELIEF.read_text())
    data["delivery"] = "auto"
    data.pop("budget")
    if schedule is not None:
        data["schedule"] = schedule
    path = tmp_path / "relief.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return str(path)


def _model(tmp_path, schedule: dict | None, days: str = "70d"):
    scenario = twin.load_scenario(
        SKELETON,
        {"policies": [_policy(tmp_path, schedule)], "duration": days, "sensing.enabled": False},
    )
    model = build_model(scenario)
    model.run()
    return model


def test_schedule_periods_are_months_or_years_and_name_their_ledger_key():
    month, year, once = Schedule(every="month"), Schedule(every="year"), Schedule()
    assert month.index(dt.date(2022, 7, 31)) - month.index(dt.date(2022, 6, 1)) == 1
    assert month.index(dt.date(2023, 1, 1)) - month.index(dt.date(2022, 12, 31)) == 1
    assert year.index(dt.date(2023, 1, 1)) - year.index(dt.date(2022, 12, 31)) == 1
    assert once.index(dt.date(2022, 1, 1)) == once.index(dt.date(2030, 1, 1))
    assert [s.label(dt.date(2022, 6, 5)) for s in (month, year, once)] == ["2022-06", "2022", "run"]


def test_a_monthly_policy_pays_each_month_up_to_its_limit_under_a_key_per_month(tmp_path):
    model = _model(tmp_path, {"every": "month", "periods": 2})  # 1 June to 9 August
    payments = model.tables()["payments"]
    per_firm = Counter(payments["entity"].to_pylist())
    assert per_firm and max(per_firm.values()) == 2  # June and July, never August
    first_month = [e for e, n in per_firm.items() if n == 2]
    assert len(first_month) > 0.5 * len(per_firm)  # most were matched in June
    ledger = model.policies.ledger
    for row in first_month[:20]:
        for period in ("2022-06", "2022-07"):
            assert ledger.seen(("paid", ("sme-relief", period, f"enterprise:{row}")))
        assert not ledger.seen(("paid", ("sme-relief", "2022-08", f"enterprise:{row}")))
    settled = payments["settled_at"].to_numpy()
    assert (np.sort(settled)[-1] - np.sort(settled)[0]) > 30 * 86400  # paid over two months
    assert ledger.total() == 0  # every fen booked twice, debit and credit


def test_without_a_limit_a_monthly_policy_pays_while_eligible(tmp_path):
    model = _model(tmp_path, {"every": "month"}, days="95d")  # June, July, August, September
    per_firm = Counter(model.tables()["payments"]["entity"].to_pylist())
    assert max(per_firm.values()) == 4


def test_a_one_off_policy_pays_each_beneficiary_once(tmp_path):
    model = _model(tmp_path, None)
    per_firm = Counter(model.tables()["payments"]["entity"].to_pylist())
    assert max(per_firm.values()) == 1


def test_those_the_platform_no_longer_finds_eligible_are_not_paid_again(tmp_path):
    model = _model(tmp_path, {"every": "month"}, days="20d")
    office = model.policies.offices["sme-relief"]
    periods_paid = office.state.dense("periods_paid")
    paid = np.flatnonzero(periods_paid > 0)
    assert len(paid) >= 4
    view = office.library_view
    keep = view.payable(view.eligible_rows)
    rows, amount = view.eligible_rows[keep], view.amount_yuan[keep]
    stop = paid[view.payable(paid)][:2]
    gone = np.isin(rows, stop)  # closed, moved away, grown too large
    office.library_view = PlatformDecision(rows[~gone], amount[~gone], view.review_rows)
    eligible = office.library_view.payable(paid)
    matches_before = len(model.policies.model.logs["matches"])
    office.pay_period(dt.date(2022, 7, 1))
    office.pay_period(dt.date(2022, 7, 15))  # the same period: nobody twice
    periods_paid = office.state.dense("periods_paid")
    assert (periods_paid[stop] == 1).all()
    assert (periods_paid[paid[eligible]] == 2).all()
    assert (periods_paid[paid[~eligible]] == 1).all()
    assert len(model.policies.model.logs["matches"]) - matches_before == eligible.sum()


@pytest.mark.parametrize(
    ("schedule", "says"),
    [
        ("{every: week}", "'once', 'month' or 'year'"),
        ("{every: month, periods: 0}", "periods"),
        ("{every: once, back_pay: true}", "recurring schedule"),
        ("{every: month, stop_when: 'employes > 3'}", "unknown field 'employes'"),
    ],
)
def test_a_schedule_that_cannot_be_is_refused_located(schedule, says, tmp_path, capsys):
    text = RELIEF.read_text() + f"schedule: {schedule}\n"
    path = tmp_path / "policies" / "relief.yaml"
    path.parent.mkdir()
    path.write_text(text)
    assert main(["policy", "check", str(path), "--fields", str(SCENARIOS / "fields")]) == 2
    err = capsys.readouterr().err
    assert "relief.yaml:" in err and "schedule" in err and says in err, err


def test_back_pay_pays_each_month_since_the_policys_first_on_the_first_payment(tmp_path):
    # the relief starts on 1 April; the run on 1 June: a firm first paid in June is owed three
    model = _model(tmp_path, {"every": "month", "back_pay": True}, days="20d")
    ledger, payments = model.policies.ledger, model.tables()["payments"]
    per_firm = Counter(payments["entity"].to_pylist())
    assert per_firm and set(per_firm.values()) == {3}
    for row in list(per_firm)[:20]:
        for period in ("2022-04", "2022-05", "2022-06"):
            assert ledger.seen(("paid", ("sme-relief", period, f"enterprise:{row}")))
    capped = _model(tmp_path, {"every": "month", "back_pay": True, "periods": 2}, days="45d")
    counts = Counter(capped.tables()["payments"]["entity"].to_pylist())
    assert set(counts.values()) == {2}  # April and May, the earliest first; never June or July


def test_a_stop_rule_ends_the_payments_for_good_though_the_firm_stays_eligible(tmp_path):
    scenario = twin.load_scenario(SKELETON, {
        "policies": [_policy(tmp_path, {"every": "month", "stop_when": "employees >= 10"})],
        "duration": "45d", "sensing.enabled": False,
    })  # fmt: skip
    model = build_model(scenario)
    office = model.policies.offices["sme-relief"]
    library, rule, seen = model.policies.libraries["enterprise"], office.stops, []

    def stops(rows, on):  # what the platform's records read when the rule is checked
        ended = rule(rows, on)
        known = library.known["employees"][rows]  # an unknown headcount stops nobody
        seen.append((on, rows, ended, np.where(known, library.values["employees"][rows], 0)))
        return ended

    office.stops = stops
    model.run()
    # before each first payment (June), then on whoever is due July's payment from 1 July
    assert {on.month for on, *_ in seen} == {6, 7}
    assert min(on for on, *_ in seen if on.month == 7) == dt.date(2022, 7, 1)
    for _, _, ended, employees in seen:
        assert (ended == (employees >= 10)).all()
    stopped, paid = office.state.dense("stopped"), office.state.dense("periods_paid")
    ended_rows = np.concatenate([rows[ended] for _, rows, ended, _ in seen])
    assert len(ended_rows) and sorted(set(ended_rows.tolist())) == np.flatnonzero(stopped).tolist()
    assert (paid[stopped] <= 1).all()  # stopped before the first payment, or after June's
    assert (paid[stopped] == 0).mean() > 0.5  # most already had ten staff when first matched
    assert (paid[(paid > 0) & ~stopped] == 2).mean() > 0.5  # the rest paid June and July
