"""Combined rules: one alert per household, site or community from the value rules' states."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from alerting import AlertEngine, AlertPipeline, RuleSet
from alerting.reference import ReferenceEngine
from tests.alerting.helpers import STEP, walk

TYPES = {"water_meter": {"report_interval": "1m"}, "door": {"report_interval": "1m"},
         "water_level": {"report_interval": "1m"}}  # fmt: skip
NO_WATER = {"alert": "NoWater", "device_type": "water_meter", "condition": "value < 0.5",
            "min_samples": 2, "clear": "value > 2", "notify": False}  # fmt: skip
NO_DOOR = {"alert": "NoDoor", "device_type": "door", "condition": "value < 1",
           "min_samples": 2, "notify": False}  # fmt: skip
HIGH = {"alert": "High", "device_type": "water_level", "condition": "value > 15",
        "notify": False}  # fmt: skip


def rules(*combined, values=(NO_WATER, NO_DOOR), offline=()) -> RuleSet:
    return RuleSet.model_validate(
        {
            "device_types": TYPES,
            "rules": list(values),
            "offline": list(offline),
            "combined": list(combined),
        }
    )


# household h1: a water meter (0) and a door sensor (1); household h2: a water meter alone (2)
HOMES = {
    "type": np.array(["water_meter", "door", "water_meter"]),
    "household": np.array(["h1", "h1", "h2"]),
}
INACTIVE = {"alert": "Inactive", "by": "household", "all_of": ["NoWater", "NoDoor"],
            "severity": "critical"}  # fmt: skip


def test_all_of_needs_every_signal_in_the_household():
    """h1 is quiet at the tap while its door opens: no alert until the door is quiet too;
    h2 has no door sensor, so its quiet meter alone is not enough."""
    steps = walk(
        rules(INACTIVE),
        "3 0 0 0 0 0 5",  # h1's water meter: quiet from step 1 (fires NoWater at step 2)
        "1 1 1 1 0 0 0",  # h1's door: opened until step 3 (NoDoor fires at step 5)
        "3 3 0 0 3 3 3",  # h2's water meter: quiet at steps 2 and 3
        labels=HOMES,
    )
    assert steps == [[], [], [], [], [], ["fired:0"], ["resolved:0"]]


def test_an_optional_signal_is_asked_only_where_the_group_has_one():
    """h2 has no door sensor: with the door optional, its quiet meter alone decides."""
    steps = walk(
        rules({**INACTIVE, "optional": ["NoDoor"]}),
        "3 0 0 0 0 0 5",
        "1 1 1 1 0 0 0",
        "3 3 0 0 3 3 3",
        labels=HOMES,
    )
    assert steps == [[], [], [], ["fired:2"], ["resolved:2"], ["fired:0"], ["resolved:0"]]


def test_any_of_fires_on_either_signal():
    either = {**INACTIVE, "all_of": None, "any_of": ["NoWater", "NoDoor"]}
    steps = walk(rules(either), "3 3 3", "1 0 0", "3 3 3", labels=HOMES)
    assert steps == [[], [], ["fired:0"]]


COMMUNITY = {
    "type": np.array(["water_level"] * 4),
    "community": np.array(["c1", "c1", "c1", "c2"]),  # three sensors, and one alone
}
FLOODING = {"alert": "Flooding", "by": "community", "k_of_n": {"rule": "High", "k": 2}}


def test_k_of_n_counts_devices_and_a_smaller_group_needs_all_of_them():
    steps = walk(
        rules(FLOODING, values=[HIGH]),
        "20 20 20 0",
        "0 20 20 20",
        "0 0 20 20",
        "0 0 0 20",  # c2's only sensor: one of one is enough
        labels=COMMUNITY,
    )
    assert steps == [[], ["fired:0"], [], ["fired:3"]]


def test_with_smaller_groups_never_a_group_of_fewer_than_k_never_fires():
    never = {**FLOODING, "k_of_n": {"rule": "High", "k": 2, "smaller_groups": "never"}}
    steps = walk(rules(never, values=[HIGH]), "0 20", "0 20", "0 0", "20 20", labels=COMMUNITY)
    assert steps == [[], ["fired:0"]]  # c2's lone sensor never fires its community


def test_the_value_is_the_count_and_only_combined_alerts_are_reported():
    engine = AlertEngine(rules(FLOODING, values=[HIGH]), COMMUNITY)
    engine.ingest(np.arange(4), np.zeros(4), np.array([20.0, 20.0, 20.0, 0.0]))
    out = engine.tick(0.0)
    assert out.rows() == [(1, 0, "fired", 0.0)] and out.value.tolist() == [3.0]
    assert engine.firing("Flooding").tolist() == [0]
    assert engine.firing("High").tolist() == [0, 1, 2]  # the signal is still readable


def test_unless_suppresses_while_the_other_alert_fires():
    """A flood alert is held back while the community's sensors are offline for a power cut
    (the offline rule), and resolves when the suppression begins, as Prometheus's ``unless``."""
    cut = {"alert": "Cut", "device_type": "water_level", "after_missed": 2}
    flooding = {**FLOODING, "unless": ["Cut"]}
    steps = walk(
        rules(flooding, values=[HIGH], offline=[cut]),
        "20 20 20 20 20 20",
        "20 20 20 20 20 20",
        "0 0 _ _ _ 0",  # silent since step 1: offline at step 3, two intervals later
        "0 0 0 0 0 0",
        labels=COMMUNITY,
    )
    assert steps == [["fired:0"], [], [], ["offline:2", "resolved:0"], [], ["online:2", "fired:0"]]


def test_for_clear_for_and_escalation_work_per_group():
    slow = {**FLOODING, "for": "2m", "clear_for": "1m",
            "escalate": [{"after": "1m", "severity": "critical"}]}  # fmt: skip
    steps = walk(
        rules(slow, values=[HIGH]),
        "20 20 20 20 0 20 0 0",
        "20 20 20 20 20 20 20 20",
        "0 0 0 0 0 0 0 0",
        "0 0 0 0 0 0 0 0",
        labels=COMMUNITY,
    )
    assert steps == [[], [], ["fired:0"], ["escalated:0"], [], [], [], ["resolved:0"]]


def test_a_combined_rule_can_be_suppressed_by_one_above_it():
    inactive = {**INACTIVE, "all_of": None, "any_of": ["NoWater"]}
    both = {"alert": "Both", "by": "household", "any_of": ["NoDoor"], "unless": ["Inactive"]}
    steps = walk(rules(inactive, both), "3 0 0 3", "1 0 0 0", "3 3 3 3", labels=HOMES)
    assert steps == [[], [], ["fired:0"], ["resolved:0", "fired:1"]]  # on the door


def test_the_pipeline_labels_a_combined_alert_with_its_representatives_labels():
    seen = []
    pipeline = AlertPipeline(
        rules(FLOODING, values=[HIGH]), COMMUNITY, receivers={"default": seen.append}
    )
    pipeline.ingest(np.arange(4), np.zeros(4), np.array([20.0, 20.0, 0.0, 0.0]))
    for t in (0.0, 30.0):
        pipeline.tick(t)
    assert [(a.alert, a.device, a.labels["community"]) for a in seen] == [("Flooding", 0, "c1")]


@pytest.mark.parametrize(
    ("combined", "message"),
    [
        ({**INACTIVE, "all_of": ["NoWater", "Nope"]}, "'Nope' is not a value rule"),
        ({**INACTIVE, "any_of": ["NoWater"]}, "exactly one of all_of, any_of or k_of_n"),
        ({**INACTIVE, "unless": ["Later"]}, "a combined rule above this one"),
        ({**FLOODING, "k_of_n": {"rule": "NoWater", "k": 0}}, "greater than or equal to 1"),
        ({**INACTIVE, "optional": ["NoWater", "NoDoor"]}, "one must be asked"),
        ({**INACTIVE, "optional": ["Nope"]}, "optional names rules of all_of"),
    ],
)
def test_bad_combined_rules_are_refused_with_a_reason(combined, message):
    later = {"alert": "Later", "by": "household", "any_of": ["NoDoor"]}
    with pytest.raises(ValidationError, match=message):
        rules(combined, later)


def test_suppression_by_a_combined_rule_needs_the_same_groups():
    site = {"alert": "Site", "by": "site", "any_of": ["NoDoor"], "unless": ["Inactive"]}
    with pytest.raises(ValidationError, match="groups by 'household', not 'site'"):
        rules(INACTIVE, site)


def test_a_label_the_devices_lack_is_named():
    with pytest.raises(ValueError, match="label 'household', which devices do not have"):
        AlertEngine(rules(INACTIVE), {"type": HOMES["type"]})


# Six devices in three homes and two communities; each home a meter and perhaps a door.
FLEET = {
    "type": np.array(["water_meter", "door", "water_meter", "water_meter", "door", "door"]),
    "household": np.array(["a", "a", "b", "c", "c", "d"]),
    "community": np.array(["x", "x", "x", "y", "y", "y"]),
}
forms = st.sampled_from(
    [
        {"all_of": ["NoWater", "NoDoor"]},
        {"all_of": ["NoWater", "NoDoor"], "optional": ["NoDoor"]},
        {"any_of": ["NoWater", "NoDoor"]},
        {"k_of_n": {"rule": "NoWater", "k": 2}},
        {"k_of_n": {"rule": "NoDoor", "k": 1}},
        {"k_of_n": {"rule": "NoWater", "k": 2, "smaller_groups": "never"}},
    ]
)
combined_rules = st.fixed_dictionaries(
    {
        "by": st.sampled_from(["household", "community"]),
        "for": st.sampled_from(["0s", "2m"]),
        "clear_for": st.sampled_from(["0s", "2m", "4m"]),
        "escalate": st.sampled_from([[], [{"after": "2m", "severity": "critical"}]]),
    }
)


@settings(max_examples=300, deadline=None)
@given(
    forms,
    combined_rules,
    st.booleans(),
    st.booleans(),
    st.lists(
        st.tuples(st.integers(0, 5), st.integers(0, 20), st.sampled_from([0.0, 0.2, 1.0, 3.0])),
        max_size=80,
    ),
)
def test_dense_combined_rules_equal_the_reference(form, rule, quiet, suppressed, rows):
    """Two combined rules (the second suppressed by the first, or by an offline rule) over
    random readings: the engine's transitions equal the reference's at every tick."""
    first = {"alert": "Home", **form, **rule}
    second = {"alert": "Other", "by": rule["by"], "any_of": ["NoDoor"],
              "unless": ["Home" if suppressed else "Off"]}  # fmt: skip
    off = {"alert": "Off", "device_type": "door", "after_missed": 3}
    values = [{**NO_WATER, "notify": not quiet}, NO_DOOR]
    rs = rules(first, second, values=values, offline=[off])
    engine, ref = (
        AlertEngine(rs, FLEET, lookback=2 * STEP),
        ReferenceEngine(rs, FLEET, lookback=2 * STEP),
    )
    for tick in range(0, 22, 2):
        due = [r for r in rows if tick - 2 < r[1] <= tick]
        if due:
            d, t, v = zip(*due, strict=True)
            ref.ingest(list(d), [x * STEP for x in t], list(v))
            engine.ingest(np.array(d), np.array(t) * STEP, np.array(v))
        assert engine.tick(tick * STEP).rows() == ref.tick(tick * STEP), f"tick {tick}"


def test_the_documented_combined_example_runs():
    """The example in docs/alert-rules.md: a quiet home fires, unless its resident said away."""
    import re
    from pathlib import Path

    text = Path(__file__).parents[2].joinpath("docs/alert-rules.md").read_text()
    block = re.search(r"## Combined rules.*?```yaml\n(.*?)```", text, re.S).group(1)
    rs = RuleSet.model_validate(__import__("yaml").safe_load(block))
    labels = {"type": np.array(["water_meter", "door", "presence", "water_meter", "door"]),
              "household": np.array([1, 1, 1, 2, 2]), "community": np.zeros(5, int)}  # fmt: skip
    engine = AlertEngine(rs, labels, lookback=3600, ahead=3600)
    fired = []
    for hour in range(24):
        engine.ingest(np.arange(5), np.full(5, hour * 3600.0), np.array([0, 0, 1, 0, 0.0]))
        out = engine.tick(hour * 3600.0)
        fired += [
            (hour, engine.alert_names[r], d) for r, d in zip(out.rule, out.device, strict=True)
        ]
    assert fired == [(15, "ElderlyResidentInactive", 3)]  # the 16th quiet hour; home 1 is away


def test_a_bad_reference_in_a_rule_file_names_its_key_and_line(tmp_path):
    from alerting import load_rules
    from datafiles import UserError

    path = tmp_path / "rules.yaml"
    path.write_text(
        "rules:\n"
        "  - {alert: NoDoor, device_type: door, condition: value < 1}\n"
        "combined:\n"
        "  - alert: Quiet\n"
        "    by: household\n"
        "    all_of: [NoDor]\n"
    )
    with pytest.raises(UserError) as err:
        load_rules(path)
    (problem,) = err.value.problems
    assert (problem.key, problem.line) == ("combined[0].all_of", 6)
    assert "'NoDor' is not a value rule" in problem.expected
    assert problem.hint == "did you mean 'NoDoor'?"
