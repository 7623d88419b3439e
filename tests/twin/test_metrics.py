"""Each metric on a case small enough to compute by hand."""

import numpy as np
import pytest

from twin.scoring import metrics as m

E = np.array([1, 1, 1, 1, 0, 0], bool)  # truly eligible: rows 0-3
M = np.array([1, 1, 0, 0, 1, 0], bool)  # matched: 0, 1 (right) and 4 (wrong)
P = np.array([1, 0, 0, 0, 1, 0], bool)  # paid: 0 (right) and 4 (wrong)


def test_coverage_counts_eligible_who_were_paid():
    assert m.coverage(E, P) == pytest.approx(1 / 4)


def test_exclusion_error_counts_eligible_never_matched():
    assert m.exclusion_error(E, M) == pytest.approx(2 / 4)


def test_inclusion_error_counts_matches_of_the_ineligible():
    assert m.inclusion_error(E, M) == pytest.approx(1 / 3)


def test_paid_of_matched_is_money_paid_over_money_matched():
    assert m.paid_of_matched(np.array([100, 200, 300]), np.array([100, 300])) == pytest.approx(
        4 / 6
    )


def test_payout_rate_is_money_owed_to_the_eligible_that_reached_them():
    # four truly eligible are owed 100, 200, 300, 400; the first is overpaid (150: counts
    # 100), the second paid in full, the third nothing, the fourth half
    owed, paid = np.array([100, 200, 300, 400]), np.array([150, 200, 0, 200])
    assert m.payout_rate(owed, paid) == pytest.approx((100 + 200 + 0 + 200) / 1000)


def test_precision_is_the_share_of_money_paid_to_the_truly_eligible():
    paid = np.array([100, 300, 600])
    assert m.precision(paid, np.array([True, False, True])) == pytest.approx(700 / 1000)
    assert m.precision(np.zeros(0, np.int64), np.zeros(0, bool)) is None


def test_fairness_compares_groups_big_enough_to_count():
    eligible = np.ones(130, bool)
    group = np.array(["a"] * 40 + ["b"] * 80 + ["c"] * 10)
    paid = np.zeros(130, bool)
    paid[:10] = True  # a: 10 of 40 paid
    paid[40:80] = True  # b: 40 of 80
    paid[120:] = True  # c: all 10, but too small a group to count
    assert m.coverage_by_group(eligible, paid, group) == {"a": 0.25, "b": 0.5}
    ratio, gap = m.fairness(eligible, paid, group)
    assert ratio == pytest.approx(0.5) and gap == pytest.approx(0.25)
    assert m.fairness(eligible, paid, np.array(["a"] * 130)) == (None, None)


def test_per_paid_is_none_when_nobody_was_paid():
    assert m.per_paid(12.0, 4) == 3.0 and m.per_paid(5.0, 0) is None


def test_convenience_is_one_when_nothing_is_asked_and_half_at_one_application():
    # one application with its evidence costs 2.5 h
    assert m.convenience(0.0, 2.5) == 1.0
    assert m.convenience(2.5, 2.5) == 0.5
    assert m.convenience(7.5, 2.5) == pytest.approx(0.25)  # three applications' worth
    assert m.convenience(None, 2.5) is None


def test_empty_denominators_give_none_not_zero():
    none = np.zeros(3, bool)
    assert m.coverage(none, none) is None and m.inclusion_error(E[:3], none) is None
    assert m.quantile(np.array([]), 0.5) is None


def test_quantiles_interpolate_linearly():
    assert m.quantile(np.array([10.0, 20, 30, 40]), 0.5) == 25.0
    assert m.quantile(np.array([0.0, 100]), 0.95) == 95.0


def test_incident_windows_decide_precision_recall_and_delay():
    # incidents: 0 at device 1 during [100, 200]; 1 at device 2 during [500, 600]; 2 at
    # device 3 during [0, 50]; 3 a flood during [300, 400] witnessed by devices 4 and 5
    first, hit = m.detections(
        witness_incident=np.array([0, 1, 2, 3, 3]),
        witness_device=np.array([1, 2, 3, 4, 5]),
        onset=np.array([100.0, 500, 0, 300]),
        end=np.array([200.0, 600, 50, 400]),
        alert_device=np.array([1, 1, 2, 2, 3, 5, 4, 9]),
        alert_at=np.array([150.0, 240, 90, 620, 5, 330, 310, 10]),
        grace=30.0,
    )
    # 150 inside; 240 > 200 + 30 outside; device 2 at 90 before onset; 620 within grace;
    # 5 inside; both flood witnesses inside (one detection, the earlier); device 9 sees nothing
    assert hit.tolist() == [True, False, False, True, True, True, True, False]
    assert first.tolist() == [150.0, 620.0, 5.0, 310.0]
    assert m.share(hit.sum(), len(hit)) == pytest.approx(5 / 8)


def test_a_detection_can_carry_another_time_such_as_the_worker_on_site():
    first, _ = m.detections(
        np.array([0]), np.array([1]), np.array([0.0]), np.array([100.0]),
        np.array([1, 1]), np.array([10.0, 20.0]), 0.0, value=np.array([900.0, 400.0]),
    )  # fmt: skip
    assert first.tolist() == [400.0]  # the earliest arrival, whichever alert brought it


def test_false_alarms_per_1000_device_days():
    assert m.per_1000_device_days(6, 2_000, 3.0) == pytest.approx(1.0)
    assert m.per_1000_device_days(0, 0, 3.0) is None


def test_alert_load_per_worker_slot_and_the_flood_share():
    # worker 0 gets 12 events in slot 0 (a flood) and 1 in slot 1; worker 1 gets 2 in slot 0
    worker = np.array([0] * 12 + [0] + [1, 1])
    at = np.array([10.0] * 12 + [700.0] + [20.0, 30.0])
    mean, flood = m.alert_load(worker, at, on_duty_slots=4, slot=600.0, flood=10)
    assert mean == pytest.approx(15 / 4) and flood == pytest.approx(1 / 4)
    assert m.alert_load(worker, at, on_duty_slots=0) == (None, None)


def test_disposal_rate_counts_events_whose_deadline_has_passed():
    received = np.array([0.0, 0.0, 0.0, 950.0])
    closed = np.array([50.0, 200.0, np.nan, np.nan])
    # deadline 100 s, run ends at 1,000: closed in time 1; late 1; open past deadline 1;
    # the last is open but its deadline (1,050) has not passed: not counted
    assert m.disposal_rate(received, closed, 100.0, 1_000.0) == pytest.approx(1 / 3)


def test_first_offline_alert_after_each_silence():
    first = m.first_after(
        episode_key=np.array([7, 7, 8, 9]),
        episode_start=np.array([100.0, 500, 0, 0]),
        alert_key=np.array([7, 7, 7, 8]),
        alert_at=np.array([50.0, 160, 700, 30]),
    )
    assert first.tolist()[:3] == [160.0, 700.0, 30.0] and np.isnan(first[3])


def test_every_metric_has_a_unit_and_a_formula():
    for metric in m.METRICS.values():
        assert metric.unit and metric.formula


def test_desk_utilisation_counts_the_operators_staffed_at_the_run_scale():
    """One day at scale 0.01 of a desk of 300 from 08:00 and 60 from 20:00: 3 operators for 12 h
    and 1 for 12 h (0.6 rounds up to one person), 48 operator-hours; two calls of an hour each
    answered make 2/48 of that time."""
    import pyarrow as pa

    import twin
    from tests.conftest import SKELETON
    from twin.scoring.summary import score

    shifts = [{"from": "08:00", "operators": 300}, {"from": "20:00", "operators": 60}]
    levers = {"city.scale": 0.01, "duration": "1d", "desk.shifts": shifts}
    scenario = twin.load_scenario(SKELETON, levers)
    calls = pa.table(
        {
            "arrived": [9 * 3600.0, 10 * 3600.0],
            "answered": [9 * 3600.0, 10 * 3600.0],
            "finished": [10 * 3600.0, 11 * 3600.0],
            "outcome": ["answered", "answered"],
            "topic": ["a", "a"],
        }
    )
    tables = twin.run(scenario).tables | {"calls": calls}
    assert score(tables, scenario)["metrics"]["desk_utilisation"]["value"] == pytest.approx(2 / 48)


def test_an_alert_firing_over_the_onset_detects_at_the_onset():
    # incident 0 at device 1 during [100, 200]; alerts at device 1: fired at 50 and resolved
    # at 120 (open at the onset), fired at 10 and resolved at 90 (over before it)
    first, hit = m.detections(
        np.array([0]), np.array([1]), np.array([100.0]), np.array([200.0]),
        np.array([1, 1]), np.array([50.0, 10.0]), 0.0, until=np.array([120.0, 90.0]),
    )  # fmt: skip
    assert first.tolist() == [100.0] and hit.tolist() == [True, False]


def test_firing_until_pairs_each_fired_row_with_its_resolution():
    rule = np.array(["A", "A", "B", "A", "A", "A"])
    device = np.array([1, 1, 1, 2, 1, 1])
    kind = np.array(["fired", "escalated", "fired", "fired", "resolved", "fired"])
    at = np.array([0.0, 5.0, 6.0, 7.0, 9.0, 12.0])
    until = m.firing_until(rule, device, kind, at)
    # A@1 fired at 0, resolved at 9; B@1 and A@2 still firing; A@1 fired again at 12
    assert until[[0, 2, 3, 5]].tolist() == [9.0, np.inf, np.inf, np.inf]
    assert np.isnan(until[[1, 4]]).all()
