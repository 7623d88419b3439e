"""Score a finished run against ground truth: the summary and the daily table."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from twin.core.units import DAY
from twin.scoring import metrics as m
from twin.scoring.sensing import score_sensing
from twin.world.model import CityModel


def score(model: CityModel, tables: dict[str, pa.Table]) -> dict:
    """Every metric of the run, overall and per policy, each as {value, unit}."""
    per_policy = {p.id: _policy_arrays(model, p, tables) for p in model.matcher.policies}
    empty = {"eligible": bool, "matched": bool, "paid": bool}
    empty |= {"matched_fen": np.int64, "paid_fen": np.int64}
    joined = {
        k: np.concatenate(
            [a[k] for a in per_policy.values()] or [np.zeros(0, empty.get(k, np.float64))]
        )
        for k in ("eligible", "matched", "paid", "matched_fen", "paid_fen", "wait")
    }
    reviews = tables["reviews"]
    metrics = {
        **_money(joined),
        "queued_for_review": reviews.num_rows,
        **_applications(tables["applications"]),
        **_reviews(tables["decisions"]),
        **_desk(tables["calls"], model),
        "reviewer_backlog_max": max(
            (o.desk.backlog_max for o in model.offices.values()), default=0
        ),
        "review_truly_eligible": m.share(
            pc.sum(reviews["truly_eligible"]).as_py() or 0, reviews.num_rows
        ),
    }
    breakdown = {}
    if model.params.sensing.enabled:
        sensing, breakdown = score_sensing(tables, model.params)
        metrics.update(sensing)
    return {
        "scenario": model.params.name,
        "seed": model.params.seed,
        "days": model.params.days,
        "metrics": _with_units(metrics),
        "policies": {
            pid: _with_units({**_money(a), **_indicators(model, pid, a)})
            for pid, a in per_policy.items()
        },
        "sensing": breakdown,
    }


def _policy_arrays(model: CityModel, policy, tables: dict[str, pa.Table]) -> dict:
    n = model.population[policy.spec.target].size
    office = model.offices[policy.id]
    ended = model.clock.date_at(model.params.duration - 1)
    in_run = policy.spec.valid_from <= ended and (
        policy.spec.valid_to is None or policy.spec.valid_to >= model.params.start
    )
    eligible = office.truly_eligible & in_run
    matches = _rows(tables["matches"], policy.id)
    payments = _rows(tables["payments"], policy.id)
    paid_rows = payments.filter(pc.equal(payments["status"], "paid"))
    matched = np.zeros(n, bool)
    matched[matches["entity"].to_numpy()] = True
    paid = np.zeros(n, bool)
    paid[paid_rows["entity"].to_numpy()] = True
    eligible_from = max(0.0, model.clock.seconds_at(policy.spec.valid_from))
    return {
        "eligible": eligible,
        "matched": matched,
        "paid": paid,
        "matched_fen": matches["amount_fen"].to_numpy(),
        "paid_fen": paid_rows["amount_fen"].to_numpy(),
        "wait": paid_rows["settled_at"].to_numpy() - eligible_from,
    }


def _indicators(model: CityModel, policy_id: str, a: dict) -> dict:
    """The seed's evaluation indicators for one policy (docs/metrics.md)."""
    office = model.offices[policy_id]
    aware = np.zeros(len(a["eligible"]), bool)
    aw = office.awareness
    aware[aw.members[aw.aware]] = True
    precision = m.inclusion_error(a["eligible"], a["matched"])
    b = model.params.behaviour
    effort = {"auto": 0.0, "push": b.push_effort, "apply": b.apply_effort}[office.delivery]
    return {
        "awareness": m.share(np.sum(a["eligible"] & (aware | a["paid"])), np.sum(a["eligible"])),
        "precision": None if precision is None else 1.0 - precision,
        "fairness": m.fairness(a["eligible"], a["paid"], _groups(model, office.target)),
        "convenience": 1.0 - effort / b.apply_effort if b.apply_effort else 1.0,
        "budget_used": None
        if office.budget is None
        else m.share(office.budget.committed, office.budget.total_fen),
    }


def _groups(model: CityModel, target: str) -> np.ndarray:
    """The groups fairness compares - the digital divide: residents with and without a
    smartphone, firms with and without a platform account."""
    pop = model.population[target]
    return (pop.smartphone if target == "person" else pop.uses_platform).astype(np.int8)


def _rows(table: pa.Table, policy_id: str) -> pa.Table:
    return table.filter(pc.equal(table["policy_id"], policy_id))


def _money(a: dict) -> dict:
    return {
        "eligible": int(a["eligible"].sum()),
        "matched": int(a["matched"].sum()),
        "paid": int(a["paid"].sum()),
        "amount_paid": float(np.sum(a["paid_fen"], dtype=np.int64)) / 100.0,
        "coverage": m.coverage(a["eligible"], a["paid"]),
        "payout_rate": m.payout_rate(a["matched_fen"], a["paid_fen"]),
        "exclusion_error": m.exclusion_error(a["eligible"], a["matched"]),
        "inclusion_error": m.inclusion_error(a["eligible"], a["matched"]),
        "time_to_money_p50": m.quantile(a["wait"], 0.5),
        "time_to_money_p95": m.quantile(a["wait"], 0.95),
        "time_to_money_max": m.quantile(a["wait"], 1.0),
    }


def _applications(apps: pa.Table) -> dict:
    rejected = apps.filter(pc.equal(apps["outcome"], "rejected"))
    return {
        "applications": apps.num_rows,
        "rejected_but_eligible": int(pc.sum(rejected["truly_eligible"]).as_py() or 0),
    }


def _reviews(decisions: pa.Table) -> dict:
    wait = decisions["decided_at"].to_numpy() - decisions["queued_at"].to_numpy()
    approved = pc.equal(decisions["outcome"], "approved")
    false_claims = pc.and_(approved, pc.invert(decisions["truly_eligible"]))
    return {
        "reviewed": decisions.num_rows,
        "approved_false_claims": int(pc.sum(false_claims).as_py() or 0),
        "review_wait_p50": m.quantile(wait, 0.5),
        "review_wait_p95": m.quantile(wait, 0.95),
    }


def _desk(calls: pa.Table, model: CityModel) -> dict:
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
            float(np.sum(finished[waited] - answered[waited])), _operator_seconds(model)
        ),
    }


def _operator_seconds(model: CityModel) -> float:
    """Operator-seconds on duty over the run, from the daily shift plan."""
    shifts = sorted((s.from_, s.operators) for s in model.params.desk.shifts)
    ends = [t for t, _ in shifts[1:]] + [86_400.0 + shifts[0][0]]
    per_day = sum(n * (end - start) for (start, n), end in zip(shifts, ends, strict=True))
    return per_day * model.params.duration / 86_400.0


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
    "silences": "episodes",
    "silences_detected": "episodes",
}


def _with_units(values: dict) -> dict:
    return {
        k: {"value": v, "unit": m.METRICS[k].unit if k in m.METRICS else COUNT_UNITS[k]}
        for k, v in values.items()
    }


def daily(model: CityModel, tables: dict[str, pa.Table]) -> pa.Table:
    """One row per simulated day: what was matched, paid, alerted and answered that day."""
    days = model.params.days
    paid = tables["payments"].filter(pc.equal(tables["payments"]["status"], "paid"))
    fired = tables["alerts"].filter(pc.equal(tables["alerts"]["kind"], "fired"))

    def per_day(times: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        idx = np.minimum((np.asarray(times) // DAY).astype(np.int64), days - 1)
        return np.bincount(idx, weights=weights, minlength=days)[:days]

    collected = model.datacollector.get_model_vars_dataframe()
    behaviour = {k: collected[k].to_numpy(np.int64)[:days] for k in collected.columns}
    return pa.table(
        {
            "day": np.arange(days, dtype=np.int32),
            "date": [model.clock.date_at(d * DAY) for d in range(days)],
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
