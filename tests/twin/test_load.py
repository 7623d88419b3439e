"""Load where it happens, on hand-computed cases: per township, per district, and the
hardest-hit township named."""

from types import SimpleNamespace

import numpy as np
import pyarrow as pa
import pytest

from agents.maintenance import Maintenance
from agents.townships import Response
from twin.core.units import DAY, HOUR
from twin.scoring.load import local_load

NAN = np.nan


def tables():
    # township 0: one day worker and one duty worker; township 1: one duty worker only
    workers = pa.table({"township": [0, 0, 1], "community": [5, -1, -1]})
    jobs = pa.table(
        {
            "township": [0, 0, 0, 1],
            "worker": [0, 0, 1, 2],
            "fired_at": [9 * HOUR, 9 * HOUR, 23 * HOUR, 10 * HOUR],
            "classified_at": [9 * HOUR + 60, 9 * HOUR + 120, 23 * HOUR + 60, 10 * HOUR + 60],
            "started_at": [9 * HOUR + 60, 9 * HOUR + 1_860, 23 * HOUR + 60, 10 * HOUR + 60],
            "on_site_at": [9 * HOUR + 600, 9 * HOUR + 2_400, NAN, 10 * HOUR + 600],
        }
    )
    repairs = pa.table(
        {
            "district": [0, 0, 0],
            "received_at": [1 * HOUR, 9 * HOUR, 9 * HOUR],
            "started_at": [8 * HOUR, 9 * HOUR, NAN],
            "on_site_at": [8 * HOUR + 2_700, NAN, NAN],
            "outcome": ["cell down", "closed before visit", "open"],
        }
    )
    return {
        "workers": workers,
        "jobs": jobs,
        "repairs": repairs,
        "technicians": pa.table({"district": [0, 1], "technicians": [2, 1]}),
    }


SCENARIO = SimpleNamespace(
    duration=DAY,
    response=Response(day_shift=(8 * HOUR, 20 * HOUR)),
    maintenance=Maintenance(shift=(8 * HOUR, 18 * HOUR)),
)


def test_each_townships_load_is_its_events_over_its_own_workers_on_duty():
    headline, towns, _ = local_load(tables(), SCENARIO)
    # township 0: 72 day slots for the day worker + 144 for the duty worker = 216 slots
    t0 = towns["0"]
    assert t0["workers"] == 2 and t0["events"] == 3
    assert t0["events_per_worker_10min"] == pytest.approx(3 / 216)
    assert t0["peak_events_per_worker_10min"] == pytest.approx(2 / 2)  # two in 09:00-09:10
    assert t0["worker_wait_p95"] == pytest.approx(np.quantile([0, 1_740, 0], 0.95))
    # township 1: one event, one duty worker on duty all day (144 slots)
    assert towns["1"]["events_per_worker_10min"] == pytest.approx(1 / 144)
    assert headline["hardest_hit_township"] == 0
    assert headline["hardest_hit_events_per_worker_10min"] == pytest.approx(3 / 216)
    assert headline["hardest_hit_peak_per_worker_10min"] == pytest.approx(1.0)


def test_of_townships_tied_on_load_the_one_whose_events_waited_longest_is_hardest_hit():
    t = tables()
    # township 2: a copy of township 0's workers and events, waits included; township 0's
    # own events now start as soon as they are classified
    jobs = t["jobs"].to_pydict()
    extra = {k: v[:3] for k, v in jobs.items()}
    extra["township"], extra["worker"] = [2, 2, 2], [3, 3, 4]
    jobs["started_at"][:3] = jobs["classified_at"][:3]
    t["jobs"] = pa.table({k: jobs[k] + extra[k] for k in jobs})
    t["workers"] = pa.table({"township": [0, 0, 1, 2, 2], "community": [5, -1, -1, 6, -1]})
    headline, towns, _ = local_load(t, SCENARIO)
    assert towns["2"]["events_per_worker_10min"] == towns["0"]["events_per_worker_10min"]
    assert towns["0"]["worker_wait_p95"] == 0 < towns["2"]["worker_wait_p95"]
    assert headline["hardest_hit_township"] == 2


def test_the_crews_load_counts_visits_made_over_technicians_on_shift():
    headline, _, districts = local_load(tables(), SCENARIO)
    d0 = districts["0"]
    # 2 technicians x 60 shift slots; one visit made (the others closed or open)
    assert d0 == {
        "technicians": 2,
        "visits": 3,
        "visits_per_technician_10min": pytest.approx(1 / 120),
        "wasted_visits": 1,
        "visit_wait_p95": pytest.approx(np.quantile([7 * HOUR, 0.0], 0.95)),
    }
    assert "1" not in districts  # no visits there
    assert headline["maintenance_visits"] == 3 and headline["wasted_visits"] == 1
    assert headline["batteries_replaced"] == 0
