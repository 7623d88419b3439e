"""Score the sensing side against ground truth: incidents caught, how fast, false alarms by
device type, the load on grid workers, disposal, and how fast silent devices are noticed."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sensors.incidents import CONFOUNDERS
from sensors.signals import witnesses
from twin.core.units import DAY
from twin.scoring import metrics as m

SLOT = 600.0  # seconds: the alarm-load window (ISA-18.2 counts per 10 minutes)


def witness_pairs(sensing) -> tuple[np.ndarray, np.ndarray]:
    """(incident, device) pairs: device and household incidents by their witnesses, floods by
    the water-level sensors of their community."""
    dev, inc = witnesses(sensing.devices, sensing.incidents)
    incidents, devices = sensing.incidents, sensing.devices
    flooded = np.flatnonzero(incidents.kind == "flood")
    if len(flooded) and "water_level" in devices.type_names:
        b = devices.block("water_level")
        comm = devices.community[b]
        order = np.argsort(comm, kind="stable")
        lo = np.searchsorted(comm[order], incidents.community[flooded], "left")
        hi = np.searchsorted(comm[order], incidents.community[flooded], "right")
        for k in range(int((hi - lo).max(initial=0))):
            rows = np.flatnonzero(hi - lo > k)
            dev = np.r_[dev, b.start + order[lo[rows] + k]]
            inc = np.r_[inc, flooded[rows]]
    return inc.astype(np.int64), dev.astype(np.int64)


def score_sensing(sensing, tables: dict[str, pa.Table], horizon: float) -> tuple[dict, dict]:
    """(run metrics, breakdowns by incident kind and by device type)."""
    inc, grace = sensing.incidents, sensing.params.sensing.detection_grace
    real = ~np.isin(inc.kind, list(CONFOUNDERS))
    alerts = tables["alerts"]
    fired = alerts.filter(pc.equal(alerts["kind"], "fired"))
    a_dev, a_at = fired["device"].to_numpy(), fired["at"].to_numpy()
    pair_inc, pair_dev = witness_pairs(sensing)
    keep = real[pair_inc]
    pair_inc, pair_dev = pair_inc[keep], pair_dev[keep]
    first, hit = m.detections(pair_inc, pair_dev, inc.onset, inc.end, a_dev, a_at, grace)
    jobs = tables["jobs"]
    from_devices = jobs.filter(pc.greater_equal(jobs["device"], 0))
    on_site, _ = m.detections(
        pair_inc,
        pair_dev,
        inc.onset,
        inc.end,
        from_devices["device"].to_numpy(),
        from_devices["fired_at"].to_numpy(),
        grace,
        value=from_devices["on_site_at"].to_numpy(),
    )
    detected = real & ~np.isnan(first)
    reached = real & ~np.isnan(on_site)
    delay = first[detected] - inc.onset[detected]
    site = on_site[reached] - inc.onset[reached]
    metrics = {
        "incidents": int(real.sum()),
        "alerts_fired": int(fired.num_rows),
        "false_alarms": int((~hit).sum()),
        "incident_precision": m.share(hit.sum(), len(hit)),
        "incident_recall": m.share(detected.sum(), real.sum()),
        "detection_delay_p50": m.quantile(delay, 0.5),
        "detection_delay_p95": m.quantile(delay, 0.95),
        "on_site_delay_p50": m.quantile(site, 0.5),
        "on_site_delay_p95": m.quantile(site, 0.95),
        **_workers(sensing, jobs, horizon),
        **_offline(sensing, alerts, horizon),
    }
    days = horizon / DAY
    metrics["false_alarms_per_1000_device_days"] = m.per_1000_device_days(
        metrics["false_alarms"], sensing.devices.size, days
    )
    by_type = {}
    types = fired["device_type"].to_numpy(zero_copy_only=False).astype(str)
    for name in sensing.devices.type_names:
        mine = types == name
        n = sensing.devices.count(name)
        by_type[name] = {
            "devices": n,
            "alerts_fired": int(mine.sum()),
            "false_alarms": int((mine & ~hit).sum()),
            "false_alarms_per_1000_device_days": m.per_1000_device_days(
                int((mine & ~hit).sum()), n, days
            ),
        }
    by_kind = {}
    for kind in np.unique(inc.kind[real]).tolist():
        mine = real & (inc.kind == kind)
        d = mine & detected
        by_kind[kind] = {
            "incidents": int(mine.sum()),
            "detected": int(d.sum()),
            "incident_recall": m.share(d.sum(), mine.sum()),
            "detection_delay_p50": m.quantile(first[d] - inc.onset[d], 0.5),
            "on_site_delay_p50": m.quantile(
                on_site[mine & reached] - inc.onset[mine & reached], 0.5
            ),
        }
    return metrics, {"by_incident_kind": by_kind, "by_device_type": by_type}


def _workers(sensing, jobs: pa.Table, horizon: float) -> dict:
    r = sensing.params.response
    assigned = jobs["classified_at"].to_numpy()
    worker = jobs["worker"].to_numpy()
    ok = ~np.isnan(assigned) & (worker >= 0)
    slots = int(np.ceil(horizon / SLOT))
    day_slots = _day_slots(r.day_shift, slots)
    roster = sensing.roster
    on_duty = (
        int((roster.community >= 0).sum()) * day_slots + int((roster.community < 0).sum()) * slots
    )
    mean, flood = m.alert_load(worker[ok], assigned[ok], on_duty, SLOT)
    response = jobs["on_site_at"].to_numpy() - jobs["fired_at"].to_numpy()
    response = response[~np.isnan(response)]
    queued = jobs["started_at"].to_numpy() - assigned
    queued = queued[~np.isnan(queued)]
    return {
        "events": jobs.num_rows,
        "alerts_per_worker_10min": mean,
        "alarm_flood_share": flood,
        "disposal_rate": m.disposal_rate(
            jobs["received_at"].to_numpy(), jobs["done_at"].to_numpy(), r.disposal_deadline, horizon
        ),
        "events_reassigned": int(pc.sum(jobs["reassigned"]).as_py() or 0),
        "events_merged": sensing.merged,
        "notifications_township": sensing.notified.get("township", 0),
        "notifications_maintenance": sensing.notified.get("maintenance", 0),
        "worker_wait_p95": m.quantile(queued, 0.95),
        "events_reviewed": int(np.isfinite(jobs["reviewed_at"].to_numpy()).sum()),
        "response_time_p50": m.quantile(response, 0.5),
        "response_time_p95": m.quantile(response, 0.95),
    }


def _day_slots(day: tuple[float, float], slots: int) -> int:
    starts = np.arange(slots) * SLOT % DAY
    return int(((starts >= day[0]) & (starts < day[1])).sum())


def _offline(sensing, alerts: pa.Table, horizon: float) -> dict:
    """Silences: batteries running out (caught by the device's offline alert) and cell outages
    (caught by the cell's CellDown alert)."""
    off = alerts.filter(pc.equal(alerts["kind"], "offline"))
    dev, at = off["device"].to_numpy(), off["at"].to_numpy()
    dies = sensing.truth.battery_dies
    dead = np.flatnonzero(dies < horizon)
    battery = m.first_after(dead, dies[dead], dev, at) - dies[dead]
    devices, out = sensing.devices, sensing.truth.outages
    stations = devices.block("base_station")
    station_of_cell = np.full(sensing.cells.size, -1)
    station_of_cell[devices.cell[stations]] = np.arange(stations.start, stations.stop)
    cells = m.first_after(station_of_cell[out.cell], out.start, dev, at) - out.start
    cells[cells > (out.end - out.start) + 3600.0] = np.nan  # an alert long after is another's
    delays = np.r_[battery, cells]
    caught = delays[~np.isnan(delays)]
    return {
        "silences": len(delays),
        "silences_detected": len(caught),
        "offline_detection_delay_p50": m.quantile(caught, 0.5),
        "offline_detection_delay_p95": m.quantile(caught, 0.95),
    }
