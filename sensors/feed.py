"""The sensing feed: every tick, the readings that reach the platform, as batches of arrays.

For a window (t0, t1] it gathers the messages devices send - periodic reports (buffered meters
send several samples in one), event reports when a device's own alarm level is crossed, and
spurious spikes - applies device faults, batteries and bursty dropout, sends them over the
NB-IoT cells, and hands back what has arrived by t1 (later arrivals wait in flight).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sensors.catalogue import DeviceCatalogue
from sensors.cells import Cells, Outages
from sensors.devices import Devices, due
from sensors.faults import DeviceFaults, spike_values
from sensors.signals import Signals
from sensors.transport import transmit
from twin.core.units import DAY

# The watch set: devices whose readings are drawn every tick to see whether they cross their
# alarm level. A faulty device is watched when its offset, drift and this many standard
# deviations of noise could reach the level (beyond six, the chance is below one in 10^9 per
# reading); a water-level sensor when its community has standing water deeper than this.
WATCH_NOISE_SIGMAS = 6.0
WET_COMMUNITY_CM = 0.5


@dataclass(frozen=True)
class Readings:
    """Samples that arrived at the platform in one window."""

    device: np.ndarray  # int64
    ts: np.ndarray  # float64, as the device stamped it
    value: np.ndarray  # float64
    arrived: np.ndarray  # float64

    def __len__(self) -> int:
        return len(self.device)


@dataclass
class FeedCounts:
    """What the feed sent and lost, for the run's summary."""

    messages: int = 0
    samples: int = 0
    spikes: int = 0
    event_reports: int = 0
    lost_battery: int = 0
    lost_dropout: int = 0
    lost_outage: int = 0
    lost_radio: int = 0
    delivered: int = 0


@dataclass
class _Batch:
    """Messages being assembled: one row per sample, ``msg`` numbering the messages."""

    dev: list = field(default_factory=list)
    ts: list = field(default_factory=list)
    value: list = field(default_factory=list)
    msg: list = field(default_factory=list)
    n_msg: int = 0

    def add(self, dev, ts, value, per_message: int = 1) -> None:
        self.dev.append(dev)
        self.ts.append(ts)
        self.value.append(value)
        self.msg.append(self.n_msg + np.arange(len(dev)) // per_message)
        self.n_msg += len(dev) // per_message

    def arrays(self):
        if not self.dev:
            z = np.zeros(0)
            return z.astype(np.int64), z, z, z.astype(np.int64)
        return tuple(np.concatenate(x) for x in (self.dev, self.ts, self.value, self.msg))


class SensingFeed:
    """Turns truth (signals, faults, cells) into the readings the platform receives."""

    def __init__(
        self,
        devices: Devices,
        catalogue: DeviceCatalogue,
        signals: Signals,
        faults: DeviceFaults,
        cells: Cells,
        outages: Outages,
        *,
        horizon: float = DAY,
        rng: dict[str, np.random.Generator],
    ) -> None:
        self.horizon = horizon
        self.devices, self.catalogue, self.signals = devices, catalogue, signals
        self.faults, self.cells, self.outages, self.rng = faults, cells, outages, rng
        self.specs = [catalogue[n] for n in devices.type_names]
        self.in_event = np.zeros(devices.size, bool)
        self.last_event = np.full(devices.size, -np.inf)
        self.warned = np.zeros(devices.size, bool)
        self.counts = FeedCounts()
        self._in_flight: list[Readings] = []
        self._watch_faulty = self._faulty_event_devices()
        self._water_by_community = self._water_level_devices()
        per_type = [(s.faults.duplicate, s.faults.late, s.faults.late_max) for s in self.specs]
        self._dup, self._late, self._late_max = (np.array(x) for x in zip(*per_type, strict=True))
        self._backhaul = np.array([s.uplink == "backhaul" for s in self.specs])
        self._has_event = np.array([s.on_event is not None for s in self.specs])
        self._first = np.zeros(devices.size, np.int64)  # scratch for _distinct
        self._burst_entry = np.array([s.faults.dropout_bursts for s in self.specs])
        self._burst_mean = np.array([s.faults.burst_readings for s in self.specs])

    # -- set-up -----------------------------------------------------------------------------

    def _faulty_event_devices(self) -> np.ndarray:
        """Devices of alarm-reporting types whose offset, drift or extra noise could carry
        them to their alarm level during the run (sorted). Stuck devices report what they read
        when they stuck: if that was over the line they stay in an event anyway."""
        f, out = self.faults, []
        days = self.horizon / DAY
        for name, spec in zip(self.devices.type_names, self.specs, strict=True):
            if spec.on_event is None:
                continue
            b = self.devices.block(name)
            reach = (
                spec.baseline.level
                + np.abs(f.offset[b])
                + f.drift_per_day[b] * days
                + WATCH_NOISE_SIGMAS * (spec.baseline.noise + f.noise[b])
            )
            odd = (f.offset[b] != 0) | (f.drift_per_day[b] > 0) | (f.noise[b] > 0)
            out.append(b.start + np.flatnonzero(odd & (reach >= spec.on_event.above)))
        return np.concatenate(out).astype(np.int64) if out else np.zeros(0, np.int64)

    def _water_level_devices(self) -> tuple[np.ndarray, np.ndarray] | None:
        if "water_level" not in self.devices.type_names:
            return None
        b = self.devices.block("water_level")
        comm = self.devices.community[b]
        order = np.argsort(comm, kind="stable")
        return comm[order], b.start + order

    # -- one window ---------------------------------------------------------------------------

    def window(self, t0: float, t1: float) -> tuple[Readings, np.ndarray]:
        """Readings that arrive in (t0, t1], and devices sending their first low-battery warning."""
        batch = _Batch()
        self._periodic(batch, t0, t1)
        self._events(batch, t0, t1)
        dev, ts, value, msg = batch.arrays()
        spikes = self._spikes(t0, t1)
        self.counts.messages += batch.n_msg + len(spikes[0])
        self.counts.samples += len(dev) + len(spikes[0])
        self.counts.spikes += len(spikes[0])
        if len(dev):
            value = self.faults.apply(dev, ts, value, self.rng["faults"])
        dev = np.concatenate([dev, spikes[0]]).astype(np.int64)
        ts = np.concatenate([ts, spikes[1]])
        value = np.concatenate([value, spikes[2]])
        msg = np.concatenate([msg, batch.n_msg + np.arange(len(spikes[0]))]).astype(np.int64)
        warnings = self._battery_warnings(dev, ts)
        keep = self._sent(dev, ts, msg)
        arrived = self._transmit(dev[keep], ts[keep], value[keep], msg[keep], t1)
        return arrived, warnings

    def _periodic(self, batch: _Batch, t0: float, t1: float) -> None:
        devs, whens = [], []
        for name, spec in zip(self.devices.type_names, self.specs, strict=True):
            dev, when = due(self.devices, name, spec.report_every, t0, t1)
            k = spec.samples_per_report
            if k > 1 and len(dev):  # samples at the upload and every sample_every before it
                dev = np.repeat(dev, k)
                back = np.tile(np.arange(k)[::-1], len(when)) * spec.sample_spacing
                when = np.repeat(when, k) - back
            devs.append(dev)
            whens.append(when)
            batch.n_msg += len(dev) // k
            batch.msg.append(batch.n_msg - len(dev) // k + np.arange(len(dev)) // k)
        dev, when = np.concatenate(devs), np.concatenate(whens)
        batch.dev.append(dev)
        batch.ts.append(when)
        batch.value.append(self.signals.read(dev, when, self.rng["signals"]))

    def _events(self, batch: _Batch, t0: float, t1: float) -> None:
        """Devices at or over their alarm level report now (no more often than ``every``);
        devices that were over it and are back below send one clearing report."""
        watch = self._watch(t0, t1)
        if not len(watch):
            return
        code = self.devices.type_code[watch]
        above = np.array([s.on_event.above if s.on_event else np.inf for s in self.specs])[code]
        every = np.array([s.on_event.every if s.on_event else np.inf for s in self.specs])[code]
        when = np.full(len(watch), t1)
        value = self.signals.read(watch, when, self.rng["signals"])
        seen = self.faults.apply(watch, when, value, self.rng["faults"])
        over = seen >= above
        report = (over & (t1 - self.last_event[watch] >= every)) | (~over & self.in_event[watch])
        self.in_event[watch] = over
        sent = watch[report]
        self.last_event[sent] = t1
        self.counts.event_reports += len(sent)
        batch.add(sent, when[report], value[report])

    def _watch(self, t0: float, t1: float) -> np.ndarray:
        """Devices that may be over their alarm level: in an event, witnessing an incident,
        in a wet community, or faulty enough to get there."""
        s = self.signals
        parts = [np.flatnonzero(self.in_event)]
        parts.append(s.witnessing(t0, t1))
        if self._water_by_community is not None and s.depth is not None:
            wet = np.flatnonzero(s.depth.at(t1) > WET_COMMUNITY_CM)
            comm, dev = self._water_by_community
            lo, hi = np.searchsorted(comm, wet, "left"), np.searchsorted(comm, wet, "right")
            parts.append(dev[_ranges(lo, hi)])
        watch = self._distinct(np.concatenate([self._watch_faulty, *parts]).astype(np.int64))
        return watch[self._has_event[self.devices.type_code[watch]]]

    def _spikes(self, t0: float, t1: float):
        rng = self.rng["faults"]
        parts = []
        for name, spec in zip(self.devices.type_names, self.specs, strict=True):
            b = self.devices.block(name)
            m = b.stop - b.start
            rate = spec.faults.spikes_per_day * m * (t1 - t0) / DAY
            count = rng.poisson(rate) if rate > 0 else 0
            if count:
                above = spec.on_event.above if spec.on_event else None
                parts.append(
                    (
                        b.start + rng.integers(0, m, count),
                        rng.uniform(t0, t1, count),
                        spike_values(spec.faults.spike_range, above, count, rng),
                    )
                )
        if not parts:
            z = np.zeros(0)
            return z.astype(np.int64), z, z
        return tuple(np.concatenate(x) for x in zip(*parts, strict=True))

    def _distinct(self, dev: np.ndarray, inverse: bool = False):
        """Each device once, in order of first appearance (and, with ``inverse``, each row's
        index into that list), in linear time: scratch arrays instead of a sort."""
        rows = np.arange(len(dev))
        self._first[dev[::-1]] = rows[::-1]  # the first row of each device wins
        keep = self._first[dev] == rows
        distinct = dev[keep]
        if not inverse:
            return distinct
        self._first[distinct] = np.arange(len(distinct))
        return distinct, self._first[dev]

    def _battery_warnings(self, dev: np.ndarray, ts: np.ndarray) -> np.ndarray:
        low = self.faults.low_battery(dev, ts) & ~self.warned[dev]
        first = np.unique(dev[low])
        self.warned[first] = True
        return first

    def _sent(self, dev: np.ndarray, ts: np.ndarray, msg: np.ndarray) -> np.ndarray:
        """Samples whose message leaves the device: powered, and not lost in a dropout burst."""
        powered = self.faults.powered(dev, ts)
        self.counts.lost_battery += int((~powered).sum())
        first_of_msg = _starts(msg) & powered
        rows = np.flatnonzero(first_of_msg)
        # one draw per device per window: a device's messages in one window share its fate
        udev, inv = self._distinct(dev[rows], inverse=True)
        code = self.devices.type_code[udev]
        lost_dev = self.faults.dropped(
            udev, self._burst_entry[code], self._burst_mean[code], self.rng["faults"]
        )
        lost_msg = np.zeros(int(msg.max(initial=-1)) + 1, bool)
        lost_msg[msg[rows][lost_dev[inv]]] = True
        lost = lost_msg[msg] & powered
        self.counts.lost_dropout += int(lost.sum())
        return powered & ~lost

    def _transmit(self, dev, ts, value, msg, t1: float) -> Readings:
        rng = self.rng["transport"]
        down = self.outages.down_at(t1, self.cells.size)
        first = np.flatnonzero(_starts(msg))
        code = self.devices.type_code[dev[first]]
        backhaul = self._backhaul[code]
        cells = self.devices.cell[dev[first]]
        sent_at = ts[first].copy()
        sent_at = np.maximum(sent_at, 0.0)
        d = transmit(
            self.cells,
            down,
            cells,
            sent_at,
            duplicate=np.where(backhaul, 0.0, self._dup[code]),
            late=np.where(backhaul, 0.0, self._late[code]),
            late_max=self._late_max[code],
            radio=~backhaul,
            rng=rng,
        )
        self.counts.lost_outage += d.lost_outage
        self.counts.lost_radio += d.lost_radio
        # expand delivered messages back into their samples
        ends = np.append(first[1:], len(msg))
        lengths = (ends - first)[d.message]
        starts = np.repeat(first[d.message], lengths)
        offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        rows = starts + offsets
        skew = self.faults.skew[dev[rows]].astype(np.float64)
        fresh = Readings(dev[rows], ts[rows] + skew, value[rows], np.repeat(d.arrives, lengths))
        return self._deliver(fresh, t1)

    def _deliver(self, fresh: Readings, t1: float) -> Readings:
        """What has arrived by t1 (earlier flights first); the rest stays in flight."""
        pool = [*self._in_flight, fresh]
        dev, ts, value, arrived = (
            np.concatenate([getattr(r, f) for r in pool])
            for f in ("device", "ts", "value", "arrived")
        )
        now = arrived <= t1
        later = ~now
        self._in_flight = (
            [Readings(dev[later], ts[later], value[later], arrived[later])] if later.any() else []
        )
        out = Readings(dev[now], ts[now], value[now], arrived[now])
        self.counts.delivered += len(out)
        return out


def _starts(msg: np.ndarray) -> np.ndarray:
    """True where a new message begins (``msg`` numbers each sample's message, in order)."""
    out = np.ones(len(msg), bool)
    out[1:] = msg[1:] != msg[:-1]
    return out


def _ranges(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The concatenation of arange(lo[i], hi[i]), without a Python loop."""
    lengths = hi - lo
    total = int(lengths.sum())
    if not total:
        return np.zeros(0, np.int64)
    starts = np.repeat(lo - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
    return starts + np.arange(total)
