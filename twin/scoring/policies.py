"""Score the policy side against ground truth, from the run's tables: who was owed, matched,
paid, how fast, and the seed's indicators per policy (docs/metrics.md).

Truth comes from ``truth`` (who became eligible for which policy, when, for how much), the
population from ``persons`` and ``enterprises``, the policies as run from ``policies``, what
happened from the event tables; an event is judged against the truth at its own time.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from twin.core.units import DAY, HOUR
from twin.scoring import metrics as m
from twin.scoring.by_policy import of_table, split
from twin.scoring.by_policy import rows as _rows

POPULATION = {"person": "persons", "enterprise": "enterprises"}
# A lowest-over-highest ratio across ten districts is biased low when districts hold few
# eligible (the extremes of ten noisy shares): reported, but not the headline's.
NOT_IN_HEADLINE = {"district"}


def policy_arrays(tables: dict[str, pa.Table], scenario) -> dict[str, dict]:
    """Per policy, in the order they ran: boolean arrays over its target population
    (eligible under truth during the run, matched, paid), amounts owed and paid, and waits."""
    out = {}
    ended = scenario.start + dt.timedelta(seconds=scenario.duration - 1)
    truth = _truth(tables["truth"])
    for p in tables["policies"].to_pylist():
        n = tables[POPULATION[p["target"]]].num_rows
        in_run = p["valid_from"] <= ended and (
            p["valid_to"] is None or p["valid_to"] >= scenario.start
        )
        who, since, owed_yuan = truth.get(p["policy_id"], _NOBODY)
        eligible = np.zeros(n, bool)
        eligible[who] = in_run
        owed = np.zeros(n, np.int64)
        owed[who] = np.round(np.nan_to_num(owed_yuan) * 100).astype(np.int64)
        eligible_since = np.full(n, np.nan)
        eligible_since[who] = since
        matches = _rows(tables["matches"], p["policy_id"])
        payments = _rows(tables["payments"], p["policy_id"])
        paid_rows = payments.filter(pc.equal(payments["status"], "paid"))
        paid_to = paid_rows["entity"].to_numpy()
        matched = np.zeros(n, bool)
        matched[matches["entity"].to_numpy()] = True
        paid = np.zeros(n, bool)
        paid[paid_to] = True
        paid_fen = paid_rows["amount_fen"].to_numpy()
        paid_each = np.zeros(n, np.int64)
        np.add.at(paid_each, paid_to, paid_fen)
        opened = max(0.0, (p["valid_from"] - scenario.start).days * DAY)
        settled = paid_rows["settled_at"].to_numpy()
        out[p["policy_id"]] = {
            "eligible": eligible,
            "matched": matched,
            "paid": paid,
            "matched_fen": matches["amount_fen"].to_numpy(),
            "paid_fen": paid_fen,
            "paid_to_eligible": eligible[paid_to],
            "owed_fen": owed[eligible],
            "paid_owed_fen": paid_each[eligible],
            # money that came before the eligibility (a record paid early) waited nothing
            "wait": np.maximum(settled - np.fmax(eligible_since[paid_to], opened), 0.0),
            "wait_from_match": settled - paid_rows["matched_at"].to_numpy(),
        }
    return out


def indicators(tables: dict[str, pa.Table], scenario, policy_id: str, a: dict) -> dict:
    """The seed's evaluation indicators for one policy (docs/metrics.md)."""
    p = _rows(tables["policies"], policy_id).to_pylist()[0]
    aware = np.zeros(len(a["eligible"]), bool)
    aware[_rows(tables["awareness"], policy_id)["entity"].to_numpy()] = True
    total = p["budget_total_fen"]
    return {
        "awareness": m.share(np.sum(a["eligible"] & (aware | a["paid"])), np.sum(a["eligible"])),
        **fairness(tables, p["target"], a, scenario.start),
        **convenience(tables, scenario, policy_id, int(a["paid"].sum())),
        "budget_used": None if total is None else m.share(p["budget_committed_fen"], total),
    }


def fairness(tables: dict[str, pa.Table], target: str, a: dict, start: dt.date) -> dict:
    """Coverage ratio across the groups of each dimension, and the worst of them."""
    ratios, gaps = {}, {}
    for name, group in _groups(tables, target, start).items():
        ratios[name], gaps[name] = m.fairness(a["eligible"], a["paid"], group)
    known = {k: v for k, v in ratios.items() if v is not None and k not in NOT_IN_HEADLINE}
    worst = min(known, key=known.get) if known else None
    return {
        "fairness": None if worst is None else known[worst],
        "fairness_worst": worst or "-",
        "fairness_gap": None if worst is None else gaps[worst],
        **{f"fairness_{k}": v for k, v in ratios.items()},
    }


def convenience(tables: dict[str, pa.Table], scenario, policy_id: str, paid: int) -> dict:
    """What beneficiaries spent to be paid - their time, their steps, their calls - per paid
    beneficiary, and that time as an index against one application."""
    actions = _rows(tables["actions"], policy_id)
    calls = tables["calls"]
    asked = int(pc.sum(pc.equal(calls["topic"], policy_id)).as_py() or 0) if calls.num_rows else 0
    hours = float(pc.sum(actions["effort_s"]).as_py() or 0.0) / HOUR
    per_paid = m.per_paid(hours, paid)
    b = scenario.behaviour
    application = (b.apply_effort + b.evidence_effort) / HOUR
    return {
        "effort_hours_per_paid": per_paid,
        "steps_per_paid": m.per_paid(actions.num_rows, paid),
        "calls_per_paid": m.per_paid(asked, paid),
        "convenience": m.convenience(per_paid, application),
    }


def truly_eligible_at(tables: dict[str, pa.Table], events: pa.Table, time: str) -> np.ndarray:
    """For each event row (policy_id, entity), whether the entity was truly eligible for the
    policy at the event's ``time`` column."""
    since = _since(tables["truth"])
    out = np.zeros(events.num_rows, bool)
    policy = events["policy_id"].to_numpy(zero_copy_only=False)
    entity, at = events["entity"].to_numpy(), events[time].to_numpy()
    pids, code = np.unique(policy, return_inverse=True)  # each policy's rows, found in one pass
    code = code.reshape(-1)
    by_policy = np.argsort(code, kind="stable")
    bounds = np.searchsorted(code[by_policy], np.arange(len(pids) + 1))
    for i, pid in enumerate(pids.tolist()):
        rows = by_policy[bounds[i] : bounds[i + 1]]
        who, when = since.get(pid, (np.zeros(0, np.int64), np.zeros(0)))
        order = np.argsort(who, kind="stable")
        who, when = who[order], when[order]
        pos = np.minimum(np.searchsorted(who, entity[rows]), max(len(who) - 1, 0))
        found = (pos < len(who)) & (who[pos] == entity[rows]) if len(who) else pos < 0
        out[rows] = found & (when[pos] <= at[rows]) if len(who) else False
    return out


_NOBODY = (np.zeros(0, np.int64), np.zeros(0), np.zeros(0))


def _truth(truth: pa.Table) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per policy: the entities ever eligible, since when (seconds) and what they are owed."""
    return of_table("truth", truth, _truth_of)


def _truth_of(truth: pa.Table) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    return {
        pid: (
            t["entity"].to_numpy(),
            t["since"].to_numpy(),
            t["amount_yuan"].to_numpy(zero_copy_only=False).astype(np.float64),
        )
        for pid, t in of_table("split", truth, split).items()
    }


def _since(truth: pa.Table) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per policy: the entities ever eligible and since when (seconds)."""
    return {pid: (who, when) for pid, (who, when, _) in _truth(truth).items()}


def _groups(tables: dict[str, pa.Table], target: str, start: dt.date) -> dict[str, np.ndarray]:
    """The groups fairness compares, by dimension (docs/metrics.md); once per population."""
    table = tables[POPULATION[target]]
    return of_table(f"groups {target} {start}", table, lambda t: _groups_of(t, target, start))


def _groups_of(t: pa.Table, target: str, start: dt.date) -> dict[str, np.ndarray]:
    if target == "person":
        born = t["birth_date"].to_numpy(zero_copy_only=False).astype("datetime64[D]")
        age = (np.datetime64(start) - born).astype(np.int64) / 365.25
        literacy = t["digital_literacy"].to_numpy(zero_copy_only=False)
        return {
            "age": np.where(age >= 70, "70+", np.where(age < 40, "under 40", None)),
            "smartphone": t["smartphone"].to_numpy(zero_copy_only=False),
            "literacy": np.digitize(literacy, [1 / 3, 2 / 3]),
            "district": _labels(t["district"]),
        }
    return {
        "firm_size": _labels(t["size_class"]),
        "platform_account": t["uses_platform"].to_numpy(zero_copy_only=False),
        "district": _labels(t["district"]),
    }


def _labels(column: pa.ChunkedArray) -> np.ndarray:
    return column.to_numpy(zero_copy_only=False).astype(object)
