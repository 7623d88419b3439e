"""Cadences, event reports, cells and outages, drainage, and the catalogue file."""

import numpy as np
import pytest

from datafiles import UserError
from sensors.catalogue import load_catalogue
from sensors.cells import Outages, lay_out_cells, power_cuts
from sensors.devices import due
from sensors.drainage import Drainage, flood, flood_episodes, lay_out_drainage
from sensors.weather import Weather
from tests.sensors.helpers import fleet, incidents, no_faults
from tests.sensors.test_faults import catalogue_with, perfect_cells, run_feed

RNG = np.random.default_rng


def test_every_device_reports_once_per_period_at_its_phase():
    d = fleet({"lift": 500})
    seen = []
    for k in range(10 * 3):  # 30 windows of 20 s cover one 600 s period
        dev, when = due(d, "lift", 600.0, 1_000 + 20.0 * k, 1_000 + 20.0 * (k + 1))
        assert ((when > 1_000 + 20.0 * k) & (when <= 1_000 + 20.0 * (k + 1))).all()
        assert np.allclose(when % 600.0, d.phase[dev] % 600.0)
        seen.append(dev)
    assert sorted(np.concatenate(seen).tolist()) == list(range(500))


def test_a_meter_uploads_a_days_hourly_samples_in_one_message():
    d = fleet({"water_meter": 1}, households={"water_meter": np.array([0])})
    cat = catalogue_with("water_meter", dropout_bursts=0.0, duplicate=0.0, late=0.0)
    feed, r, _ = run_feed(d, no_faults(d), catalogue=cat, hours=26)
    assert feed.counts.messages == 1 and len(r["ts"]) == 24
    assert np.allclose(np.diff(r["ts"]), 3_600.0) and np.ptp(r["arrived"]) == 0


def test_a_detector_reports_every_minute_while_over_its_alarm_then_once_when_clear():
    d = fleet({"gas": 1})
    cat = catalogue_with("gas", dropout_bursts=0.0, duplicate=0.0, late=0.0, spikes_per_day=0.0)
    truth = incidents([{"kind": "gas_leak", "device": 0, "onset": 3_600, "end": 7_200, "peak": 60}])
    _, r, _ = run_feed(d, no_faults(d), catalogue=cat, truth=truth, hours=3)
    on_tick = (r["ts"] % 60 == 0) & (r["ts"] > 3_600) & (r["ts"] <= 7_260)  # not the hourly one
    events = r["ts"][on_tick]
    over = events[events < 7_200]  # the leak ends at 7,200 s: that tick reports it clear
    assert (r["value"][on_tick & (r["ts"] < 7_200)] >= 10).all()
    assert np.allclose(np.diff(over), 60.0)  # every minute while over 10 %LEL
    assert over[0] - 3_600 <= 900 * 10 / 60 + 60  # the leak reaches 10 %LEL, then the next tick
    assert events[-1] == 7_200 and r["value"][r["ts"] == events[-1]][0] < 10


def test_devices_on_a_cell_that_is_down_fall_silent_together():
    d = fleet({"lift": 200})
    outage = Outages(
        np.array([0], np.int32), np.array([3_600.0]), np.array([7_200.0]), np.array(["power"])
    )
    feed, r, _ = run_feed(d, no_faults(d), hours=3, outages=outage)
    sent = r["ts"]
    assert not ((sent > 3_600 + 60) & (sent <= 7_200 - 60)).any()
    assert ((sent > 7_200) & (sent <= 10_800)).sum() > 150
    assert feed.counts.lost_outage > 0


def test_radio_loss_and_latency_per_cell():
    d = fleet({"lift": 2_000})
    cat = catalogue_with("lift", dropout_bursts=0.0, duplicate=0.0, spikes_per_day=0.0)
    feed, r, _ = run_feed(d, no_faults(d), catalogue=cat, hours=6, cells=perfect_cells(0.1, 4.0))
    assert feed.counts.lost_radio / feed.counts.messages == pytest.approx(0.1, abs=0.01)
    assert np.median(r["arrived"] - r["ts"]) == pytest.approx(4.0, rel=0.05)


def test_cells_cover_every_township_and_each_community_has_one():
    community_township = np.repeat(np.arange(10), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    cells = lay_out_cells(community_township, 30, loss=0.01, latency=3.0, rng=RNG(0))
    assert set(cells.township.tolist()) == set(range(10))
    assert (cells.township[cells.community_cell] == community_township).all()
    assert cells.loss.mean() == pytest.approx(0.01, rel=0.5)


def test_power_cuts_need_a_storm_and_the_backup_bridges_short_ones():
    calm = power_cuts(1_000, np.zeros(48), 0.5, 3 * 3600.0, 8 * 3600.0, rng=RNG(1))
    assert calm.size == 0
    storm = np.r_[np.zeros(10), np.ones(10), np.zeros(28)]
    cuts = power_cuts(1_000, storm, 0.05, 3 * 3600.0, 8 * 3600.0, rng=RNG(2))
    assert 300 < cuts.size < 700
    assert (cuts.start >= 10 * 3600 + 3 * 3600).all()  # the backup battery lasts three hours
    short = power_cuts(1_000, storm, 0.05, 3 * 3600.0, 600.0, rng=RNG(3))
    assert short.size == 0  # power back before the backup ran out


def one_community(catchment=1.0, capacity=30.0, drain_hours=2.0):
    return Drainage(
        np.array([catchment]), np.array([capacity]), np.array([drain_hours]), np.array([False])
    )


def test_docking_a_steady_rain_below_capacity_settles_at_rain_times_drain_time():
    """Linear reservoir: dS/dt = c R - S / tau, so S -> c R tau (mm); depth is S / 10 cm.
    Deterministic: held to 0.1%, so any error in the storage balance larger than that fails."""
    rain = Weather(3600.0, np.full((48, 1), 10.0, np.float32), np.zeros(48))
    depth = flood(rain, one_community(1.5, 100.0, 2.0), 47 * 3600.0, step=60.0)
    assert depth.depth[-1, 0] == pytest.approx(1.5 * 10.0 * 2.0 / 10.0, rel=1e-3)


def test_water_is_conserved_rain_in_equals_drained_plus_standing():
    rain = np.r_[np.full(6, 40.0), np.zeros(42)].astype(np.float32)[:, None]
    w = Weather(3600.0, rain, np.zeros(48))
    step = 60.0
    depth = flood(w, one_community(2.0, 25.0, 1.0), 47 * 3600.0, step=step)
    storage = depth.depth[:, 0] * 10.0  # mm
    inflow = 2.0 * w.rain[(np.arange(len(storage)) * step // 3600).astype(int), 0] * step / 3600
    outflow = inflow[1:] - np.diff(storage)  # what left in each step
    assert (outflow >= -1e-3).all() and outflow.max() <= 25.0 * step / 3600 + 1e-3  # capped
    assert storage[-1] == pytest.approx(0.0, abs=0.01)
    # the first step drains nothing (it starts empty), so all rain is drained or standing
    assert inflow.sum() == pytest.approx(outflow.sum() + storage[-1], rel=1e-3)


def test_low_lying_communities_flood_first_and_episodes_are_found():
    lay = lay_out_drainage(2_000, low_lying_share=0.2, capacity=35, low_capacity=25,
                           drain_time=3600, rng=RNG(4))  # fmt: skip
    rain = np.r_[np.zeros(2), np.full(6, 30.0), np.zeros(40)].astype(np.float32)
    w = Weather(3600.0, np.repeat(rain[:, None], 2_000, axis=1), np.zeros(48))
    depth = flood(w, lay, 47 * 3600.0)
    comm, onset, end, peak = flood_episodes(depth, 15.0)
    assert lay.low_lying[comm].mean() > 0.9 and (end > onset).all() and (peak > 15).all()
    assert (onset >= 2 * 3600).all()


def test_the_catalogue_is_data_and_its_faults_are_located(tmp_path):
    bad = tmp_path / "c.yaml"
    bad.write_text("gas:\n  measures: gas\n  unit: '%LEL'\n  upload_every: 1h\n  colour: red\n")
    with pytest.raises(UserError) as info:
        load_catalogue(bad)
    keys = {p.key for p in info.value.problems}
    assert "gas.colour" in keys
    assert all(p.file == str(bad) for p in info.value.problems)
