"""Time to money from eligibility, on hand-made tables: money that arrived before the truth
made someone eligible (a record ahead of the truth) waited nothing, never a negative time."""

import datetime as dt
from types import SimpleNamespace

import numpy as np
import pyarrow as pa

from twin.core.units import DAY
from twin.scoring.policies import policy_arrays


def test_a_payment_before_eligibility_waits_nothing_and_others_wait_from_eligibility():
    tables = {
        "policies": pa.table({"policy_id": ["rent"], "target": ["person"],
                              "valid_from": [dt.date(2022, 1, 1)], "valid_to": [None]}),
        "persons": pa.table({"x": [0, 0, 0]}),
        "truth": pa.table({"policy_id": ["rent", "rent"], "entity": [0, 1],
                           "since": [0.0, 10 * DAY], "amount_yuan": [100.0, 100.0]}),
        "matches": pa.table({"policy_id": ["rent", "rent"], "entity": [0, 1],
                             "amount_fen": [10_000, 10_000]}),
        "payments": pa.table({"policy_id": ["rent", "rent"], "entity": [0, 1],
                              "amount_fen": [10_000, 10_000], "status": ["paid", "paid"],
                              "settled_at": [2 * DAY, 4 * DAY], "matched_at": [DAY, DAY]}),
    }  # fmt: skip
    scenario = SimpleNamespace(start=dt.date(2022, 6, 1), duration=30 * DAY)
    wait = policy_arrays(tables, scenario)["rent"]["wait"]
    assert np.array_equal(wait, [2 * DAY, 0.0])  # entity 1 was paid 6 days before eligible
