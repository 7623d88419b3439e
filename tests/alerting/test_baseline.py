"""A device's own usual level as a rule operand (``value < baseline``): hand cases, hours of
the day, the reference engine, bad files."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from alerting import AlertEngine
from alerting.reference import ReferenceEngine
from tests.alerting.helpers import ruleset, walk

HOUR = 3600.0


def test_a_reading_far_below_the_devices_own_median_fires_once_history_is_learned():
    rs = ruleset(
        condition="value < 0.5 * baseline",
        baseline={"quantile": 0.5, "by": "day", "history": 3, "min_history": 3},
    )
    # histories before each reading: [], [10], [10 10], [10 10 10] (median 10), then the 4
    # is under 5; the next reading's history is [10 10 4]: median 10, 10 is not under 5
    assert walk(rs, "10 10 10 10 4 10 2") == [[], [], [], [], ["fired"], ["resolved"], ["fired"]]


def test_while_a_device_is_learning_its_baseline_the_condition_does_not_hold():
    rs = ruleset(condition="value > baseline + 5", baseline={"quantile": 0.9, "by": "day",
                 "history": 4, "min_history": 2})  # fmt: skip
    # the first 100 has one reading of history: learning; the second has [1 100 1]: q90 80.2
    assert walk(rs, "1 100 1 100 200") == [[], [], [], ["fired"], []]


def hourly(engine, ref, values_by_hour, start=0):
    """Feed one device a reading an hour; the hours where an alert fired."""
    fired = []
    for k, v in enumerate(values_by_hour):
        t = (start + k) * HOUR
        engine.ingest(np.array([0]), np.array([t]), np.array([float(v)]))
        ref.ingest([0], [t], [float(v)])
        got = engine.tick(t)
        assert got.rows() == ref.tick(t)
        fired += [(start + k) % 24 for kind in got.kind.tolist() if kind == "fired"]
    return fired


def test_each_hour_of_the_day_has_its_own_baseline():
    """Water use is 0 at night and 5 by day: a 0 at night is usual, a 0 at 10:00 is not."""
    rs = ruleset(condition="value < baseline - 2",
                 baseline={"quantile": 0.5, "history": 3, "min_history": 2})  # fmt: skip
    fleet = {"type": np.array(["gas"])}
    engine = AlertEngine(rs, fleet, lookback=HOUR, ahead=HOUR, day_start=0.0)
    ref = ReferenceEngine(rs, fleet, lookback=HOUR, ahead=HOUR, day_start=0.0)
    usual = [0.0 if h < 7 else 5.0 for h in range(24)]
    quiet_morning = [*usual[:10], 0.0, *usual[11:]]
    assert hourly(engine, ref, usual * 3 + quiet_morning) == [10]


def test_the_local_day_starts_where_day_start_says():
    rs = ruleset(condition="value < baseline - 2",
                 baseline={"quantile": 0.5, "history": 3, "min_history": 2})  # fmt: skip
    fleet = {"type": np.array(["gas"])}
    # the clock counts from 01:00 local: its hour 9 is local 10:00
    engine = AlertEngine(rs, fleet, lookback=HOUR, ahead=HOUR, day_start=-HOUR)
    ref = ReferenceEngine(rs, fleet, lookback=HOUR, ahead=HOUR, day_start=-HOUR)
    usual = [0.0 if h < 7 else 5.0 for h in range(24)]  # by local hour
    local = usual[1:] + usual[:1]  # as the clock's hours 0..23 see them
    day4 = [*local[:9], 0.0, *local[10:]]
    fired = hourly(engine, ref, local * 3 + day4)
    assert fired == [9]  # the clock's hour 9 = local 10:00


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"condition": "value < baseline"}, "needs a baseline"),
        ({"condition": "value < 3", "baseline": {"quantile": 0.5}}, "no condition reads it"),
        ({"condition": "rate < baseline", "baseline": {"quantile": 0.5}}, "value OP"),
        ({"condition": "value < baseline", "baseline": {"quantile": 1.5}}, "less than 1"),
        (
            {
                "condition": "value < baseline",
                "baseline": {"quantile": 0.5, "history": 4, "min_history": 5},
            },
            "cannot exceed history",
        ),
        (
            {"condition": "value < baseline", "min_samples": 2, "baseline": {"quantile": 0.5}},
            "min_samples",
        ),
        ({"condition": "value < baseline", "baseline": {"quantile": 0.5, "by": "week"}}, "hour"),
    ],
)
def test_bad_baselines_are_refused_with_the_form_expected(rule, message):
    with pytest.raises(ValidationError, match=message):
        ruleset(**rule)


conditions = st.sampled_from(
    ["value < baseline", "value > 2 * baseline", "value < 0.5 * baseline - 1",
     "value >= baseline + 1"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    conditions,
    st.sampled_from([None, "value >= baseline", "value < 2"]),
    st.fixed_dictionaries(
        {
            "quantile": st.sampled_from([0.1, 0.5, 0.9]),
            "by": st.sampled_from(["hour", "day"]),
            "history": st.integers(2, 4),
            "min_history": st.integers(1, 2),
        }
    ),
    st.sampled_from([0.0, -1800.0, 7200.0]),
    st.lists(
        st.tuples(st.integers(0, 2), st.integers(0, 48), st.sampled_from([0.0, 1.0, 2.0, 5.0])),
        max_size=90,
    ),
)
def test_baseline_rules_equal_the_reference(condition, clear, baseline, day_start, rows):
    """Random baselines over readings every 20 minutes for 16 hours, several per evaluation:
    the engine's transitions equal the reference's at every hourly tick."""
    rule = {"condition": condition, "baseline": baseline}
    if clear:
        rule["clear"] = clear
    rs = ruleset(**rule)
    fleet = {"type": np.array(["gas"] * 3)}
    engine = AlertEngine(rs, fleet, lookback=HOUR, ahead=HOUR, day_start=day_start)
    ref = ReferenceEngine(rs, fleet, lookback=HOUR, ahead=HOUR, day_start=day_start)
    for tick in range(17):
        now = tick * HOUR
        due = [r for r in rows if tick - 1 < r[1] / 3 <= tick]
        if due:
            d, t, v = zip(*due, strict=True)
            ts = [x * 1200.0 for x in t]
            ref.ingest(list(d), ts, list(v))
            engine.ingest(np.array(d), np.array(ts), np.array(v))
        assert engine.tick(now).rows() == ref.tick(now), f"tick {tick}"


@pytest.mark.parametrize("section", ["## Conditions over a window", "## A device's own usual"])
def test_the_documented_examples_are_valid_rule_files(section):
    import re
    from pathlib import Path

    import yaml

    from alerting import RuleSet

    text = Path(__file__).parents[2].joinpath("docs/alert-rules.md").read_text()
    block = re.search(re.escape(section) + r".*?```yaml\n(.*?)```", text, re.S).group(1)
    rs = RuleSet.model_validate(yaml.safe_load(block))
    assert rs.rules
