"""Metrics: each scores a decision of the systems under test against ground truth.

Every metric is a pure function of plain arrays with its formula and unit in its docstring;
``METRICS`` lists them with their units for summaries and docs/metrics.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# The groups fairness compares (docs/metrics.md); a group counts with this many eligible.
MIN_GROUP = 20
FAIRNESS_DIMENSIONS = {
    "age": "residents aged 70 and over and those under 40",
    "smartphone": "residents with and without a smartphone",
    "literacy": "residents of low (< 1/3), middle and high (>= 2/3) digital literacy",
    "district": "districts (residents or firms)",
    "firm_size": "firms' size classes",
    "platform_account": "firms with and without a platform account",
}


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
        Metric(
            "payout_rate",
            "share",
            "Σ over the truly eligible of min(paid, owed) / Σ owed: of the money owed to the "
            "truly eligible (their true amounts), the share that reached them",
        ),
        Metric(
            "paid_of_matched",
            "share",
            "Σ amount paid / Σ amount matched: of the money the platform committed, the share "
            "that reached accounts (the old payout rate)",
        ),
        Metric(
            "precision",
            "share",
            "Σ amount paid to the truly eligible / Σ amount paid: false claims approved and "
            "wrong matches count against it, in every delivery mode",
        ),
        Metric("exclusion_error", "share", "|eligible \\ matched| / |eligible|"),
        Metric("inclusion_error", "share", "|matched \\ eligible| / |matched|"),
        Metric(
            "awareness",
            "share",
            "|eligible who know of it (heard, pushed, paid)| / |eligible|",
            per_policy=True,
        ),
        Metric(
            "fairness",
            "share",
            "the lowest of the fairness_* ratios below: the worst gap in reach between groups",
            per_policy=True,
        ),
        Metric(
            "fairness_gap",
            "share",
            "highest - lowest coverage across the groups of the worst fairness_* dimension",
            per_policy=True,
        ),
        *(
            Metric(
                f"fairness_{name}",
                "share",
                f"lowest / highest coverage across {groups} (groups with at least "
                f"{MIN_GROUP} eligible; 1 = equal reach)",
                per_policy=True,
            )
            for name, groups in FAIRNESS_DIMENSIONS.items()
        ),
        Metric(
            "effort_hours_per_paid",
            "h",
            "Σ beneficiaries' own time on the policy (confirming, gathering evidence, applying, "
            "also of those who gave up or were refused) / |paid|",
            per_policy=True,
        ),
        Metric(
            "steps_per_paid",
            "steps",
            "beneficiaries' actions (a confirmation, evidence gathered, an application) / |paid|",
            per_policy=True,
        ),
        Metric(
            "calls_per_paid",
            "calls",
            "calls to the desk about the policy / |paid|",
            per_policy=True,
        ),
        Metric(
            "convenience",
            "share",
            "A / (A + effort_hours_per_paid), A = apply_effort + evidence_effort: 1 when "
            "nothing is asked of a beneficiary, 1/2 when each paid one spent what one "
            "application costs, towards 0 as effort grows",
            per_policy=True,
        ),
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
        Metric(
            "time_to_money_from_eligible_p50",
            "s",
            "median over the paid of (paid_at - the later of becoming eligible and the policy "
            "opening)",
        ),
        Metric("time_to_money_from_eligible_p95", "s", "95th percentile of the same"),
        Metric("time_to_money_from_eligible_max", "s", "longest of the same"),
        Metric(
            "time_to_money_from_match_p50", "s", "median over the paid of (paid_at - matched_at)"
        ),
        Metric("time_to_money_from_match_p95", "s", "95th percentile of (paid_at - matched_at)"),
        Metric("budget_used", "share", "amount committed / the policy's budget", per_policy=True),
        Metric(
            "desk_utilisation",
            "share",
            "time operators spent answering / time on duty of the operators staffed at the scale",
        ),
        Metric(
            "incident_precision",
            "share",
            "value alerts inside a window of an incident their device witnesses / value alerts",
        ),
        Metric(
            "incident_recall",
            "share",
            "incidents with a value alert from a witness inside [onset, end + grace] / incidents",
        ),
        Metric(
            "detection_delay_p50", "s", "median of (first alert - onset) over detected incidents"
        ),
        Metric("detection_delay_p95", "s", "95th percentile of (first alert - onset)"),
        Metric(
            "on_site_delay_p50",
            "s",
            "median of (first worker on site - onset) over incidents a worker reached",
        ),
        Metric("on_site_delay_p95", "s", "95th percentile of (first worker on site - onset)"),
        Metric(
            "false_alarms_per_1000_device_days",
            "alerts per 1,000 device-days",
            "value alerts outside every incident window * 1000 / (devices * days), per type",
        ),
        Metric(
            "alerts_per_worker_10min",
            "events per worker per 10 min",
            "events reaching workers / on-duty worker 10-minute slots",
        ),
        Metric(
            "alarm_flood_share",
            "share",
            "on-duty worker 10-minute slots with more than 10 events / on-duty slots",
        ),
        Metric(
            "worker_wait_p95",
            "s",
            "95th percentile of (worker takes the event - event assigned): time in a queue",
        ),
        Metric(
            "hardest_hit_events_per_worker_10min",
            "events per worker per 10 min",
            "max over townships of events reaching the township's workers / its on-duty "
            "worker 10-minute slots: the hardest-hit township's mean load",
        ),
        Metric(
            "hardest_hit_peak_per_worker_10min",
            "events per worker per 10 min",
            "in the hardest-hit township, max over 10-minute slots of events reaching its "
            "workers / its workers on duty in the slot",
        ),
        Metric(
            "hardest_hit_worker_wait_p95",
            "s",
            "worker_wait_p95 within the township with the highest peak load",
        ),
        Metric(
            "visit_wait_p95",
            "s",
            "95th percentile of (a technician sets out - the maintenance alert arrived)",
        ),
        Metric(
            "disposal_rate",
            "share",
            "events closed within the disposal deadline / events whose deadline has passed",
        ),
        Metric(
            "offline_detection_delay_p50",
            "s",
            "median of (first offline alert - silence onset) over detected silences",
        ),
        Metric("offline_detection_delay_p95", "s", "95th percentile of the same"),
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


def paid_of_matched(matched_fen: np.ndarray, paid_fen: np.ndarray) -> float | None:
    """sum(paid) / sum(matched) (share): committed money that reached accounts."""
    return share(np.sum(paid_fen, dtype=np.int64), np.sum(matched_fen, dtype=np.int64))


def payout_rate(owed_fen: np.ndarray, paid_fen: np.ndarray) -> float | None:
    """sum(min(paid, owed)) / sum(owed) over the truly eligible (share): money owed that
    reached them. Arrays are per eligible entity; paid is 0 for those never paid."""
    owed = np.asarray(owed_fen, np.int64)
    return share(np.sum(np.minimum(np.asarray(paid_fen, np.int64), owed)), np.sum(owed))


def precision(paid_fen: np.ndarray, to_eligible: np.ndarray) -> float | None:
    """sum(paid to the truly eligible) / sum(paid) (share), per payment."""
    paid = np.asarray(paid_fen, np.int64)
    return share(np.sum(paid[to_eligible]), np.sum(paid))


def coverage_by_group(
    eligible: np.ndarray, paid: np.ndarray, group: np.ndarray, min_group: int = MIN_GROUP
) -> dict:
    """Coverage of each group with at least ``min_group`` eligible members (group -> share);
    members whose group is None or NaN belong to none."""
    out = {}
    rows = np.flatnonzero(np.asarray(eligible))  # only the eligible count: a few of the city
    group, paid = np.asarray(group)[rows], np.asarray(paid)[rows]
    present = {g for g in group.tolist() if g is not None and g == g}
    for g in sorted(present, key=str):
        members = group == g
        if members.sum() >= min_group:
            out[g] = coverage(members, paid & members)
    return out


def fairness(
    eligible: np.ndarray, paid: np.ndarray, group: np.ndarray, min_group: int = MIN_GROUP
) -> tuple[float | None, float | None]:
    """(lowest / highest coverage, highest - lowest) across groups with at least
    ``min_group`` eligible (shares, 1 and 0 = equal reach); None with fewer than two groups
    or nobody paid."""
    cover = list(coverage_by_group(eligible, paid, group, min_group).values())
    if len(cover) < 2 or max(cover) == 0:
        return None, None
    return min(cover) / max(cover), max(cover) - min(cover)


def per_paid(total: float, paid: int) -> float | None:
    """total / |paid|: what each paid beneficiary cost, in the total's unit."""
    return share(total, paid)


def convenience(hours_per_paid: float | None, application_hours: float) -> float | None:
    """A / (A + hours per paid), A one application's effort: 1 when nothing is asked, 1/2
    when each paid beneficiary spent one application's worth; never below 0."""
    if hours_per_paid is None:
        return None
    return application_hours / (application_hours + hours_per_paid)


def detections(
    witness_incident: np.ndarray,
    witness_device: np.ndarray,
    onset: np.ndarray,
    end: np.ndarray,
    alert_device: np.ndarray,
    alert_at: np.ndarray,
    grace: float,
    value: np.ndarray | None = None,
    until: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Match alerts to incident windows [onset, end + grace] through witnesses: an alert
    counts for an incident when its device witnesses the incident (one detection per
    incident, however many alerts fall in its window). With ``until`` (when each alert
    resolved; inf if never), an alert still firing at the onset counts too, detecting it at
    the onset: a community already under a flood alert when its street floods is covered.

    Returns (per incident: the earliest ``value`` (default: alert time, or the onset for an
    alert fired before it) over its matched alerts, NaN if none; per alert: True if it falls
    in, or is firing over, some window of an incident it witnesses).
    """
    value = alert_at if value is None else value
    until = alert_at if until is None else until
    first = np.full(len(onset), np.nan)
    hit = np.zeros(len(alert_at), dtype=bool)
    if not len(witness_device) or not len(alert_device):
        return first, hit
    order = np.argsort(witness_device, kind="stable")
    wd, wi = witness_device[order], witness_incident[order]
    lo = np.searchsorted(wd, alert_device, "left")
    hi = np.searchsorted(wd, alert_device, "right")
    for k in range(int((hi - lo).max(initial=0))):
        a = np.flatnonzero(hi - lo > k)
        inc = wi[lo[a] + k]
        inside = (until[a] >= onset[inc]) & (alert_at[a] <= end[inc] + grace)
        a, inc = a[inside], inc[inside]
        hit[a] = True
        np.fmin.at(first, inc, np.maximum(value[a], onset[inc]))
    return first, hit


def firing_until(
    rule: np.ndarray, device: np.ndarray, kind: np.ndarray, at: np.ndarray
) -> np.ndarray:
    """For each ``fired`` row of an alert log, when that alert resolved (the same rule and
    device's next ``resolved`` row), inf while it still fires; NaN for other rows."""
    out = np.full(len(at), np.nan)
    rows = np.flatnonzero((kind == "fired") | (kind == "resolved"))
    order = rows[np.lexsort((at[rows], device[rows], rule[rows]))]
    fired = kind[order] == "fired"
    nxt = np.append(order[1:], -1)
    same = np.append(
        (rule[order[1:]] == rule[order[:-1]]) & (device[order[1:]] == device[order[:-1]]), False
    )
    ends = same & (kind[nxt] == "resolved")
    out[order[fired]] = np.where(ends[fired], at[nxt[fired]], np.inf)
    return out


def per_1000_device_days(count: float, devices: int, days: float) -> float | None:
    """count * 1000 / (devices * days): a rate per 1,000 device-days."""
    return share(count * 1000.0, devices * days)


def alert_load(
    worker: np.ndarray, at: np.ndarray, on_duty_slots: int, slot: float = 600.0, flood: int = 10
) -> tuple[float | None, float | None]:
    """(events per on-duty worker slot, share of on-duty slots with more than ``flood``
    events). Events reach a worker at ``at``; slots are fixed ``slot``-second windows."""
    if on_duty_slots == 0:
        return None, None
    bins = (np.asarray(at) // slot).astype(np.int64)
    _, counts = np.unique(np.stack([np.asarray(worker), bins]), axis=1, return_counts=True)
    return len(at) / on_duty_slots, int((counts > flood).sum()) / on_duty_slots


def disposal_rate(
    received: np.ndarray, closed: np.ndarray, deadline: float, run_end: float
) -> float | None:
    """Events closed within ``deadline`` of being received / events whose deadline has passed
    by the end of the run or which closed (share). ``closed`` is NaN for open events."""
    closed_in_time = closed - received <= deadline  # NaN compares False
    due = (received + deadline <= run_end) | closed_in_time
    return share(np.sum(closed_in_time & due), np.sum(due))


def first_after(
    episode_key: np.ndarray, episode_start: np.ndarray, alert_key: np.ndarray, alert_at: np.ndarray
) -> np.ndarray:
    """Per episode, the first alert with the same key at or after its start (NaN if none)."""
    first = np.full(len(episode_key), np.nan)
    if not len(alert_key) or not len(episode_key):
        return first
    order = np.lexsort((alert_at, alert_key))
    key, at = alert_key[order], alert_at[order]
    # within each key, alerts are in time order: find the first at or after the start
    lo = np.searchsorted(key, episode_key, "left")
    hi = np.searchsorted(key, episode_key, "right")
    for k in range(int((hi - lo).max(initial=0))):
        e = np.flatnonzero((hi - lo > k) & np.isnan(first))
        t = at[lo[e] + k]
        ok = t >= episode_start[e]
        first[e[ok]] = t[ok]
    return first
