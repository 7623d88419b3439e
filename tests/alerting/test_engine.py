"""The alert state machine, walked on a synthetic clock one evaluation at a time."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alerting import AlertEngine, Rule
from alerting.engine import FIRING, INACTIVE, PENDING

STEP = 60.0


def rule(condition="value > 20", for_="3m", device_type="gas"):
    return Rule.model_validate(
        {"alert": "GasHigh", "device_type": device_type, "condition": condition, "for": for_}
    )


def walk(values: str, for_: str = "3m") -> list[tuple[int, str]]:
    """Feed one device a sample per minute ('_' = no sample); return (state, events) per step."""
    engine = AlertEngine([rule(for_=for_)], ["gas"], lookback=STEP)
    out = []
    for i, v in enumerate(values.split()):
        t = i * STEP
        if v != "_":
            engine.ingest(np.array([0]), np.array([t]), np.array([float(v)]))
        tr = engine.tick(t)
        out.append((int(engine._state[0, 0]), ",".join(tr.kind.tolist())))
    return out


IN, PE, FI = int(INACTIVE), int(PENDING), int(FIRING)


def test_fires_at_the_first_evaluation_where_held_for_at_least_for_inclusive():
    assert walk("1 25 25 25 25 25") == [
        (IN, ""),
        (PE, ""),
        (PE, ""),
        (PE, ""),
        (FI, "fired"),
        (FI, ""),
    ]


def test_pending_that_stops_is_dropped_without_a_resolved_event():
    assert walk("25 25 1 25") == [(PE, ""), (PE, ""), (IN, ""), (PE, "")]


def test_firing_that_stops_resolves():
    assert walk("25 25 25 25 1 1") == [
        (PE, ""),
        (PE, ""),
        (PE, ""),
        (FI, "fired"),
        (IN, "resolved"),
        (IN, ""),
    ]


def test_for_zero_fires_at_once():
    assert walk("1 25 1", for_="0s") == [(IN, ""), (FI, "fired"), (IN, "resolved")]


def test_threshold_boundary_is_strict_for_greater_than():
    assert walk("20 20 20 20 20") == [(IN, "")] * 5


def test_a_sample_older_than_the_lookback_no_longer_counts():
    # one sample at t=0, then silence: fresh at t=0 and t=60 (age 60 <= lookback), stale after
    assert walk("25 _ _", for_="0s") == [(FI, "fired"), (FI, ""), (IN, "resolved")]


def test_devices_of_other_types_are_never_selected():
    engine = AlertEngine([rule()], ["water", "gas"])
    engine.ingest(np.array([0, 1]), np.array([0.0, 0.0]), np.array([99.0, 99.0]))
    engine.tick(0.0)
    assert engine._state[0].tolist() == [IN, PE]


def test_ingest_counts_bad_readings_and_keeps_the_newest_per_device():
    engine = AlertEngine([rule()], ["gas", "gas"])
    report = engine.ingest(
        np.array([0, 0, 1, 7, -1, 1]),
        np.array([5.0, 3.0, 1.0, 1, 1, 2]),
        np.array([30.0, 1.0, np.nan, 5, 5, 40.0]),
    )
    assert (report.accepted, report.unknown_device, report.not_a_number) == (3, 2, 1)
    assert engine._last_value.tolist() == [30.0, 40.0]
    engine.ingest(np.array([0]), np.array([4.0]), np.array([1.0]))  # late: older than t=5
    assert engine._last_value[0] == 30.0


def test_bad_conditions_are_rejected():
    with pytest.raises(ValueError, match="value OP number"):
        rule(condition="value > os.system('x')")


readings = st.lists(
    st.tuples(
        st.integers(0, 3), st.integers(0, 20), st.sampled_from([0.0, 10.0, 25.0, 30.0, np.nan])
    ),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(readings, st.randoms(use_true_random=False))
def test_the_same_readings_in_any_batches_give_the_same_transitions(rows, random):
    """Between two ticks, readings may arrive in any order and in any number of batches."""

    def run(split: bool) -> list:
        engine = AlertEngine([rule(for_="2m")], ["gas"] * 4, lookback=120.0)
        events = []
        for tick in range(0, 21, 2):
            due = [r for r in rows if tick - 2 < r[1] <= tick]
            if split:
                random.shuffle(due)
                cut = random.randint(0, len(due))
                batches = [due[:cut], due[cut:]]
            else:
                batches = [sorted(due)]
            for b in batches:
                if b:
                    d, t, v = map(np.array, zip(*b, strict=True))
                    engine.ingest(d, t * STEP, v)
            tr = engine.tick(tick * STEP)
            events += sorted(zip(tr.device.tolist(), tr.kind.tolist(), tr.at.tolist(), strict=True))
        return events

    assert run(split=False) == run(split=True)
