"""Metrics: each scores a decision of the systems under test against ground truth.

Every metric is a pure function of plain arrays with its formula and unit in its docstring;
``METRICS`` lists them with their units for summaries and docs/metrics.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str
    formula: str
    per_policy: bool = False  # reported for each policy only, not for the whole run


METRICS = {
    m.name: m
    for m in (
        Metric("coverage", "share", "|paid ∩ eligible| / |eligible|"),
        Metric("payout_rate", "share", "amount paid / amount matched"),
        Metric("exclusion_error", "share", "|eligible \\ matched| / |eligible|"),
        Metric("inclusion_error", "share", "|matched \\ eligible| / |matched|"),
        Metric(
            "awareness",
            "share",
            "|eligible who know of it (heard, pushed, paid)| / |eligible|",
            per_policy=True,
        ),
        Metric(
            "precision", "share", "1 - inclusion_error: truly eligible matches", per_policy=True
        ),
        Metric("fairness", "share", "lowest / highest coverage across groups", per_policy=True),
        Metric("convenience", "share", "1 - delivery effort / effort of applying", per_policy=True),
        Metric(
            "review_truly_eligible",
            "share",
            "queued entities truly eligible / entities queued for human review",
        ),
        Metric("review_wait_p50", "s", "median of (decided_at - queued_at) over reviewed cases"),
        Metric("review_wait_p95", "s", "95th percentile of (decided_at - queued_at)"),
        Metric("desk_wait_p50", "s", "median of (answered - arrived) over answered calls"),
        Metric("desk_wait_p95", "s", "95th percentile of (answered - arrived)"),
        Metric(
            "desk_abandoned", "share", "calls abandoned / calls that reached the operator queue"
        ),
        Metric("time_to_money_p50", "s", "median of (paid_at - eligible_from) over paid"),
        Metric("time_to_money_max", "s", "longest (paid_at - eligible_from) over paid"),
        Metric("budget_used", "share", "amount committed / the policy's budget", per_policy=True),
        Metric("desk_utilisation", "share", "time operators spent answering / time on duty"),
        Metric("time_to_money_p95", "s", "95th percentile of (paid_at - eligible_from) over paid"),
        Metric("alert_precision", "share", "fired alerts inside an incident window / fired alerts"),
        Metric("alert_recall", "share", "incidents with an alert inside their window / incidents"),
        Metric(
            "detection_delay_p50", "s", "median of (first alert - onset) over detected incidents"
        ),
        Metric("detection_delay_p95", "s", "95th percentile of (first alert - onset)"),
        Metric("response_time_p50", "s", "median of (worker on site - alert fired)"),
        Metric("response_time_p95", "s", "95th percentile of (worker on site - alert fired)"),
    )
}


def share(numerator: float, denominator: float) -> float | None:
    """numerator / denominator, or None when nothing was there to count."""
    return None if denominator == 0 else float(numerator) / float(denominator)


def quantile(values: np.ndarray, q: float) -> float | None:
    """The q-quantile (linear interpolation, numpy's default), or None for no values."""
    values = np.asarray(values, dtype=np.float64)
    return None if values.size == 0 else float(np.quantile(values, q))


def coverage(eligible: np.ndarray, paid: np.ndarray) -> float | None:
    """|paid ∩ eligible| / |eligible| (share): how many truly eligible received money."""
    return share(np.sum(eligible & paid), np.sum(eligible))


def exclusion_error(eligible: np.ndarray, matched: np.ndarray) -> float | None:
    """|eligible \\ matched| / |eligible| (share): truly eligible the platform never matched."""
    return share(np.sum(eligible & ~matched), np.sum(eligible))


def inclusion_error(eligible: np.ndarray, matched: np.ndarray) -> float | None:
    """|matched \\ eligible| / |matched| (share): matches of truly ineligible entities."""
    return share(np.sum(matched & ~eligible), np.sum(matched))


def payout_rate(matched_fen: np.ndarray, paid_fen: np.ndarray) -> float | None:
    """sum(paid) / sum(matched) (share): committed money that reached accounts."""
    return share(np.sum(paid_fen, dtype=np.int64), np.sum(matched_fen, dtype=np.int64))


def fairness(eligible: np.ndarray, paid: np.ndarray, group: np.ndarray) -> float | None:
    """Lowest over highest coverage across groups with eligible members (share, 1 = equal
    reach); None with fewer than two such groups."""
    cover = [coverage(eligible & (group == g), paid & (group == g)) for g in np.unique(group)]
    cover = [c for c in cover if c is not None]
    if len(cover) < 2 or max(cover) == 0:
        return None
    return min(cover) / max(cover)


def incident_detections(
    incident_device: np.ndarray,
    onset: np.ndarray,
    end: np.ndarray,
    alert_device: np.ndarray,
    alert_at: np.ndarray,
    grace: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Match alerts to incident windows [onset, end + grace] on the same device.

    Returns (first alert time per incident, NaN if undetected; True per alert inside a window).
    """
    first = np.full(len(onset), np.nan)
    hit = np.zeros(len(alert_at), dtype=bool)
    for i in range(len(onset)):
        inside = (
            (alert_device == incident_device[i])
            & (alert_at >= onset[i])
            & (alert_at <= end[i] + grace)
        )
        hit |= inside
        if inside.any():
            first[i] = alert_at[inside].min()
    return first, hit
