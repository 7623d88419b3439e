"""What each figure measures, in a planner's words; the formula (docs/metrics.md) otherwise."""

from __future__ import annotations

from twin.scoring.metrics import METRICS

PLAIN = {
    "coverage": "share of the truly eligible who were paid",
    "payout_rate": "share of the money owed to the truly eligible that reached them",
    "precision": "share of the money paid that went to people truly eligible",
    "fairness": "the worst group's coverage over the best group's (100% = equal reach)",
    "convenience": "100% when nothing is asked of beneficiaries; 50% when each paid one "
    "spent what one application costs",
    "awareness": "share of the truly eligible who knew of the policy",
    "effort_hours_per_paid": "beneficiaries' own time spent on the policy, per person paid",
    "calls_per_paid": "calls to the consultation desk about the policy, per person paid",
    "amount_paid": "money that reached accounts (at the run's city.scale)",
    "policies_online": "policies put online on the platform by the run's last day",
    "enterprises_paid": "distinct enterprises that received money (at the run's city.scale)",
    "persons_paid": "distinct persons who received money (at the run's city.scale)",
    "visits": "sessions on the platform the beneficiaries' steps took (docs/reach.md)",
    "time_to_money_from_eligible_p50": "median time from becoming eligible (or the policy "
    "opening) to the money landing",
    "time_to_money_from_match_p50": "median time from the platform's decision to the money landing",
    "applications": "applications filed",
    "reviewed": "cases a reviewer decided",
    "calls": "calls to the consultation desk",
    "desk_abandoned": "share of callers who hung up before an operator answered",
    "incidents": "real incidents (truth)",
    "incident_recall": "share of real incidents an alert caught",
    "incident_precision": "share of alerts that were about a real incident",
    "detection_delay_p50": "median time from an incident's onset to its first alert",
    "on_site_delay_p50": "median time from an incident's onset to a worker on site",
    "false_alarms_per_1000_device_days": "alerts with no incident behind them, per 1,000 "
    "device-days",
    "events": "events the townships handled",
    "alerts_per_worker_10min": "events per on-duty worker per 10 minutes, on average",
    "alarm_flood_share": "share of 10-minute slots with more events than workers can take",
    "worker_wait_p95": "95th percentile of an event's wait for a worker",
    "hardest_hit_events_per_worker_10min": "the same load in the hardest-hit township",
    "hardest_hit_peak_per_worker_10min": "the hardest-hit township's worst 10 minutes",
    "hardest_hit_worker_wait_p95": "the hardest-hit township's 95th percentile wait",
    "disposal_rate": "share of events handled to the end",
    "notifications_maintenance": "notifications sent to the maintenance crew",
    "maintenance_visits": "visits the maintenance crew made",
    "wasted_visits": "visits that found nothing to fix",
    "visit_wait_p95": "95th percentile of a device's wait for the crew",
    "offline_detection_delay_p50": "median time from a device going silent to its alert",
    "eligible": "truly eligible during the run",
    "paid": "truly eligible who were paid",
    "exclusion_error": "share of the truly eligible the platform did not match",
    "inclusion_error": "share of those matched who were not truly eligible",
}


def meaning(key: str) -> str:
    """A figure's meaning for the report's glossary."""
    if key in PLAIN:
        return PLAIN[key]
    found = METRICS.get(key)
    return found.formula if found else ""
