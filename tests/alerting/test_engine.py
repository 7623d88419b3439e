"""The alert state machines, walked one evaluation at a time; each edge on both sides.

Every walk also runs the per-reading reference engine and requires the same transitions.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alerting import AlertEngine, RuleSet
from alerting.reference import ReferenceEngine
from alerting.rules import OfflineRule
from tests.alerting.helpers import STEP, ruleset, walk

_ = []  # no event at this step


def test_fires_at_the_first_evaluation_where_held_for_at_least_for_inclusive():
    events = walk(ruleset(**{"for": "3m"}), "1 25 25 25 25 25")
    assert events == [_, _, _, _, ["fired"], _]


def test_pending_that_stops_is_dropped_without_a_resolved_event():
    assert walk(ruleset(**{"for": "2m"}), "25 25 1 25 25 25") == [_, _, _, _, _, ["fired"]]


def test_firing_that_stops_resolves_and_for_zero_fires_at_once():
    assert walk(ruleset(), "1 25 25 1 1") == [_, ["fired"], _, ["resolved"], _]


def test_the_threshold_is_strict_for_greater_than():
    assert walk(ruleset(), "20 20 20.5") == [_, _, ["fired"]]


def test_hysteresis_resolves_only_when_the_clear_condition_has_held_for_clear_for():
    rules = ruleset(clear="value < 10", clear_for="2m")
    # 15 is neither above 20 nor below 10: still firing; 5 must hold for two minutes
    assert walk(rules, "25 15 5 5 12 5 5 5") == [["fired"], _, _, _, _, _, _, ["resolved"]]


def test_keep_firing_for_holds_a_firing_alert_after_the_condition_stops():
    rules = ruleset(keep_firing_for="2m")
    assert walk(rules, "25 1 1 1 25 1") == [["fired"], _, _, ["resolved"], ["fired"], _]


def test_min_samples_needs_that_many_consecutive_readings():
    rules = ruleset(min_samples=3)
    assert walk(rules, "25 25 1 25 25 25 25") == [_, _, _, _, _, ["fired"], _]


def test_silence_never_resolves_a_value_alert_by_default():
    assert walk(ruleset(), "25 _ _ _ 1") == [["fired"], _, _, _, ["resolved"]]


def test_no_data_resolve_treats_silence_as_the_condition_failing():
    assert walk(ruleset(no_data="resolve"), "25 _ 25") == [["fired"], ["resolved"], ["fired"]]


def test_severity_ladder_escalates_while_firing_and_resets_on_resolve():
    rules = ruleset(
        severity="warning",
        escalate=[
            {"after": "2m", "severity": "critical"},
            {"after": "3m", "severity": "emergency"},
        ],
    )
    events = walk(rules, "25 25 25 25 25 1 25")
    assert events == [["fired"], _, ["escalated"], ["escalated"], _, ["resolved"], ["fired"]]


def test_rate_of_change_per_minute():
    rules = ruleset(condition="rate > 10")  # rising more than 10 per minute
    assert walk(rules, "0 5 30 31 31") == [_, _, ["fired"], ["resolved"], _]


def test_thresholds_are_overridden_by_township_community_and_device():
    labels = {
        "type": np.array(["gas"] * 4),
        "id": np.array(["d0", "d1", "d2", "d3"]),
        "community": np.array(["c1", "c1", "c2", "c2"]),
        "township": np.array(["t1", "t1", "t1", "t9"]),
    }
    rules = ruleset(
        thresholds={"township": {"t1": 30}, "community": {"c1": 40}, "device": {"d0": 50}}
    )
    # thresholds: d0 50 (device), d1 40 (community), d2 30 (township), d3 20 (rule)
    events = walk(rules, "45", "45", "35", "25", labels=labels)
    assert events == [["fired:1", "fired:2", "fired:3"]]


def test_rules_select_devices_by_type_and_labels():
    labels = {"type": np.array(["gas", "water", "gas"]), "district": np.array(["A", "A", "B"])}
    rules = ruleset(match={"district": "A"})
    assert walk(rules, "99", "99", "99", labels=labels) == [["fired:0"]]


def test_offline_after_missed_intervals_and_back_online():
    rules = RuleSet.model_validate(
        {
            "device_types": {"gas": {"report_interval": "1m"}},
            "offline": [{"alert": "Offline", "device_type": "gas", "after_missed": 2}],
        }
    )
    # silent from the start counts from the engine's start: offline at 2m
    assert walk(rules, "1 _ _ _ 1 _", "_ _ _ _ _ _") == [
        _,
        _,
        ["offline:0", "offline:1"],
        _,
        ["online:0"],
        _,
    ]


def test_bad_readings_are_counted_never_raised_and_never_drop_valid_ones():
    engine = AlertEngine(ruleset(), {"type": np.array(["gas", "gas"])})
    report = engine.ingest(
        np.array([0, 7, -1, 1, 1]),
        np.array([0.0, 0, 0, 0, 10**9]),
        np.array([30.0, 5, 5, np.nan, 40]),
    )
    assert (report.accepted, report.unknown_device, report.not_a_number, report.future) == (
        1,
        2,
        1,
        1,
    )
    assert engine.tick(0.0).rows() == [(0, 0, "fired", 0.0)]


def test_duplicates_and_late_readings_are_counted():
    engine = AlertEngine(ruleset(), {"type": np.array(["gas"])})
    engine.ingest(np.array([0, 0]), np.array([0.0, 0.0]), np.array([1.0, 30.0]))
    assert engine.tick(0.0).rows() == [(0, 0, "fired", 0.0)]  # the larger value wins
    engine.ingest(np.array([0]), np.array([-10.0]), np.array([1.0]))
    engine.tick(60.0)
    assert (engine.report.duplicate, engine.report.late) == (1, 1)


def test_state_is_compact():
    engine = AlertEngine(
        ruleset(clear="value < 10", **{"for": "5m"}), {"type": np.array(["gas"] * 1000)}
    )
    assert engine.state_bytes / 1000 <= 100


# -- properties -------------------------------------------------------------------------------

readings = st.lists(
    st.tuples(
        st.integers(0, 3), st.integers(0, 20), st.sampled_from([0.0, 5.0, 12.0, 25.0, 30.0, np.nan])
    ),
    max_size=60,
)
rule_sets = st.fixed_dictionaries(
    {
        "condition": st.sampled_from(["value > 20", "value >= 25", "rate > 5"]),
        "for": st.sampled_from(["0s", "1m", "3m"]),
        "min_samples": st.integers(1, 3),
        "keep_firing_for": st.sampled_from(["0s", "2m"]),
        "no_data": st.sampled_from(["hold", "resolve"]),
        "escalate": st.sampled_from([[], [{"after": "2m", "severity": "critical"}]]),
    },
    optional={
        # "value < 30" overlaps "value > 20": an alert can resolve while its condition holds
        "clear": st.sampled_from(["value < 10", "value <= 5", "value < 30"]),
        "clear_for": st.sampled_from(["0s", "1m"]),
    },
)


def run(rules: RuleSet, rows, split: bool, random) -> list:
    engine = AlertEngine(rules, {"type": np.array(["gas"] * 4)}, lookback=2 * STEP)
    events = []
    for tick in range(0, 22, 2):
        due = [r for r in rows if tick - 2 < r[1] <= tick]
        batches = [due]
        if split:
            random.shuffle(due)
            cut = random.randint(0, len(due))
            batches = [due[:cut], due[cut:]]
        for b in batches:
            if b:
                d, t, v = map(np.array, zip(*b, strict=True))
                engine.ingest(d, t * STEP, v)
        events += engine.tick(tick * STEP).rows()
    return events


@settings(max_examples=150, deadline=None)
@given(rule_sets, readings, st.randoms(use_true_random=False))
def test_the_same_readings_in_any_batches_give_the_same_transitions(rule, rows, random):
    rules = ruleset(**rule)
    assert run(rules, rows, False, random) == run(rules, rows, True, random)


# Six devices of two types with a zone label: rules select a whole type or a zone within it.
MIXED = {
    "type": np.array(["gas", "gas", "smoke", "gas", "smoke", "gas"]),
    "zone": np.array(["a", "b", "a", "a", "b", "b"]),
}
# The engine's two paths give the same transitions: dense (the condition over every device)
# and sparse (only the readings' devices); "auto" is the engine's own choice between them.
PATHS = {"auto": AlertEngine.dense_share, "dense": np.inf, "sparse": 0.0}


@settings(max_examples=400, deadline=None)
@given(
    rule_sets,
    st.lists(
        st.tuples(
            st.integers(0, 5),
            st.integers(0, 20),
            st.sampled_from([0.0, 5.0, 12.0, 25.0, 30.0, np.nan]),
        ),
        max_size=80,
    ),
    st.sampled_from([{}, {"zone": "a"}]),
    st.sampled_from([[], [("2", {})], [("1", {}), ("3", {"zone": "a"})]]),
)
def test_vectorized_engine_equals_the_reference_on_random_streams(rule, rows, match, offline):
    """Value rules and offline rules (two may watch one device) over a fleet of two types."""
    rules = ruleset(**rule, match=match)
    rules = rules.model_copy(
        update={
            "offline": [
                OfflineRule.model_validate(
                    {"alert": f"Off{i}", "device_type": "gas", "after_missed": m, "match": z}
                )
                for i, (m, z) in enumerate(offline)
            ]
        }
    )
    ref = ReferenceEngine(rules, MIXED, lookback=2 * STEP)
    engines = {path: AlertEngine(rules, MIXED, lookback=2 * STEP) for path in PATHS}
    for path, engine in engines.items():
        engine.dense_share = PATHS[path]
    for tick in range(0, 22, 2):
        due = [r for r in rows if tick - 2 < r[1] <= tick]
        if due:
            d, t, v = zip(*due, strict=True)
            ref.ingest(list(d), [x * STEP for x in t], list(v))
            for engine in engines.values():
                engine.ingest(np.array(d), np.array(t) * STEP, np.array(v))
        expected = ref.tick(tick * STEP)
        for path, engine in engines.items():
            assert engine.tick(tick * STEP).rows() == expected, f"{path} path at tick {tick}"


@pytest.mark.parametrize("path", sorted(PATHS))
def test_a_live_alert_moves_on_the_clock_while_other_devices_report(path):
    """An alert escalates, and a pending one fires, at ticks that bring readings only from
    other devices: live alerts are evaluated whether or not their device reported."""
    rules = ruleset(**{"for": "1m"}, escalate=[{"after": "2m", "severity": "critical"}])
    engine = AlertEngine(rules, {"type": np.array(["gas"] * 3)}, lookback=3 * STEP)
    engine.dense_share = PATHS[path]
    seen = []
    for k, (d, v) in enumerate([([0, 1], [25, 0]), ([2], [0]), ([2], [0]), ([1], [0])]):
        engine.ingest(np.array(d), np.full(len(d), k * STEP), np.array(v, float))
        seen.append(engine.tick(k * STEP).rows())
    assert seen == [[], [(0, 0, "fired", 60.0)], [], [(0, 0, "escalated", 180.0)]]


def test_bad_rule_files_are_rejected():
    with pytest.raises(ValueError, match="value OP number"):
        ruleset(condition="value > os.system('x')")
    with pytest.raises(ValueError, match="rise in severity"):
        ruleset(severity="critical", escalate=[{"after": "1m", "severity": "warning"}])


def test_the_documented_examples_are_valid_rule_files():
    from alerting import load_rules
    from tests.conftest import SCENARIOS

    rules = load_rules(SCENARIOS / "rules/examples.yaml")
    assert len(rules.rules) == 5 and len(rules.offline) == 2
    labels = {
        "type": np.array(["gas", "water_meter"]),
        "living_alone": np.array(["", "true"]),
        "id": np.array(["gas-000017", "m1"]),
    }
    engine = AlertEngine(rules, labels)
    engine.ingest(np.array([0]), np.array([0.0]), np.array([16.0]))
    engine.tick(0.0)
    # 16 > 15 (the device's threshold); pending from the second reading (min_samples: 2),
    # firing ten minutes later (for: 10m)
    for t in (300.0, 600.0):
        engine.ingest(np.array([0]), np.array([t]), np.array([16.0]))
        assert engine.tick(t).rows() == []
    engine.ingest(np.array([0]), np.array([900.0]), np.array([16.0]))
    assert engine.tick(900.0).kind.tolist() == ["fired"]
    assert engine.firing("GasConcentrationHigh").tolist() == [0]


def test_annotations_fill_labels_and_value_and_bad_templates_are_refused():
    rules = ruleset(annotations={"summary": "{{ $value }} %LEL at {{ $labels.community }}"})
    engine = AlertEngine(rules, {"type": np.array(["gas"]), "community": np.array(["Baiyun"])})
    engine.ingest(np.array([0]), np.array([0.0]), np.array([25.5]))
    assert engine.annotations(engine.tick(0.0)) == [{"summary": "25.5 %LEL at Baiyun"}]
    with pytest.raises(ValueError, match="not supported"):
        ruleset(annotations={"x": "{{ .Value | humanize }}"})


@pytest.mark.parametrize("others", [1, 10])
def test_an_alert_resolved_while_its_condition_holds_fires_again_without_a_reading(others):
    """Found in review: with a clear that overlaps the condition, an alert resolves while the
    condition still holds; it pends again at the next tick whether or not its device reports,
    and whichever path (sparse: 1 other device reports, dense: 10 do) the engine takes."""
    rules = ruleset(clear="value < 30")
    labels = {"type": np.array(["gas"] * 100)}
    engine = AlertEngine(rules, labels, lookback=1000)
    ref = ReferenceEngine(rules, labels, lookback=1000)
    for k, d in enumerate([[0], [], list(range(1, 1 + others))]):
        v = [25.0 if x == 0 else 0.0 for x in d]
        if d:
            engine.ingest(np.array(d), np.full(len(d), 60.0 * k), np.array(v))
            ref.ingest(d, [60.0 * k] * len(d), v)
        assert engine.tick(60.0 * k).rows() == ref.tick(60.0 * k)
    assert engine.firing("GasHigh").tolist() == [0]


def test_two_readings_of_one_device_in_a_batch_as_long_as_the_fleet():
    """Found by the differential test: a batch with as many readings as devices is not
    necessarily one reading per device."""
    engine = AlertEngine(ruleset(), {"type": np.array(["gas"] * 4)}, lookback=120, start=840.0)
    engine.ingest(
        np.array([0, 0, 1, 3]), np.array([900.0, 960, 900, 900]), np.array([25.0, 0, 0, 0])
    )
    assert engine.tick(960.0).rows() == []
    assert engine.last_value.tolist()[:2] == [0.0, 0.0]


DAY = 86_400.0


def _hours_of_readings(seed: int, devices: int = 30, hours: int = 6):
    """Readings every minute for a few hours, each device drifting across the threshold, in
    device order and shuffled in time (as a day's file may hold them)."""
    rng = np.random.default_rng(seed)
    steps = hours * 60
    ts = np.tile(np.arange(steps) * STEP, devices)
    d = np.repeat(np.arange(devices), steps)
    v = 20 + np.cumsum(rng.normal(0, 2, (devices, steps)), axis=1).ravel()
    keep = rng.random(len(d)) > 0.1  # some minutes missing
    order = rng.permutation(int(keep.sum()))
    return d[keep][order], ts[keep][order], v[keep][order], steps


@settings(max_examples=8, deadline=None)
@given(st.integers(0, 10**6))
def test_a_day_replayed_as_one_batch_gives_the_transitions_of_the_live_feed(seed):
    rules = ruleset(**{"for": "3m"}, clear="value < 15", clear_for="2m")
    d, t, v, steps = _hours_of_readings(seed)
    devices = {"type": np.array(["gas"] * 30)}
    live, replay = AlertEngine(rules, devices), AlertEngine(rules, devices, ahead=DAY)
    ref = ReferenceEngine(rules, devices, ahead=DAY)
    replay.ingest(d, t, v)
    ref.ingest(d.tolist(), t.tolist(), v.tolist())
    for k in range(steps):
        now = k * STEP
        due = t == now
        live.ingest(d[due], t[due], v[due])
        expected = live.tick(now).rows()
        assert replay.tick(now).rows() == expected == ref.tick(now), f"at minute {k}"
    assert replay.report.accepted == live.report.accepted == len(d)
    assert replay.report.future == 0


def test_readings_beyond_the_horizon_are_refused_as_future_and_counted():
    engine = AlertEngine(ruleset(), {"type": np.array(["gas"])}, ahead=3600.0)
    report = engine.ingest(np.zeros(3, np.int64), np.array([60.0, 3600.0, 3601.0]),
                           np.array([30.0, 1.0, 30.0]))  # fmt: skip
    assert (report.accepted, report.future) == (2, 1)
    assert engine.tick(0.0).rows() == []  # nothing due yet
    assert engine.tick(60.0).rows() == [(0, 0, "fired", 60.0)]
    assert engine.tick(3600.0).rows() == [(0, 0, "resolved", 3600.0)]


@pytest.mark.parametrize("ahead", [-1.0, float("nan"), float("inf")])
def test_a_horizon_that_is_no_number_of_seconds_is_refused(ahead):
    with pytest.raises(ValueError, match="ahead must be a finite number of seconds"):
        AlertEngine(ruleset(), {"type": np.array(["gas"])}, ahead=ahead)
