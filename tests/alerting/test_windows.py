"""Conditions over a window of samples (avg_over, sum_over, max_over, min_over, count_over) and
rules held to hours of the day (during): hand cases, the reference, bad files."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from alerting import AlertEngine
from alerting.hours import within
from alerting.reference import ReferenceEngine
from tests.alerting.helpers import STEP, ruleset, walk


def test_avg_over_reads_every_sample_in_the_window_both_ends_included():
    """avg_over(3m) at minute k averages the samples of minutes k-3..k (four of them)."""
    rs = ruleset(condition="avg_over(3m) > 20")
    got = walk(rs, "30 30 0 0 30 30 30 0 0 0", lookback=STEP - 1)
    # averages: 30, 30, 20, 15, 15, 15, 22.5, 22.5, 15, 7.5
    assert got == [["fired"], [], ["resolved"], [], [], [], ["fired"], [], ["resolved"], []]


def test_sum_over_and_count_over_count_what_arrived():
    rs = ruleset(condition="sum_over(2m) >= 3")
    # sums 1, 2, 3, 2, 1, 2, 3, 3 (minute 7 sent nothing; 5 and 6 are still in), 1, none
    assert walk(rs, "1 1 1 0 0 2 1 _ _ _") == [
        [], [], ["fired"], ["resolved"], [], [], ["fired"], [], ["resolved"], []
    ]  # fmt: skip
    rs = ruleset(condition="count_over(2m) < 3")
    # counts 1, 2, 3, 2 (minute 0 left, nothing came), 2, 2, 3
    assert walk(rs, "1 1 1 _ 1 1 1") == [
        ["fired"], [], ["resolved"], ["fired"], [], [], ["resolved"]
    ]  # fmt: skip


def test_max_over_forgets_a_peak_once_it_leaves_the_window():
    rs = ruleset(condition="max_over(2m) > 20")
    assert walk(rs, "30 10 10 10 25 25 10 10 10") == [
        ["fired"], [], [], ["resolved"], ["fired"], [], [], [], ["resolved"]
    ]  # fmt: skip
    rs = ruleset(condition="min_over(2m) < 5")
    assert walk(rs, "1 10 10 10 10") == [["fired"], [], [], ["resolved"], []]


def test_silence_keeps_the_window_but_no_data_resolve_ends_it_when_the_window_empties():
    rs = ruleset(condition="avg_over(2m) > 20", no_data="resolve")
    assert walk(rs, "30 _ _ _ _") == [["fired"], [], [], ["resolved"], []]


def test_a_sum_of_tenths_is_compared_exactly():
    """A running sum that added 0.1 and 0.2 and took 0.1 away holds 0.20000000000000004: the
    window compares the exact sum of the samples it holds (0.2), rounded once."""
    rs = ruleset(condition="sum_over(1m) > 0.2")
    assert walk(rs, "0.1 0.2 0 0") == [[], ["fired"], ["resolved"], []]


def test_not_equal_never_holds_on_no_number():
    """A baseline still learning is no number: != does not hold (nor does anything else)."""
    learning = {"quantile": 0.5, "by": "day", "history": 3, "min_history": 3}
    rs = ruleset(condition="value != 2 * baseline", baseline=learning)
    assert walk(rs, "5 5 5 7") == [[], [], [], ["fired"]]
    rs = ruleset(condition="rate != 0")  # a rate needs two readings
    assert walk(rs, "5 5 6") == [[], [], ["fired"]]


def test_a_value_clear_can_end_a_windowed_alert():
    rs = ruleset(condition="avg_over(5m) > 20", clear="value < 5")
    assert walk(rs, "30 30 10 4 4") == [["fired"], [], [], ["resolved"], []]


def test_readings_batched_ahead_of_the_clock_enter_the_window_at_their_own_time():
    rules = ruleset(condition="sum_over(10m) >= 3")
    engine = AlertEngine(rules, {"type": np.array(["gas"])}, ahead=3600)
    engine.ingest(np.zeros(6, int), np.arange(6) * 600.0, np.ones(6))  # one an hour... per 10 min
    assert [len(engine.tick(k * 600.0)) for k in range(6)] == [0, 0, 0, 0, 0, 0]
    engine.ingest(np.zeros(3, int), 3600 + np.arange(3) * 120.0, np.ones(3))
    fired = [(k, len(engine.tick(3600 + k * 120.0))) for k in range(4)]
    assert fired == [(0, 0), (1, 0), (2, 1), (3, 0)]


@pytest.mark.parametrize(
    ("spans", "clock", "inside"),
    [
        (["22:00-06:00"], 23 * 3600, True),
        (["22:00-06:00"], 6 * 3600, False),  # the end is exclusive
        (["22:00-06:00"], 22 * 3600, True),  # the start inclusive
        (["22:00-06:00"], 12 * 3600, False),
        (["07:00-09:00", "17:00-19:00"], 18 * 3600, True),
        (["00:00-24:00"], 86399, True),
        ([], 5, True),
    ],
)
def test_hours_of_the_day_run_over_midnight(spans, clock, inside):
    assert within(spans, 3 * 86400 + clock) is inside
    assert within(spans, clock + 3600, day_start=3600) is inside  # a clock that starts at 01:00


def test_a_rule_held_to_its_hours_fires_inside_them_and_ends_with_them():
    rs = ruleset(condition="value > 0", during="00:02-00:05")
    # the device reports a door opening every minute; only minutes 2, 3 and 4 count
    assert walk(rs, "1 1 1 1 1 1 1") == [[], [], ["fired"], [], [], ["resolved"], []]


def test_when_its_hours_begin_a_device_that_stays_quiet_is_still_seen():
    """A device whose last sample already met the condition fires as the hours begin, though
    it sends nothing new (the engine evaluates every device then)."""
    rs = ruleset(condition="value > 0", during="00:02-00:05")
    got = walk(rs, "1 _ _ _ _ _ _", lookback=10 * STEP)
    assert got == [[], [], ["fired"], [], [], ["resolved"], []]


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"condition": "avg_over(12) > 5"}, "window of avg_over"),
        ({"condition": "avg_over(0s) > 5"}, "longer than 0s"),
        ({"condition": "median_over(1h) > 5"}, "AGG one of avg, sum, max, min, count"),
        ({"condition": "avg_over(1h) > 5", "min_samples": 3}, "drop min_samples"),
        ({"during": "22:00-30:00"}, "hours 00-23"),
        ({"during": ["8-9"]}, "HH:MM-HH:MM"),
        ({"during": "08:00-08:00"}, "start and end differ"),
    ],
)
def test_bad_windows_and_hours_are_refused_with_the_form_expected(rule, message):
    with pytest.raises(ValidationError, match=message):
        ruleset(**rule)


def test_a_bad_window_in_a_rule_file_names_its_key_and_line(tmp_path):
    from alerting import load_rules
    from datafiles import UserError

    path = tmp_path / "rules.yaml"
    path.write_text(
        "device_types: {level: {report_interval: 5m}}\n"
        "rules:\n"
        "  - alert: Rising\n"
        "    device_type: level\n"
        "    condition: avg_over(12 hours) > 0.3\n"
    )
    with pytest.raises(UserError) as err:
        load_rules(path)
    (problem,) = err.value.problems
    assert (problem.key, problem.line) == ("rules[0].condition", 5)
    assert "a duration with a unit" in problem.expected


conditions = st.sampled_from(
    [
        "avg_over(3m) > 1",
        "sum_over(2m) >= 2",
        "max_over(4m) > 2",
        "min_over(3m) < 1",
        "count_over(5m) >= 3",
        "value > 1",
    ]
)
clears = st.sampled_from([None, "value < 0.5", "avg_over(2m) < 1", "max_over(3m) <= 1"])


@settings(max_examples=300, deadline=None)
@given(
    conditions,
    clears,
    st.sampled_from([[], ["00:03-00:09"], ["00:12-00:04"]]),
    st.sampled_from(["hold", "resolve"]),
    st.sampled_from(["0s", "2m"]),
    st.lists(
        st.tuples(
            st.integers(0, 3),
            st.integers(0, 40),
            st.sampled_from([0.0, 0.1, 0.2, 0.3, 0.5, 0.7, 1.5, 3.0]),
        ),
        max_size=80,
    ),
    st.booleans(),
)
def test_windowed_rules_equal_the_reference(condition, clear, during, no_data, for_, rows, late):
    """Random windowed and hour-bound rules over readings at any second (several per tick, some
    ahead of the clock, some late): the engine's transitions equal the reference's."""
    rule = {"condition": condition, "during": during, "no_data": no_data, "for": for_}
    if clear:
        rule["clear"] = clear
    rs = ruleset(**rule)
    fleet = {"type": np.array(["gas"] * 4)}
    engine = AlertEngine(rs, fleet, lookback=2 * STEP, ahead=3 * STEP, day_start=0.0)
    ref = ReferenceEngine(rs, fleet, lookback=2 * STEP, ahead=3 * STEP)
    for tick in range(0, 24):
        now = tick * 30.0  # half-minute ticks over readings stamped every 15 s
        due = [r for r in rows if tick - 1 < r[1] / 2 <= tick + (2 if late else 0)]
        if due:
            d, t, v = zip(*due, strict=True)
            ts = [x * 15.0 for x in t]
            ref.ingest(list(d), ts, list(v))
            engine.ingest(np.array(d), np.array(ts), np.array(v))
        assert engine.tick(now).rows() == ref.tick(now), f"tick {tick}"


def test_the_window_store_keeps_only_what_the_window_holds():
    rs = ruleset(condition="max_over(10m) > 5")
    engine = AlertEngine(rs, {"type": np.array(["gas"] * 100)})
    for k in range(60):
        engine.ingest(np.arange(100), np.full(100, k * 60.0), np.full(100, float(k % 7)))
        engine.tick(k * 60.0)
    (store,) = engine._windows.values()
    assert store.samples == 100 * 11  # minutes 49..59, both ends
    held = engine.firing("GasHigh")
    assert len(held) == 100  # 6 was seen within the last ten minutes
