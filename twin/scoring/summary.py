"""Score a finished run against ground truth: the summary and the daily table."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from twin.core.units import DAY
from twin.scoring import metrics as m
from twin.scoring.policies import indicators, policy_arrays, truly_eligible_at
from twin.scoring.reach import reach
from twin.scoring.sensing import score_sensing


def score(tables: dict[str, pa.Table], scenario) -> dict:
    """Every metric of the run, overall and per policy, each as {value, unit}: a function of
    the run's tables and its scenario alone."""
    per_policy = policy_arrays(tables, scenario)
    empty = {"eligible": bool, "matched": bool, "paid": bool, "paid_to_eligible": bool}
    empty |= {k: np.int64 for k in ("matched_fen", "paid_fen", "owed_fen", "paid_owed_fen")}
    joined = {
        k: np.concatenate(
            [a[k] for a in per_policy.values()] or [np.zeros(0, empty.get(k, np.float64))]
        )
        for k in (*empty, "wait", "wait_from_match")
    }
    reviews = tables["reviews"]
    waiting = tables["review_queue"]["waiting"].to_numpy()
    metrics = {
        **_money(joined),
        "queued_for_review": reviews.num_rows,
        **_applications(tables),
        **_reviews(tables),
        **_desk(tables["calls"], scenario),
        "reviewer_backlog_max": int(waiting.max()) if len(waiting) else 0,
        "review_truly_eligible": m.share(
            int(truly_eligible_at(tables, reviews, "queued_at").sum()), reviews.num_rows
        ),
        **_reach(tables, scenario),
    }
    breakdown = {}
    if scenario.sensing.enabled:
        sensing, breakdown = score_sensing(tables, scenario)
        metrics.update(sensing)
    return {
        "scenario": scenario.name,
        "seed": scenario.seed,
        "days": scenario.days,
        "metrics": _with_units(metrics),
        "policies": {
            pid: _with_units({**_money(a), **indicators(tables, scenario, pid, a)})
            for pid, a in per_policy.items()
        },
        "sensing": breakdown,
    }


def _reach(tables: dict[str, pa.Table], scenario) -> dict:
    """The seed's reach figures on the run's last day (docs/reach.md)."""
    table = tables["reach"] if "reach" in tables else reach(tables, scenario)
    last = table.to_pylist()[-1]
    return {k: last[k] for k in ("policies_online", "enterprises_paid", "persons_paid", "visits")}


def _rows(table: pa.Table, policy_id: str) -> pa.Table:
    return table.filter(pc.equal(table["policy_id"], policy_id))


def _money(a: dict) -> dict:
    return {
        "eligible": int(a["eligible"].sum()),
        "matched": int(a["matched"].sum()),
        "paid": int(a["paid"].sum()),
        "amount_paid": float(np.sum(a["paid_fen"], dtype=np.int64)) / 100.0,
        "coverage": m.coverage(a["eligible"], a["paid"]),
        "payout_rate": m.payout_rate(a["owed_fen"], a["paid_owed_fen"]),
        "paid_of_matched": m.paid_of_matched(a["matched_fen"], a["paid_fen"]),
        "precision": m.precision(a["paid_fen"], a["paid_to_eligible"]),
        "exclusion_error": m.exclusion_error(a["eligible"], a["matched"]),
        "inclusion_error": m.inclusion_error(a["eligible"], a["matched"]),
        "time_to_money_from_eligible_p50": m.quantile(a["wait"], 0.5),
        "time_to_money_from_eligible_p95": m.quantile(a["wait"], 0.95),
        "time_to_money_from_eligible_max": m.quantile(a["wait"], 1.0),
        "time_to_money_from_match_p50": m.quantile(a["wait_from_match"], 0.5),
        "time_to_money_from_match_p95": m.quantile(a["wait_from_match"], 0.95),
    }


def _applications(tables: dict[str, pa.Table]) -> dict:
    apps = tables["applications"]
    rejected = apps.filter(pc.equal(apps["outcome"], "rejected"))
    return {
        "applications": apps.num_rows,
        "rejected_but_eligible": int(truly_eligible_at(tables, rejected, "applied_at").sum()),
    }


def _reviews(tables: dict[str, pa.Table]) -> dict:
    decisions = tables["decisions"]
    wait = decisions["decided_at"].to_numpy() - decisions["queued_at"].to_numpy()
    approved = decisions["outcome"].to_numpy(zero_copy_only=False) == "approved"
    truly = truly_eligible_at(tables, decisions, "queued_at")
    false_claims = approved & ~truly
    return {
        "reviewed": decisions.num_rows,
        "approved_false_claims": int(false_claims.sum()),
        "review_wait_p50": m.quantile(wait, 0.5),
        "review_wait_p95": m.quantile(wait, 0.95),
    }


def _desk(calls: pa.Table, scenario) -> dict:
    arrived, answered = calls["arrived"].to_numpy(), calls["answered"].to_numpy()
    finished = calls["finished"].to_numpy()
    waited = ~np.isnan(answered)
    outcome = calls["outcome"].to_numpy(zero_copy_only=False)
    to_operator = outcome != "deflected"
    return {
        "calls": calls.num_rows,
        "desk_wait_p50": m.quantile(answered[waited] - arrived[waited], 0.5),
        "desk_wait_p95": m.quantile(answered[waited] - arrived[waited], 0.95),
        "desk_abandoned": m.share(int((outcome == "abandoned").sum()), int(to_operator.sum())),
        "desk_utilisation": m.share(
            float(np.sum(finished[waited] - answered[waited])), _operator_seconds(scenario)
        ),
    }


def _operator_seconds(scenario) -> float:
    """Operator-seconds on duty over the run, from the daily shift plan as staffed at the
    run's scale (docs/capacity.md)."""
    shifts = sorted(scenario.desk.plan(scenario.city.scale))
    ends = [t for t, _ in shifts[1:]] + [DAY + shifts[0][0]]
    per_day = sum(n * (end - start) for (start, n), end in zip(shifts, ends, strict=True))
    return per_day * scenario.duration / DAY


COUNT_UNITS = {
    "eligible": "entities",
    "matched": "entities",
    "paid": "entities",
    "amount_paid": "yuan",
    "queued_for_review": "entities",
    "applications": "applications",
    "reviewed": "cases",
    "calls": "calls",
    "reviewer_backlog_max": "cases",
    "approved_false_claims": "cases",
    "rejected_but_eligible": "applications",
    "incidents": "incidents",
    "alerts_fired": "alerts",
    "false_alarms": "alerts",
    "events": "events",
    "events_reassigned": "events",
    "events_merged": "alerts",
    "events_reviewed": "events",
    "notifications_township": "notifications",
    "notifications_maintenance": "notifications",
    "hardest_hit_township": "township",
    "maintenance_visits": "visits",
    "batteries_replaced": "visits",
    "wasted_visits": "visits",
    "silences": "episodes",
    "silences_detected": "episodes",
    "fairness_worst": "dimension",
    "policies_online": "policies",
    "enterprises_paid": "enterprises",
    "persons_paid": "persons",
    "visits": "visits",
}


def unit_of(name: str) -> str | None:
    """The unit a summary gives a figure (None for a name it does not know)."""
    return m.METRICS[name].unit if name in m.METRICS else COUNT_UNITS.get(name)


def _with_units(values: dict) -> dict:
    return {k: {"value": v, "unit": unit_of(k)} for k, v in values.items()}


def daily(scenario, tables: dict[str, pa.Table], collected) -> pa.Table:
    """One row per simulated day: what was matched, paid, alerted and answered that day."""
    days = scenario.days
    paid = tables["payments"].filter(pc.equal(tables["payments"]["status"], "paid"))
    fired = tables["alerts"].filter(pc.equal(tables["alerts"]["kind"], "fired"))

    def per_day(times: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        idx = np.minimum((np.asarray(times) // DAY).astype(np.int64), days - 1)
        return np.bincount(idx, weights=weights, minlength=days)[:days]

    behaviour = {k: collected[k].to_numpy(np.int64)[:days] for k in collected.columns}
    return pa.table(
        {
            "day": np.arange(days, dtype=np.int32),
            "date": [scenario.start + dt.timedelta(days=d) for d in range(days)],
            **{f"{k}_total": v for k, v in behaviour.items()},
            "matched": per_day(tables["matches"]["matched_at"].to_numpy()).astype(np.int64),
            "queued_for_review": per_day(tables["reviews"]["queued_at"].to_numpy()).astype(
                np.int64
            ),
            "paid": per_day(paid["settled_at"].to_numpy()).astype(np.int64),
            "amount_paid_yuan": per_day(
                paid["settled_at"].to_numpy(), paid["amount_fen"].to_numpy().astype(float)
            )
            / 100.0,
            "incidents": per_day(_real_onsets(tables["incidents"])).astype(np.int64),
            "alerts_fired": per_day(fired["at"].to_numpy()).astype(np.int64),
            "workers_on_site": per_day(_finite(tables["jobs"]["on_site_at"].to_numpy())).astype(
                np.int64
            ),
        }
    )


def _real_onsets(incidents: pa.Table) -> np.ndarray:
    return incidents.filter(incidents["real"])["onset"].to_numpy()


def _finite(x: np.ndarray) -> np.ndarray:
    return x[np.isfinite(x)]
