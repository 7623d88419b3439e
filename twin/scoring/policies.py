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

from twin.core.units import DAY
from twin.scoring import metrics as m

POPULATION = {"person": "persons", "enterprise": "enterprises"}


def policy_arrays(tables: dict[str, pa.Table], scenario) -> dict[str, dict]:
    """Per policy, in the order they ran: boolean arrays over its target population
    (eligible under truth during the run, matched, paid), amounts and waits."""
    out = {}
    policies = tables["policies"].to_pylist()
    ended = scenario.start + dt.timedelta(seconds=scenario.duration - 1)
    since = _since(tables["truth"])
    for p in policies:
        n = tables[POPULATION[p["target"]]].num_rows
        in_run = p["valid_from"] <= ended and (
            p["valid_to"] is None or p["valid_to"] >= scenario.start
        )
        eligible = np.zeros(n, bool)
        eligible[since.get(p["policy_id"], (np.zeros(0, np.int64),))[0]] = in_run
        matches = _rows(tables["matches"], p["policy_id"])
        payments = _rows(tables["payments"], p["policy_id"])
        paid_rows = payments.filter(pc.equal(payments["status"], "paid"))
        matched = np.zeros(n, bool)
        matched[matches["entity"].to_numpy()] = True
        paid = np.zeros(n, bool)
        paid[paid_rows["entity"].to_numpy()] = True
        eligible_from = max(0.0, (p["valid_from"] - scenario.start).days * DAY)
        out[p["policy_id"]] = {
            "eligible": eligible,
            "matched": matched,
            "paid": paid,
            "matched_fen": matches["amount_fen"].to_numpy(),
            "paid_fen": paid_rows["amount_fen"].to_numpy(),
            "wait": paid_rows["settled_at"].to_numpy() - eligible_from,
        }
    return out


def indicators(tables: dict[str, pa.Table], scenario, policy_id: str, a: dict) -> dict:
    """The seed's evaluation indicators for one policy (docs/metrics.md)."""
    p = _rows(tables["policies"], policy_id).to_pylist()[0]
    aware = np.zeros(len(a["eligible"]), bool)
    aware[_rows(tables["awareness"], policy_id)["entity"].to_numpy()] = True
    precision = m.inclusion_error(a["eligible"], a["matched"])
    b = scenario.behaviour
    effort = {"auto": 0.0, "push": b.push_effort, "apply": b.apply_effort}[p["delivery"]]
    total = p["budget_total_fen"]
    return {
        "awareness": m.share(np.sum(a["eligible"] & (aware | a["paid"])), np.sum(a["eligible"])),
        "precision": None if precision is None else 1.0 - precision,
        "fairness": m.fairness(a["eligible"], a["paid"], _groups(tables, p["target"])),
        "convenience": 1.0 - effort / b.apply_effort if b.apply_effort else 1.0,
        "budget_used": None if total is None else m.share(p["budget_committed_fen"], total),
    }


def truly_eligible_at(tables: dict[str, pa.Table], events: pa.Table, time: str) -> np.ndarray:
    """For each event row (policy_id, entity), whether the entity was truly eligible for the
    policy at the event's ``time`` column."""
    since = _since(tables["truth"])
    out = np.zeros(events.num_rows, bool)
    policy = events["policy_id"].to_numpy(zero_copy_only=False)
    entity, at = events["entity"].to_numpy(), events[time].to_numpy()
    for pid in np.unique(policy).tolist():
        rows = np.flatnonzero(policy == pid)
        who, when = since.get(pid, (np.zeros(0, np.int64), np.zeros(0)))
        order = np.argsort(who, kind="stable")
        who, when = who[order], when[order]
        pos = np.minimum(np.searchsorted(who, entity[rows]), max(len(who) - 1, 0))
        found = (pos < len(who)) & (who[pos] == entity[rows]) if len(who) else pos < 0
        out[rows] = found & (when[pos] <= at[rows]) if len(who) else False
    return out


def _since(truth: pa.Table) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per policy: the entities ever eligible and since when (seconds)."""
    policy = truth["policy_id"].to_numpy(zero_copy_only=False)
    entity, since = truth["entity"].to_numpy(), truth["since"].to_numpy()
    return {
        pid: (entity[policy == pid], since[policy == pid]) for pid in np.unique(policy).tolist()
    }


def _groups(tables: dict[str, pa.Table], target: str) -> np.ndarray:
    """The groups fairness compares - the digital divide: residents with and without a
    smartphone, firms with and without a platform account."""
    if target == "person":
        return tables["persons"]["smartphone"].to_numpy(zero_copy_only=False).astype(np.int8)
    return tables["enterprises"]["uses_platform"].to_numpy(zero_copy_only=False).astype(np.int8)


def _rows(table: pa.Table, policy_id: str) -> pa.Table:
    return table.filter(pc.equal(table["policy_id"], policy_id))
