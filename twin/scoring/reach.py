"""The platform's reach as the seed counts it, month by month: policies online, distinct
enterprises and persons ever paid, money paid and visits (docs/reach.md).

Every figure is computed from the run's own tables (payments, actions, calls, awareness and the
policies as run), at the run's scale; ``at_ningbo`` scales the counts of people and
money up by ``1 / city.scale`` to set them beside the seed's.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from twin.core.units import DAY

FIGURES = ("policies_online", "enterprises_paid", "persons_paid", "money_paid_yuan", "visits")
UNITS = {
    "policies_online": "policies",
    "enterprises_paid": "enterprises",
    "persons_paid": "persons",
    "money_paid_yuan": "yuan",
    "visits": "visits",
}
# figures that grow with the population (scaled up by 1 / city.scale beside the seed's)
SCALED = ("enterprises_paid", "persons_paid", "money_paid_yuan", "visits")
# The seed's figures on 2022-06-18 (../shared/domain/README.md).
SEED_ON = dt.date(2022, 6, 18)
SEED = {
    "policies_online": 2_056,
    "enterprises_paid": 522_600,
    "persons_paid": 656_300,
    "money_paid_yuan": 20_880_000_000,
    "visits": 37_770_000,
}


def month_ends(start: dt.date, days: int) -> np.ndarray:
    """Day indices (from 0) that close a calendar month within the run, and the run's last."""
    dates = [start + dt.timedelta(days=d) for d in range(days + 1)]
    ends = [d for d in range(days) if dates[d + 1].month != dates[d].month]
    return np.array(sorted({*ends, days - 1}), np.int64)


def reach(tables: dict[str, pa.Table], scenario) -> pa.Table:
    """One row per month end: the five figures to date."""
    ends = month_ends(scenario.start, scenario.days)
    closes = (ends + 1) * DAY  # the end of each closing day, in run seconds
    paid = tables["payments"].filter(pc.equal(tables["payments"]["status"], "paid"))
    policies = tables["policies"]
    targets = dict(
        zip(policies["policy_id"].to_pylist(), policies["target"].to_pylist(), strict=True)
    )
    visits = per_day_visits(tables, scenario.visits, scenario.days)
    money = _cumulative_at(paid["settled_at"].to_numpy(), paid["amount_fen"].to_numpy(), closes)
    return pa.table(
        {
            "date": [scenario.start + dt.timedelta(days=int(d)) for d in ends],
            "policies_online": _online(policies, scenario.start, ends),
            "enterprises_paid": _first_paid(paid, targets, "enterprise", closes),
            "persons_paid": _first_paid(paid, targets, "person", closes),
            "money_paid_yuan": money / 100.0,
            "visits": np.cumsum(visits)[ends],
        }
    )


def at_ningbo(row: dict, scale: float) -> dict:
    """A row of the reach table at Ningbo's size: people and money divided by the scale."""
    return {k: row[k] / scale if k in SCALED else row[k] for k in FIGURES}


def per_day_visits(tables: dict[str, pa.Table], weights, days: int) -> np.ndarray:
    """Visits on each day of the run: each step's count that day times its weight (the
    scenario's ``visits`` section, agents/visits.py)."""
    steps = step_counts(tables, days)
    return sum((weights.weight(s) * n for s, n in steps.items()), np.zeros(days))


def step_counts(tables: dict[str, pa.Table], days: int) -> dict[str, np.ndarray]:
    """How often each step a visit can come from happened on each day."""
    actions = tables["actions"]
    kind = actions["action"].to_numpy(zero_copy_only=False)
    at = actions["at"].to_numpy()
    paid = tables["payments"].filter(pc.equal(tables["payments"]["status"], "paid"))
    heard = tables["awareness"]["aware_since_day"].to_numpy() * DAY
    return {
        "query": _per_day(heard, days),  # who heard of a policy that day looks it up
        "confirm": _per_day(at[kind == "confirm"], days),
        "application": _per_day(at[kind == "apply"], days),
        "evidence": _per_day(at[np.isin(kind, ["evidence", "gave up"])], days),
        "payment": _per_day(paid["settled_at"].to_numpy(), days),
        "consultation": _per_day(tables["calls"]["arrived"].to_numpy(), days),
    }


def _per_day(times: np.ndarray, days: int) -> np.ndarray:
    times = times[np.isfinite(times)]
    idx = np.minimum((times // DAY).astype(np.int64), days - 1)
    return np.bincount(idx, minlength=days)[:days].astype(float)


def _cumulative_at(times: np.ndarray, weights: np.ndarray, closes: np.ndarray) -> np.ndarray:
    """The sum of ``weights`` of events up to each close (sorted by time)."""
    order = np.argsort(times, kind="stable")
    total = np.concatenate([[0], np.cumsum(weights[order], dtype=np.int64)])
    return total[np.searchsorted(times[order], closes, side="left")]


def _first_paid(paid: pa.Table, targets: dict, target: str, closes: np.ndarray) -> np.ndarray:
    """Distinct entities of ``target`` with a payment settled before each close."""
    theirs = pa.array([p for p, t in targets.items() if t == target], pa.string())
    mine = pc.is_in(paid["policy_id"], value_set=theirs).to_numpy(zero_copy_only=False)
    entity, settled = paid["entity"].to_numpy()[mine], paid["settled_at"].to_numpy()[mine]
    first = np.full(entity.max(initial=-1) + 1, np.inf)
    np.minimum.at(first, entity, settled)
    first = np.sort(first[np.isfinite(first)])
    return np.searchsorted(first, closes, side="left").astype(np.int64)


def _online(policies: pa.Table, start: dt.date, ends: np.ndarray) -> np.ndarray:
    """Policies put online by each closing day (valid_from <= day), expired ones included: the
    seed's 已上线政策共2056项 counts every policy the platform has put online."""
    opened = np.sort(np.array(policies["valid_from"].to_pylist(), "datetime64[D]"))
    days = np.datetime64(start, "D") + ends
    return np.searchsorted(opened, days, side="right").astype(np.int64)
