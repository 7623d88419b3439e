"""Device faults: drawn once per device at deployment, applied to every reading it sends.

- spike: a spurious reading at a random moment (a false trigger), in ``spike_range``.
- stuck-at: from some moment on, the device repeats the value it read then.
- noise: some devices are noisier than their type by ``noisy_factor``.
- drift and offset: a reading grows by ``rate * days`` since the start; some read a fixed offset.
- bursty dropout: a message opens a burst of lost messages (``burst_readings`` on average).
- battery depletion: for ``low_battery_days`` before the battery is spent, messages carry a
  low-battery warning; then the device is silent.
- clock skew: the device stamps its readings off by a fixed number of seconds.
Duplicates and late delivery happen in transport (``sensors.transport``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sensors.catalogue import DeviceCatalogue
from sensors.devices import Devices
from twin.core.units import DAY, YEAR


@dataclass
class DeviceFaults:
    """Per device: the faults it was dealt, and the state they carry between readings."""

    offset: np.ndarray  # float32
    drift_per_day: np.ndarray  # float32
    noise: np.ndarray  # float32, extra noise sd (0 for most)
    stuck_from: np.ndarray  # float64, inf if never
    stuck_value: np.ndarray  # float64, NaN until the first reading after stuck_from
    battery_dies: np.ndarray  # float64, inf for mains power
    low_from: np.ndarray  # float64, when low-battery warnings begin
    skew: np.ndarray  # float32, seconds added to the device's timestamps
    burst_left: np.ndarray  # int16, messages still to lose in the current burst
    _odd: np.ndarray | None = None

    def apply(self, dev: np.ndarray, t: np.ndarray, value: np.ndarray, rng) -> np.ndarray:
        """Readings as the device reports them: offset, drift, extra noise, then stuck-at.
        Only the few devices with such a fault are touched."""
        out = value.copy()
        odd = np.flatnonzero(self.odd[dev])
        if not len(odd):
            return out
        d, when = dev[odd], t[odd]
        v = out[odd] + self.offset[d] + self.drift_per_day[d] * (when / DAY)
        noisy = self.noise[d] > 0
        if noisy.any():
            v[noisy] += self.noise[d[noisy]] * rng.standard_normal(int(noisy.sum()))
        stuck = when >= self.stuck_from[d]
        if stuck.any():
            ds = d[stuck]
            first = np.isnan(self.stuck_value[ds])
            self.stuck_value[ds[first]] = v[stuck][first]
            v[stuck] = self.stuck_value[ds]
        out[odd] = v
        return out

    @property
    def odd(self) -> np.ndarray:
        """A mask of devices with an offset, a drift, extra noise or a stuck-at moment."""
        if self._odd is None:
            self._odd = (
                (self.offset != 0)
                | (self.drift_per_day != 0)
                | (self.noise > 0)
                | np.isfinite(self.stuck_from)
            )
        return self._odd

    def powered(self, dev: np.ndarray, t: np.ndarray) -> np.ndarray:
        return t < self.battery_dies[dev]

    def low_battery(self, dev: np.ndarray, t: np.ndarray) -> np.ndarray:
        return (t >= self.low_from[dev]) & (t < self.battery_dies[dev])

    def dropped(
        self, dev: np.ndarray, entry: np.ndarray, mean_burst: np.ndarray, rng
    ) -> np.ndarray:
        """Messages lost to bursty dropout: a device inside a burst loses its message; a
        message opens a new burst with probability ``entry``, lasting a geometric number of
        messages with mean ``mean_burst``. ``dev`` must not repeat within one call."""
        left = self.burst_left[dev]
        inside = left > 0
        opens = ~inside & (rng.random(len(dev)) < entry)
        length = rng.geometric(1.0 / np.maximum(mean_burst, 1.0))
        self.burst_left[dev] = np.where(inside, left - 1, np.where(opens, length - 1, 0))
        return inside | opens


def deal_faults(
    devices: Devices, catalogue: DeviceCatalogue, horizon: float, *, rng
) -> DeviceFaults:
    """Draw each device's faults from its type's rates in the catalogue."""
    n = devices.size
    f = DeviceFaults(
        offset=np.zeros(n, np.float32),
        drift_per_day=np.zeros(n, np.float32),
        noise=np.zeros(n, np.float32),
        stuck_from=np.full(n, np.inf),
        stuck_value=np.full(n, np.nan),
        battery_dies=np.full(n, np.inf),
        low_from=np.full(n, np.inf),
        skew=np.zeros(n, np.float32),
        burst_left=np.zeros(n, np.int16),
    )
    for name in devices.type_names:
        b = devices.block(name)
        m = b.stop - b.start
        spec = catalogue[name]
        q = spec.faults

        def some(share: float, m: int = m) -> np.ndarray:
            return rng.random(m) < share

        f.offset[b] = np.where(some(q.offset_share), rng.normal(0.0, q.offset_sd, m), 0.0)
        f.drift_per_day[b] = np.where(some(q.drift_share), rng.uniform(0.5, 1.0, m), 0.0) * (
            q.drift_per_day
        )
        f.noise[b] = np.where(
            some(q.noisy_share), spec.baseline.noise * (q.noisy_factor - 1.0), 0.0
        )
        f.stuck_from[b] = (
            rng.exponential(YEAR / q.stuck_per_year, m) if q.stuck_per_year else np.inf
        )
        f.skew[b] = np.where(some(q.clock_skew_share), rng.normal(0.0, q.clock_skew_sd, m), 0.0)
        if spec.battery_years > 0:
            life = rng.lognormal(np.log(spec.battery_years * YEAR), 0.25, m)
            dies = life - rng.uniform(0.0, life)  # devices were installed over the past
            f.battery_dies[b] = dies
            f.low_from[b] = dies - spec.low_battery_days * DAY
    return f


def spike_values(spec_range: tuple[float, float] | None, above: float | None, n: int, rng):
    """Spurious values: the type's range, else between its alarm level and five times it."""
    lo, hi = spec_range if spec_range else ((above or 1.0), 5.0 * (above or 20.0))
    return rng.uniform(lo, hi, n)
