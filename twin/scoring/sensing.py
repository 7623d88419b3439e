"""Score the sensing side against ground truth, from the run's tables: incidents caught, how
fast, false alarms by device type, the load on grid workers, disposal, and how fast silent
devices are noticed."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from twin.core.units import DAY, HOUR
from twin.scoring import metrics as m
from twin.scoring.load import SLOT, local_load, on_duty_slots


def score_sensing(tables: dict[str, pa.Table], scenario) -> tuple[dict, dict]:
    """(run metrics, breakdowns by incident kind and by device type)."""
    horizon, grace = scenario.duration, scenario.sensing.detection_grace
    incidents = tables["incidents"]
    kind = incidents["kind"].to_numpy(zero_copy_only=False).astype(str)
    onset, end = incidents["onset"].to_numpy(), incidents["end"].to_numpy()
    real = incidents["real"].to_numpy(zero_copy_only=False).astype(bool)
    alerts = tables["alerts"]
    fired = alerts.filter(pc.equal(alerts["kind"], "fired"))
    a_dev, a_at = fired["device"].to_numpy(), fired["at"].to_numpy()
    pairs = tables["witnesses"]
    pair_inc, pair_dev = pairs["incident"].to_numpy(), pairs["device"].to_numpy()
    keep = real[pair_inc]
    pair_inc, pair_dev = pair_inc[keep], pair_dev[keep]
    first, hit = m.detections(
        pair_inc, pair_dev, onset, end, a_dev, a_at, grace, until=_until(alerts)
    )
    jobs = tables["jobs"]
    from_devices = jobs.filter(pc.greater_equal(jobs["device"], 0))
    on_site, _ = m.detections(
        pair_inc,
        pair_dev,
        onset,
        end,
        from_devices["device"].to_numpy(),
        from_devices["fired_at"].to_numpy(),
        grace,
        value=from_devices["on_site_at"].to_numpy(),
    )
    detected = real & ~np.isnan(first)
    reached = real & ~np.isnan(on_site)
    delay = first[detected] - onset[detected]
    site = on_site[reached] - onset[reached]
    n_devices = tables["devices"].num_rows
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
        **_workers(tables, scenario.response, horizon),
        **_offline(tables, horizon),
    }
    load, by_township, by_district = local_load(tables, scenario)
    metrics.update(load)
    days = horizon / DAY
    metrics["false_alarms_per_1000_device_days"] = m.per_1000_device_days(
        metrics["false_alarms"], n_devices, days
    )
    by_type = {}
    types = fired["device_type"].to_numpy(zero_copy_only=False).astype(str)
    kinds = tables["device_types"]
    for name, n in zip(kinds["type"].to_pylist(), kinds["devices"].to_pylist(), strict=True):
        mine = types == name
        by_type[name] = {
            "devices": n,
            "alerts_fired": int(mine.sum()),
            "false_alarms": int((mine & ~hit).sum()),
            "false_alarms_per_1000_device_days": m.per_1000_device_days(
                int((mine & ~hit).sum()), n, days
            ),
        }
    by_kind = {}
    for name in np.unique(kind[real]).tolist():
        mine = real & (kind == name)
        d = mine & detected
        by_kind[name] = {
            "incidents": int(mine.sum()),
            "detected": int(d.sum()),
            "incident_recall": m.share(d.sum(), mine.sum()),
            "detection_delay_p50": m.quantile(first[d] - onset[d], 0.5),
            "on_site_delay_p50": m.quantile(on_site[mine & reached] - onset[mine & reached], 0.5),
        }
    return metrics, {
        "by_incident_kind": by_kind,
        "by_device_type": by_type,
        "by_township": by_township,
        "maintenance_by_district": by_district,
    }


def _until(alerts: pa.Table) -> np.ndarray:
    """When each fired alert of the log resolved (inf while it still fires)."""
    kind = alerts["kind"].to_numpy(zero_copy_only=False).astype(str)
    rule = alerts["rule"].to_numpy(zero_copy_only=False).astype(str)
    at, device = alerts["at"].to_numpy(), alerts["device"].to_numpy()
    return m.firing_until(rule, device, kind, at)[kind == "fired"]


def _workers(tables: dict[str, pa.Table], response, horizon: float) -> dict:
    jobs = tables["jobs"]
    assigned = jobs["classified_at"].to_numpy()
    worker = jobs["worker"].to_numpy()
    ok = ~np.isnan(assigned) & (worker >= 0)
    slots = int(np.ceil(horizon / SLOT))
    day_slots = int(on_duty_slots(response.day_shift, horizon).sum())
    community = tables["workers"]["community"].to_numpy()
    on_duty = int((community >= 0).sum()) * day_slots + int((community < 0).sum()) * slots
    mean, flood = m.alert_load(worker[ok], assigned[ok], on_duty, SLOT)
    response_time = jobs["on_site_at"].to_numpy() - jobs["fired_at"].to_numpy()
    response_time = response_time[~np.isnan(response_time)]
    queued = jobs["started_at"].to_numpy() - assigned
    queued = queued[~np.isnan(queued)]
    notes = tables["notifications"]["receiver"].to_numpy(zero_copy_only=False).astype(str)
    return {
        "events": jobs.num_rows,
        "alerts_per_worker_10min": mean,
        "alarm_flood_share": flood,
        "disposal_rate": m.disposal_rate(
            jobs["received_at"].to_numpy(),
            jobs["done_at"].to_numpy(),
            response.disposal_deadline,
            horizon,
        ),
        "events_reassigned": int(pc.sum(jobs["reassigned"]).as_py() or 0),
        "events_merged": tables["merges"].num_rows,
        "notifications_township": int((notes == "township").sum()),
        "notifications_maintenance": int((notes == "maintenance").sum()),
        "worker_wait_p95": m.quantile(queued, 0.95),
        "events_reviewed": int(np.isfinite(jobs["reviewed_at"].to_numpy()).sum()),
        "response_time_p50": m.quantile(response_time, 0.5),
        "response_time_p95": m.quantile(response_time, 0.95),
    }


def _offline(tables: dict[str, pa.Table], horizon: float) -> dict:
    """Silences: batteries running out (caught by the device's offline alert) and cell outages
    (caught by the cell's CellDown alert)."""
    alerts = tables["alerts"]
    off = alerts.filter(pc.equal(alerts["kind"], "offline"))
    dev, at = off["device"].to_numpy(), off["at"].to_numpy()
    deaths = tables["battery_deaths"]
    dies = deaths["at"].to_numpy()
    within = dies < horizon
    dead, dies = deaths["device"].to_numpy()[within], dies[within]
    battery = m.first_after(dead, dies, dev, at) - dies
    devices, out = tables["devices"], tables["outages"]
    stations = np.flatnonzero(devices["type"].to_numpy(zero_copy_only=False) == "base_station")
    station_of_cell = np.full(len(stations), -1)
    station_of_cell[devices["cell"].to_numpy()[stations]] = stations
    start, stop = out["start"].to_numpy(), out["end"].to_numpy()
    cells = m.first_after(station_of_cell[out["cell"].to_numpy()], start, dev, at) - start
    cells[cells > (stop - start) + HOUR] = np.nan  # an alert long after is another's
    delays = np.concatenate([battery, cells])
    caught = delays[~np.isnan(delays)]
    return {
        "silences": len(delays),
        "silences_detected": len(caught),
        "offline_detection_delay_p50": m.quantile(caught, 0.5),
        "offline_detection_delay_p95": m.quantile(caught, 0.95),
    }
