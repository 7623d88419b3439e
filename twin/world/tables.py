"""The event tables a run logs, one schema each: what actors did, never what it scores.

Policy side: ``matches`` (the platform decided to pay), ``payments`` (money moved, or could
not), ``reviews`` (a case joined the reviewers' queue), ``applications``, ``decisions`` (a
reviewer decided). Sensing side: ``alerts`` (every transition of the alert engine),
``notifications`` (what routing sent to whom), ``jobs`` (every event a township handled),
``merges`` (alerts joined to an event already open), ``repairs`` (the maintenance crew's
visits), ``actions`` (what a beneficiary did and
the time it took them). Ground truth and the world's make-up are
tables too (``truth_eligibility``, ``persons``, ``enterprises``, ``policies``, ``devices``,
``incidents``, ``witnesses``, ``workers`` ...): docs/scenarios.md lists them all.
"""

from __future__ import annotations

import pyarrow as pa

from twin.core.capacity import Staffing

MATCHES = {
    "policy_id": pa.string(),
    "entity": pa.int64(),
    "matched_at": pa.float64(),
    "delivery": pa.string(),
    "amount_fen": pa.int64(),
}
PAYMENTS = {
    "policy_id": pa.string(),
    "entity": pa.int64(),
    "amount_fen": pa.int64(),
    "matched_at": pa.float64(),
    "started_at": pa.float64(),
    "settled_at": pa.float64(),
    "status": pa.string(),
}
APPLICATIONS = {
    "policy_id": pa.string(),
    "entity": pa.int64(),
    "applied_at": pa.float64(),
    "outcome": pa.string(),
}
DECISIONS = {
    "policy_id": pa.string(),
    "entity": pa.int64(),
    "queued_at": pa.float64(),
    "decided_at": pa.float64(),
    "outcome": pa.string(),
}
ACTIONS = {
    "policy_id": pa.string(),
    "entity": pa.int64(),
    "at": pa.float64(),
    "action": pa.string(),  # confirm, evidence, gave up, apply
    "effort_s": pa.float64(),  # the beneficiary's own time the step took
}
REVIEWS = {
    "policy_id": pa.string(),
    "entity": pa.int64(),
    "queued_at": pa.float64(),
}
ALERTS = {
    "alert_id": pa.int64(),
    "rule": pa.string(),
    "device": pa.int64(),
    "device_type": pa.string(),
    "township": pa.int32(),
    "community": pa.int32(),
    "cell": pa.int32(),
    "kind": pa.string(),
    "at": pa.float64(),
    "value": pa.float64(),
    "severity": pa.string(),
}
JOBS = {
    "record": pa.int64(),
    "alert": pa.string(),
    "device": pa.int64(),
    "kind": pa.string(),
    "platform": pa.string(),
    "township": pa.int32(),
    "community": pa.int32(),
    "worker": pa.int64(),
    "fired_at": pa.float64(),
    "received_at": pa.float64(),
    "classified_at": pa.float64(),
    "started_at": pa.float64(),
    "acknowledged_at": pa.float64(),
    "on_site_at": pa.float64(),
    "done_at": pa.float64(),
    "reviewed_at": pa.float64(),
    "outcome": pa.string(),
    "reassigned": pa.bool_(),
    "tier": pa.string(),
}
REPAIRS = {  # every visit of the device maintenance crew
    "alert": pa.string(),
    "device": pa.int64(),
    "township": pa.int32(),
    "district": pa.int32(),
    "fired_at": pa.float64(),
    "received_at": pa.float64(),
    "started_at": pa.float64(),
    "on_site_at": pa.float64(),
    "done_at": pa.float64(),
    "outcome": pa.string(),
}
TRUTH = {  # who is truly eligible for what, since when (seconds) and for how much (yuan)
    "policy_id": pa.string(),
    "entity": pa.int64(),
    "since": pa.float64(),
    "amount_yuan": pa.float64(),
}
REVIEW_QUEUE = {  # cases waiting for a department's reviewers when a new one arrives
    "policy_id": pa.string(),
    "at": pa.float64(),
    "waiting": pa.int64(),
}
MERGES = {
    "alert": pa.string(),
    "device": pa.int64(),
    "community": pa.int32(),
    "at": pa.float64(),
}
NOTIFICATIONS = {
    "at": pa.float64(),
    "receiver": pa.string(),
    "firing": pa.int64(),
    "resolved": pa.int64(),
    "truncated": pa.int64(),
}


_ALL = {"per township": "all townships", "per district": "all districts"}


def staffing_table(records: list[Staffing]) -> pa.Table:
    """One row per capacity and unit staffed: the real city's figure, its exact share at the
    run's scale, the whole people staffed (summed over townships for the response side)."""
    rows: dict[tuple[str, str], list[float]] = {}
    for r in records:
        row = rows.setdefault((r.capacity, r.unit), [0.0, 0.0, 0, 0, 0])
        row[0] += r.at_scale_1
        row[1] += r.exact
        row[2] += r.staffed
        row[3] += 1
        row[4] += not r.faithful
    keys = list(rows)
    return pa.table(
        {
            "capacity": pa.array([k[0] for k in keys], pa.string()),
            "unit": pa.array([_ALL.get(k[1], k[1]) for k in keys]),
            "at_scale_1": pa.array([rows[k][0] for k in keys], pa.float64()),
            "exact": pa.array([rows[k][1] for k in keys], pa.float64()),
            "staffed": pa.array([rows[k][2] for k in keys], pa.int64()),
            "units": pa.array([rows[k][3] for k in keys], pa.int64()),
            "rounded_beyond_25pct": pa.array([rows[k][4] for k in keys], pa.int64()),
        }
    )
