"""Sliding windows over each device's samples, for ``avg_over(12h)``, ``sum_over``, ``max_over``,
``min_over`` and ``count_over`` conditions: exact at every evaluation.

At time ``now`` a window of W seconds holds a device's samples with ``now - W <= ts <= now``
(both ends inclusive, as Prometheus 2's range selectors); stale markers are not samples. The
store keeps each tick's samples as one chunk sorted by time and, per device, a running sum and
count (and the max and min when a rule reads them). Samples leave from the chunks' heads; a
departing sample that was a device's max (or min) has that device's extreme recomputed from the
chunks still held. A running sum of fractions carries rounding (0.1 + 0.2 is not 0.3): where a
sum or mean is compared within a billionth of its limit and the device's window holds a
fraction, it is recomputed exactly (``math.fsum``), so a comparison reads the exact sum of the
samples. Memory: 20 bytes per sample inside the window, for the devices watched.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

AGGREGATES = ("avg", "sum", "max", "min", "count")


@dataclass
class _Chunk:
    """One tick's samples, sorted by time; ``head`` samples have already left."""

    device: np.ndarray  # int32
    ts: np.ndarray
    value: np.ndarray
    once: bool  # each device at most once: extremes update without ufunc.at
    head: int = 0


@dataclass
class WindowStore:
    """The samples of the watched devices within the last ``width`` seconds."""

    n_devices: int
    width: float
    watched: np.ndarray  # bool per device
    extremes: bool  # keep max and min (a rule reads max_over or min_over)
    sum: np.ndarray = field(init=False)
    count: np.ndarray = field(init=False)
    max: np.ndarray = field(init=False)
    min: np.ndarray = field(init=False)
    _chunks: list[_Chunk] = field(init=False, default_factory=list)
    _changed: np.ndarray = field(init=False)  # bool per device: its window moved since taken
    _fraction: np.ndarray = field(init=False)  # bool per device: its sum may carry rounding

    def __post_init__(self) -> None:
        self._changed = np.zeros(self.n_devices, bool)
        self._fraction = np.zeros(self.n_devices, bool)
        n = self.n_devices if self.extremes else 0
        self.sum = np.zeros(self.n_devices)
        self.count = np.zeros(self.n_devices, np.int64)
        self.max = np.full(n, np.nan)
        self.min = np.full(n, np.nan)

    @property
    def samples(self) -> int:
        """Samples held (inside the window after the last ``expire``)."""
        return sum(len(c.ts) - c.head for c in self._chunks)

    @property
    def nbytes(self) -> int:
        """Memory held: the samples in the window and the running aggregates."""
        held = sum(c.device.nbytes + c.ts.nbytes + c.value.nbytes for c in self._chunks)
        arrays = (self.sum, self.count, self.max, self.min, self.watched)
        return held + sum(a.nbytes for a in arrays)

    def add(self, d: np.ndarray, t: np.ndarray, v: np.ndarray, s) -> None:
        """Take a tick's applied samples (``s``: stale markers, or None)."""
        keep = self.watched[d]
        if s is not None:
            keep &= ~s
        if not keep.all():
            d, t, v = d[keep], t[keep], v[keep]
        if not len(d):
            return
        once = len(d) < 2 or bool((d[1:] != d[:-1]).all())  # the engine groups by device
        if len(t) > 1 and not (t[1:] >= t[:-1]).all():
            order = np.argsort(t, kind="stable")
            d, t, v = d[order], t[order], v[order]
        self._chunks.append(_Chunk(d.astype(np.int32), t.copy(), v.copy(), once))
        self._change(d, v, +1)
        if self.extremes:
            _extend(self.max, self.min, d, v, once)
        self._changed[d] = True
        self._fraction[d[v != np.round(v)]] = True

    def expire(self, now: float) -> None:
        """Drop samples older than ``now - width``."""
        cutoff = now - self.width
        gone_d, gone_v = [], []
        for c in self._chunks:
            k = int(np.searchsorted(c.ts, cutoff, side="left"))
            if k > c.head:
                gone_d.append(c.device[c.head : k])
                gone_v.append(c.value[c.head : k])
                c.head = k
        self._chunks = [c for c in self._chunks if c.head < len(c.ts)]
        if not gone_d:
            return
        d = np.concatenate(gone_d).astype(np.int64)
        v = np.concatenate(gone_v)
        self._change(d, v, -1)
        self._changed[d] = True
        empty = d[self.count[d] == 0]
        self.sum[empty] = 0.0  # no rounding left behind by a window that emptied
        self._fraction[empty] = False
        if self.extremes:
            was_extreme = (v >= self.max[d]) | (v <= self.min[d])
            self.max[empty] = self.min[empty] = np.nan
            self._recompute(d[was_extreme & (self.count[d] > 0)])

    def take_changed(self) -> np.ndarray:
        """The devices whose window gained or lost samples since the last call, sorted."""
        out = np.flatnonzero(self._changed)
        self._changed[out] = False
        return out

    def _change(self, d: np.ndarray, v: np.ndarray, sign: int) -> None:
        """Add (or take away) samples from the running sums and counts."""
        if len(d) * 8 >= self.n_devices:  # many: one pass over the fleet
            self.sum += sign * np.bincount(d, v, minlength=self.n_devices)
            self.count += sign * np.bincount(d, minlength=self.n_devices)
        else:
            np.add.at(self.sum, d, sign * v)
            np.add.at(self.count, d, sign)

    def _recompute(self, devices: np.ndarray) -> None:
        """The max and min of these devices (repeats allowed), from the samples still held."""
        if not len(devices):
            return
        mark = np.zeros(self.n_devices, bool)
        mark[devices] = True
        devices = np.flatnonzero(mark)
        self.max[devices] = self.min[devices] = np.nan
        for c in self._chunks:
            d = c.device[c.head :]
            sel = mark[d]
            if sel.any():
                _extend(self.max, self.min, d[sel], c.value[c.head :][sel], c.once)

    def value(
        self, aggregate: str, devices: np.ndarray | None, near: np.ndarray | None = None
    ) -> np.ndarray:
        """Each device's aggregate over its window (None: every device); NaN where empty
        (``count`` is 0 there). ``near``: the limits it is compared with - a sum or mean
        within a billionth of its limit is recomputed exactly where rounding could tip it."""
        sel = slice(None) if devices is None else devices
        count = self.count[sel]
        if aggregate == "count":
            return count.astype(np.float64)
        if aggregate in ("max", "min"):
            return (self.max if aggregate == "max" else self.min)[sel].copy()
        with np.errstate(all="ignore"):
            x = np.where(count > 0, self.sum[sel] / (count if aggregate == "avg" else 1), np.nan)
            if near is not None:
                close = np.abs(x - near) <= 1e-9 * np.maximum(1.0, np.abs(near))
                close &= self._fraction[sel]
                if close.any():
                    dev = (np.arange(self.n_devices) if devices is None else devices)[close]
                    x[close] = self._exact(dev) / (count[close] if aggregate == "avg" else 1)
        return x

    def _exact(self, devices: np.ndarray) -> np.ndarray:
        """The exactly rounded sum of each device's samples in the window (a few devices)."""
        mark = np.zeros(self.n_devices, bool)
        mark[devices] = True
        parts = [(c.device[c.head :], c.value[c.head :]) for c in self._chunks]
        d = np.concatenate([np.zeros(0, np.int32)] + [p[0][mark[p[0]]] for p in parts])
        v = np.concatenate([np.zeros(0)] + [p[1][mark[p[0]]] for p in parts])
        order = np.argsort(d, kind="stable")
        d, v = d[order], v[order]
        lo, hi = np.searchsorted(d, devices), np.searchsorted(d, devices, side="right")
        return np.array([math.fsum(v[a:b].tolist()) for a, b in zip(lo, hi, strict=True)])

    def has_data(self, devices: np.ndarray | None) -> np.ndarray:
        """Whether each device has a sample in its window."""
        return self.count[slice(None) if devices is None else devices] > 0


def _extend(hi: np.ndarray, lo: np.ndarray, d: np.ndarray, v: np.ndarray, once: bool) -> None:
    """Raise ``hi`` and lower ``lo`` at devices ``d`` by values ``v`` (NaN: nothing yet)."""
    if once:  # no device twice: plain indexing
        hi[d] = np.fmax(hi[d], v)
        lo[d] = np.fmin(lo[d], v)
    else:
        np.fmax.at(hi, d, v)
        np.fmin.at(lo, d, v)
