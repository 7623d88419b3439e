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
from typing import Annotated, Literal

import numpy as np
from pydantic import Field, model_validator

from datafiles import Duration, Strict, UserError
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
    replaced_at: np.ndarray | None = None  # float64, when a technician put in a new battery
    drift_from: np.ndarray | None = None  # float64, when the drift begins (0: the run's start)
    _odd: np.ndarray | None = None

    def __post_init__(self) -> None:
        n = len(self.battery_dies)
        if self.replaced_at is None:
            self.replaced_at = np.full(n, np.inf)
        if self.drift_from is None:
            self.drift_from = np.zeros(n)

    def apply(self, dev: np.ndarray, t: np.ndarray, value: np.ndarray, rng) -> np.ndarray:
        """Readings as the device reports them: offset, drift, extra noise, then stuck-at.
        Only the few devices with such a fault are touched."""
        out = value.copy()
        odd = np.flatnonzero(self.odd[dev])
        if not len(odd):
            return out
        d, when = dev[odd], t[odd]
        drifting = np.maximum(when - self.drift_from[d], 0.0)
        v = out[odd] + self.offset[d] + self.drift_per_day[d] * (drifting / DAY)
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
        return (t < self.battery_dies[dev]) | (t >= self.replaced_at[dev])

    def low_battery(self, dev: np.ndarray, t: np.ndarray) -> np.ndarray:
        return (t >= self.low_from[dev]) & (t < self.battery_dies[dev])

    def replace_battery(self, dev: int, t: float) -> None:
        """A new battery from ``t``: the device reports again (for longer than any run)."""
        self.replaced_at[dev] = min(self.replaced_at[dev], t)

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


class DeviceFault(Strict):
    """A fault a planner writes (``faults.devices[i]``): from ``from`` (since the run's start)
    one ``device``, or every device of a ``community`` (of one ``type`` if given), sticks at
    the value it reads then, drifts by ``drift_per_day`` (in the type's unit), or goes silent
    (no message, no warning, as a battery dying at once; a technician replaces it)."""

    fault: Literal["stuck", "drift", "silent"]
    from_: Duration = Field(alias="from")
    device: Annotated[int, Field(ge=0)] | None = None
    community: Annotated[int, Field(ge=0)] | None = None
    type: str | None = None
    drift_per_day: float = 0.0

    @model_validator(mode="after")
    def _one_target(self) -> DeviceFault:
        if (self.device is None) == (self.community is None):
            raise ValueError("name either a 'device' or a 'community' (with an optional 'type')")
        if self.fault == "drift" and self.drift_per_day == 0:
            raise ValueError("a drift needs 'drift_per_day' (in the device type's unit)")
        return self


def schedule_faults(faults: DeviceFaults, devices: Devices, written: list[DeviceFault]) -> None:
    """Deal the written faults on top of the drawn ones; a device or community the run lacks
    is an error naming the fault."""
    for i, w in enumerate(written):
        rows = _devices_of(devices, w, f"faults.devices[{i}]")
        if w.fault == "stuck":
            faults.stuck_from[rows] = np.minimum(faults.stuck_from[rows], w.from_)
        elif w.fault == "drift":
            faults.drift_per_day[rows] = w.drift_per_day
            faults.drift_from[rows] = w.from_
        else:
            faults.battery_dies[rows] = np.minimum(faults.battery_dies[rows], w.from_)
            faults.low_from[rows] = np.minimum(faults.low_from[rows], w.from_)
    faults._odd = None


def _devices_of(devices: Devices, w: DeviceFault, key: str) -> np.ndarray:
    if w.device is not None:
        if w.device >= devices.size:
            raise UserError.one(
                f"the run has {devices.size} devices, numbered 0 to {devices.size - 1}",
                key=f"{key}.device",
                hint="device ids are those of devices.parquet in a run at the same seed and scale",
            )
        return np.array([w.device])
    mine = devices.community == w.community
    if w.type is not None:
        if w.type not in devices.type_names:
            raise UserError.one(
                f"no device of type '{w.type}' is deployed in this run",
                key=f"{key}.type",
                hint=f"deployed types: {', '.join(devices.type_names)}",
            )
        mine &= devices.type_code == devices.type_names.index(w.type)
    rows = np.flatnonzero(mine)
    if not len(rows):
        raise UserError.one(
            f"community {w.community} has no such device in this run",
            key=f"{key}.community",
            hint="communities are numbered as in devices.parquet",
        )
    return rows
