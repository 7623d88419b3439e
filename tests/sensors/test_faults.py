"""Each device fault, seen in the readings that reach the platform."""

import numpy as np
import pytest

from sensors.cells import Cells, Outages
from sensors.faults import DAY, deal_faults
from sensors.feed import SensingFeed
from sensors.transport import transmit
from tests.sensors.helpers import CATALOGUE, fleet, incidents, no_faults, signals

RNG = np.random.default_rng
NO_OUTAGES = Outages(*(np.zeros(0, t) for t in (np.int32, float, float, "<U5")))


def perfect_cells(loss=0.0, latency=1.0):
    return Cells(
        np.zeros(1, np.int16), np.full(1, loss), np.full(1, latency), np.zeros(1, np.int32)
    )


def catalogue_with(name, **faults):
    spec = CATALOGUE[name]
    changed = spec.model_copy(update={"faults": spec.faults.model_copy(update=faults)})
    return CATALOGUE.model_copy(update={"root": {**CATALOGUE.root, name: changed}})


def run_feed(devices, faults, *, catalogue=CATALOGUE, truth=None, hours=24.0, tick=60.0,
             cells=None, outages=NO_OUTAGES, seed=0):  # fmt: skip
    feed = SensingFeed(
        devices, catalogue, signals(devices, truth or incidents([])), faults,
        cells or perfect_cells(), outages,
        rng={k: RNG(seed + i) for i, k in enumerate(("signals", "faults", "transport"))},
    )  # fmt: skip
    parts, warnings = [], []
    t = 0.0
    while t < hours * 3600:
        r, w = feed.window(t, t + tick)
        parts.append(r)
        warnings.append(w)
        t += tick
    cat = {
        f: np.concatenate([getattr(p, f) for p in parts])
        for f in ("device", "ts", "value", "arrived")
    }
    return feed, cat, np.concatenate(warnings)


def test_spikes_arrive_at_their_daily_rate_inside_the_spike_range():
    d = fleet({"manhole": 20_000})
    cat = catalogue_with(
        "manhole", spikes_per_day=0.01, spike_range=(20.0, 60.0), duplicate=0.0, dropout_bursts=0.0
    )
    feed, r, _ = run_feed(d, no_faults(d), catalogue=cat, hours=24)
    high = r["value"] > 15
    assert feed.counts.spikes == pytest.approx(200, rel=0.25)
    assert high.sum() == feed.counts.spikes
    assert (r["value"][high] <= 60).all()


def test_a_stuck_device_repeats_the_value_it_read_when_it_stuck():
    d = fleet({"water_level": 1})
    f = no_faults(d)
    f.stuck_from[0] = 3 * 3600.0
    _, r, _ = run_feed(d, f, hours=8)
    after = r["ts"] >= 3 * 3600
    assert len(np.unique(r["value"][after])) == 1 and len(np.unique(r["value"][~after])) > 1


def test_noisy_devices_are_noisier_by_their_factor():
    d = fleet({"gas": 4_000})
    f = deal_faults(d, catalogue_with("gas", noisy_share=0.5, noisy_factor=5.0), DAY, rng=RNG(1))
    noisy = f.noise > 0
    assert noisy.mean() == pytest.approx(0.5, abs=0.03)
    base = CATALOGUE["gas"].baseline.noise
    assert np.allclose(f.noise[noisy], base * 4.0)  # extra sd: total sd^2 = 1 + 16


def test_drift_grows_by_the_day_and_offset_is_constant():
    d = fleet({"gas": 2})
    f = no_faults(d)
    f.drift_per_day[0] = 2.0
    f.offset[1] = 5.0
    values = np.zeros(4)
    dev = np.array([0, 0, 1, 1])
    t = np.array([0.0, 10 * DAY, 0.0, 10 * DAY])
    out = f.apply(dev, t, values, RNG(0))
    assert out.tolist() == [0.0, 20.0, 5.0, 5.0]


def test_bursty_dropout_loses_runs_of_messages_with_the_mean_burst_length():
    d = fleet({"lift": 1})
    f = no_faults(d)
    rng = RNG(7)
    lost = np.array(
        [f.dropped(np.array([0]), np.array([0.05]), np.array([4.0]), rng)[0] for _ in range(40_000)]
    )
    edges = np.flatnonzero(np.diff(np.r_[0, lost.astype(int), 0]))
    runs = edges[1::2] - edges[::2]
    assert runs.mean() == pytest.approx(4.0, rel=0.1)
    # long-run share lost: bursts of mean L opened with probability p per quiet message
    assert lost.mean() == pytest.approx(0.05 * 4 / (1 + 0.05 * 3), rel=0.1)


def test_a_battery_warns_for_its_last_days_then_the_device_falls_silent():
    d = fleet({"lift": 1})
    f = no_faults(d)
    f.low_from[0], f.battery_dies[0] = 3600.0, 5 * 3600.0
    feed, r, warned = run_feed(d, f, hours=8)
    assert warned.tolist() == [0]  # one warning per device, once
    assert r["ts"].max() < 5 * 3600 and feed.counts.lost_battery > 0


def test_clock_skew_shifts_every_timestamp_by_the_devices_offset():
    d = fleet({"lift": 1})
    f = no_faults(d)
    f.skew[0] = -90.0
    _, r, _ = run_feed(d, f, hours=2)
    phase = d.phase[0]
    expected = phase + np.arange(len(r["ts"])) * 600.0 - 90.0
    assert np.allclose(r["ts"], expected)


def test_duplicates_and_late_messages_arrive_out_of_order():
    rng = RNG(3)
    n = 20_000
    sent = np.sort(rng.uniform(0, 3600, n))
    out = transmit(
        perfect_cells(), np.zeros(1, bool), np.zeros(n, np.int64), sent,
        duplicate=np.full(n, 0.02), late=np.full(n, 0.01), late_max=np.full(n, 600.0), rng=rng,
    )  # fmt: skip
    assert len(out.message) - n == pytest.approx(400, rel=0.2)  # duplicated copies
    order = np.argsort(out.arrives, kind="stable")
    overtaken = np.diff(sent[out.message[order]]) < 0
    assert overtaken.sum() > 100  # arrival order is not send order
