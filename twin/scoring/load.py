"""Load where it happens: grid workers' load per township and the maintenance crew's per
district, so a storm's hardest-hit township is visible instead of averaged away over the city."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from twin.core.units import DAY
from twin.scoring import metrics as m

SLOT = 600.0  # seconds: the alarm-load window (ISA-18.2 counts per 10 minutes)
WASTED = ("cell down", "no fault found")  # visits that found nothing a technician could fix


def on_duty_slots(shift: tuple[float, float], horizon: float) -> np.ndarray:
    """A mask over the run's 10-minute slots: True where the slot starts inside the shift."""
    starts = np.arange(int(np.ceil(horizon / SLOT))) * SLOT % DAY
    return (starts >= shift[0]) & (starts < shift[1])


def local_load(tables: dict[str, pa.Table], scenario) -> tuple[dict, dict, dict]:
    """(headline metrics, grid workers' load per township, the crew's load per district),
    for each township and district that had any events or visits."""
    horizon = scenario.duration
    workers = _workers(tables, scenario.response, horizon)
    crews = _crews(tables, scenario.maintenance, horizon)
    by_town = {str(t): v for t, v in sorted(workers.items())}
    by_district = {str(d): v for d, v in sorted(crews.items())}
    return _headline(workers, tables), by_town, by_district


def _workers(tables: dict[str, pa.Table], response, horizon: float) -> dict[int, dict]:
    roster, jobs = tables["workers"], tables["jobs"]
    r_town = roster["township"].to_numpy()
    day_worker = roster["community"].to_numpy() >= 0
    day_slots = on_duty_slots(response.day_shift, horizon)
    j_town, worker = jobs["township"].to_numpy(), jobs["worker"].to_numpy()
    assigned = jobs["classified_at"].to_numpy()
    queued = jobs["started_at"].to_numpy() - assigned
    reached = jobs["on_site_at"].to_numpy() - jobs["fired_at"].to_numpy()
    out = {}
    for t in np.unique(j_town).tolist():
        mine = (j_town == t) & np.isfinite(assigned) & (worker >= 0)
        staff = int((r_town == t).sum())
        day_n, duty_n = (
            int((day_worker & (r_town == t)).sum()),
            int((~day_worker & (r_town == t)).sum()),
        )
        on_duty = day_slots * day_n + duty_n  # workers on duty in each slot
        slots = np.minimum((assigned[mine] // SLOT).astype(np.int64), len(on_duty) - 1)
        per_slot = np.bincount(slots, minlength=len(on_duty))
        busy = per_slot / np.maximum(on_duty, 1)
        mean, flood = m.alert_load(worker[mine], assigned[mine], int(on_duty.sum()), SLOT)
        out[t] = {
            "workers": staff,
            "events": int((j_town == t).sum()),
            "events_per_worker_10min": mean,
            "peak_events_per_worker_10min": float(busy.max()) if len(busy) else None,
            "alarm_flood_share": flood,
            "worker_wait_p95": m.quantile(queued[mine & np.isfinite(queued)], 0.95),
            "response_time_p95": m.quantile(reached[(j_town == t) & np.isfinite(reached)], 0.95),
        }
    return out


def _crews(tables: dict[str, pa.Table], maintenance, horizon: float) -> dict[int, dict]:
    visits, crews = tables["repairs"], tables["technicians"]
    staff = dict(zip(crews["district"].to_pylist(), crews["technicians"].to_pylist(), strict=True))
    shift_slots = int(on_duty_slots(maintenance.shift, horizon).sum())
    town = visits["district"].to_numpy()
    outcome = visits["outcome"].to_numpy(zero_copy_only=False).astype(str)
    wait = visits["started_at"].to_numpy() - visits["received_at"].to_numpy()
    made = np.isfinite(visits["on_site_at"].to_numpy())
    out = {}
    for t in np.unique(town).tolist():
        mine = town == t
        n = staff.get(t, 0)
        out[t] = {
            "technicians": n,
            "visits": int(mine.sum()),
            "visits_per_technician_10min": m.share((mine & made).sum(), n * shift_slots),
            "wasted_visits": int((mine & np.isin(outcome, WASTED)).sum()),
            "visit_wait_p95": m.quantile(wait[mine & np.isfinite(wait)], 0.95),
        }
    return out


def _headline(workers: dict[int, dict], tables: dict[str, pa.Table]) -> dict:
    """The hardest-hit township (most events per on-duty worker over the run, then most
    events, then the longest queue wait) with its figures, and the maintenance crew's
    city-wide figures."""
    visits = tables["repairs"]
    outcome = visits["outcome"].to_numpy(zero_copy_only=False).astype(str)
    wait = visits["started_at"].to_numpy() - visits["received_at"].to_numpy()
    fixed = pc.sum(pc.equal(visits["outcome"], "battery replaced")).as_py() or 0
    crew = {
        "maintenance_visits": visits.num_rows,
        "batteries_replaced": int(fixed),
        "wasted_visits": int(np.isin(outcome, WASTED).sum()),
        "visit_wait_p95": m.quantile(wait[np.isfinite(wait)], 0.95),
    }
    if not workers:
        return {"hardest_hit_township": None, "hardest_hit_events_per_worker_10min": None,
                "hardest_hit_peak_per_worker_10min": None,
                "hardest_hit_worker_wait_p95": None, **crew}  # fmt: skip
    t = max(workers, key=lambda k: (workers[k]["events_per_worker_10min"] or 0.0,
                                    workers[k]["events"], workers[k]["worker_wait_p95"] or 0.0,
                                    -k))  # fmt: skip
    return {
        "hardest_hit_township": t,
        "hardest_hit_events_per_worker_10min": workers[t]["events_per_worker_10min"],
        "hardest_hit_peak_per_worker_10min": workers[t]["peak_events_per_worker_10min"],
        "hardest_hit_worker_wait_p95": workers[t]["worker_wait_p95"],
        **crew,
    }
