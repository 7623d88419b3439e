"""The seed's reach figures, computed from hand-made tables whose answers are counted by hand
(docs/reach.md)."""

import datetime as dt
from types import SimpleNamespace

import numpy as np
import pyarrow as pa
import pytest

from agents.visits import Visits
from twin.core.units import DAY
from twin.scoring.reach import at_ningbo, month_ends, reach

START = dt.date(2022, 5, 30)  # two days of May, all of June, one day of July
DAYS = 33


def _tables() -> dict[str, pa.Table]:
    policies = pa.table(
        {
            "policy_id": ["firm-aid", "elder-aid", "late-aid"],
            "target": ["enterprise", "person", "person"],
            "valid_from": [dt.date(2022, 1, 1), dt.date(2022, 1, 1), dt.date(2022, 6, 15)],
            "valid_to": [dt.date(2022, 6, 30), None, None],
        }
    )
    payments = pa.table(
        {
            "policy_id": [
                "firm-aid",
                "firm-aid",
                "elder-aid",
                "elder-aid",
                "late-aid",
                "elder-aid",
            ],
            "entity": [7, 7, 3, 4, 3, 5],
            "amount_fen": [100_00, 50_00, 20_00, 20_00, 30_00, 99_00],
            "settled_at": [0.5 * DAY, 10 * DAY, 1.5 * DAY, 20 * DAY, 25 * DAY, 5 * DAY],
            "status": ["paid", "paid", "paid", "paid", "paid", "returned"],
        }
    )
    actions = pa.table(
        {
            "at": [0.1 * DAY, 3 * DAY, 3.5 * DAY, 4 * DAY, 32.5 * DAY],
            "action": ["confirm", "evidence", "gave up", "apply", "apply"],
        }
    )
    calls = pa.table({"arrived": [2 * DAY, 31.2 * DAY]})
    awareness = pa.table({"aware_since_day": [0.0, 0.0, 1.0, 2.0, 32.0]})
    return {
        "policies": policies,
        "payments": payments,
        "actions": actions,
        "calls": calls,
        "awareness": awareness,
    }


def _scenario(visits: Visits | None = None) -> SimpleNamespace:
    return SimpleNamespace(start=START, days=DAYS, visits=visits or Visits())


def test_month_ends_close_each_calendar_month_and_the_run():
    assert month_ends(START, DAYS).tolist() == [1, 31, 32]  # 31 May, 30 June, 1 July
    assert month_ends(dt.date(2022, 6, 1), 30).tolist() == [29]


def test_reach_counts_distinct_entities_money_policies_and_visits_to_each_month_end():
    table = reach(_tables(), _scenario()).to_pylist()
    assert [r["date"] for r in table] == [dt.date(2022, 5, 31), dt.date(2022, 6, 30),
                                         dt.date(2022, 7, 1)]  # fmt: skip
    # put online by each day, the expired firm-aid (to 30 June) still counted
    assert [r["policies_online"] for r in table] == [2, 3, 3]
    assert [r["enterprises_paid"] for r in table] == [1, 1, 1]  # firm 7 twice is one firm
    # person 3 on day 1 (and again by late-aid), person 4 on day 20; person 5's money bounced
    assert [r["persons_paid"] for r in table] == [1, 2, 2]
    assert [r["money_paid_yuan"] for r in table] == [120.0, 220.0, 220.0]
    # default weights: query, confirm, payment, call 1 each; application 2; evidence 0
    # May (days 0-1): queries 3, confirm 1, payments 2 -> 6
    # June (days 2-31): query 1, calls 2 (days 2 and 31), evidence 0, application 2,
    # payments 3 -> 6 + 8 = 14; 1 July (day 32): query 1, application 2 -> 17
    assert [r["visits"] for r in table] == [6.0, 14.0, 17.0]


def test_visits_follow_their_weights():
    only_applications = Visits(
        per_query=0, per_confirm=0, per_application=3, per_payment=0, per_consultation=0
    )
    table = reach(_tables(), _scenario(only_applications)).to_pylist()
    assert [r["visits"] for r in table] == [0.0, 3.0, 6.0]
    with_evidence = Visits(per_query=0, per_confirm=0, per_application=0, per_evidence=1,
                           per_payment=0, per_consultation=0)  # fmt: skip
    assert reach(_tables(), _scenario(with_evidence))["visits"].to_pylist() == [0.0, 2.0, 2.0]


def test_a_run_with_nobody_paid_reaches_nobody():
    tables = _tables()
    tables["payments"] = tables["payments"].slice(0, 0)
    last = reach(tables, _scenario()).to_pylist()[-1]
    assert (last["enterprises_paid"], last["persons_paid"], last["money_paid_yuan"]) == (0, 0, 0)


def test_at_ningbo_scales_people_money_and_visits_but_not_policies():
    row = {"date": START, "policies_online": 3, "enterprises_paid": 2, "persons_paid": 5,
           "money_paid_yuan": 100.0, "visits": 10.0}  # fmt: skip
    scaled = at_ningbo(row, 0.01)
    assert scaled["policies_online"] == 3
    assert scaled["persons_paid"] == pytest.approx(500)
    assert scaled["money_paid_yuan"] == pytest.approx(10_000)
    assert np.isclose(scaled["visits"], 1000)
