"""Each metric on a case small enough to compute by hand."""

import numpy as np
import pytest

from twin import metrics as m

E = np.array([1, 1, 1, 1, 0, 0], bool)  # truly eligible: rows 0-3
M = np.array([1, 1, 0, 0, 1, 0], bool)  # matched: 0, 1 (right) and 4 (wrong)
P = np.array([1, 0, 0, 0, 1, 0], bool)  # paid: 0 (right) and 4 (wrong)


def test_coverage_counts_eligible_who_were_paid():
    assert m.coverage(E, P) == pytest.approx(1 / 4)


def test_exclusion_error_counts_eligible_never_matched():
    assert m.exclusion_error(E, M) == pytest.approx(2 / 4)


def test_inclusion_error_counts_matches_of_the_ineligible():
    assert m.inclusion_error(E, M) == pytest.approx(1 / 3)


def test_payout_rate_is_money_paid_over_money_matched():
    assert m.payout_rate(np.array([100, 200, 300]), np.array([100, 300])) == pytest.approx(4 / 6)


def test_empty_denominators_give_none_not_zero():
    none = np.zeros(3, bool)
    assert m.coverage(none, none) is None and m.inclusion_error(E[:3], none) is None
    assert m.quantile(np.array([]), 0.5) is None


def test_quantiles_interpolate_linearly():
    assert m.quantile(np.array([10.0, 20, 30, 40]), 0.5) == 25.0
    assert m.quantile(np.array([0.0, 100]), 0.95) == 95.0


def test_incident_windows_decide_precision_recall_and_delay():
    # incidents: device 1 during [100, 200]; device 2 during [500, 600]; device 3 [0, 50]
    first, hit = m.incident_detections(
        incident_device=np.array([1, 2, 3]),
        onset=np.array([100.0, 500, 0]),
        end=np.array([200.0, 600, 50]),
        alert_device=np.array([1, 1, 2, 2, 3]),
        alert_at=np.array([150.0, 240, 90, 620, 5]),
        grace=30.0,
    )
    # 150 inside; 240 > 200+30 outside; device 2 at 90 before onset; 620 within grace; 5 inside
    assert hit.tolist() == [True, False, False, True, True]
    assert first.tolist() == [150.0, 620.0, 5.0]
    assert m.share(hit.sum(), len(hit)) == pytest.approx(3 / 5)


def test_every_metric_has_a_unit_and_a_formula():
    for metric in m.METRICS.values():
        assert metric.unit in {"share", "s"} and metric.formula
