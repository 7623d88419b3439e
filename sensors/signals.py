"""What devices measure: each type's quiet baseline, plus the course of any incident under way.

``Signals.read(devices, times)`` gives the true value each device would measure at each time,
before any device fault. Households have a daily rhythm of water use and door openings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sensors.catalogue import DeviceCatalogue
from sensors.devices import Devices
from sensors.drainage import WaterDepth
from sensors.incidents import KINDS, Incidents
from twin.core.units import DAY, HOUR

# Relative activity by hour of day for an older person living alone: up at six, busy mornings
# and evenings, quiet nights (assumption, shaped like published smart-meter load profiles).
DAILY_RHYTHM = np.array(
    [0.02, 0.01, 0.01, 0.01, 0.02, 0.15, 0.9, 1.3, 1.1, 0.8, 0.7, 0.9,
     1.0, 0.7, 0.5, 0.5, 0.6, 0.9, 1.3, 1.2, 0.9, 0.6, 0.3, 0.08]
)  # fmt: skip
WATER_USES_PER_DAY = 14.0  # taps, flushes and showers of one person (assumption)
LITRES_PER_USE = (4.0, 12.0)  # uniform range
DOOR_OPENINGS_PER_DAY = 6.0


@dataclass
class Signals:
    """The true signal at every device; incident courses looked up by the device they reach."""

    devices: Devices
    catalogue: DeviceCatalogue
    incidents: Incidents
    depth: WaterDepth | None
    gain: np.ndarray  # float32 per device: how a water-level sensor sits against its low point
    activity: np.ndarray  # float32 per device: a household's own level of activity

    def __post_init__(self) -> None:
        self._pair_device, self._pair_incident = witnesses(self.devices, self.incidents)
        t = self.devices.type_names
        self._level = np.array([self.catalogue[n].baseline.level for n in t])
        self._noise = np.array([self.catalogue[n].baseline.noise for n in t])
        floor = [self.catalogue[n].baseline.floor for n in t]
        self._floor = np.array([-np.inf if f is None else f for f in floor])

    def witnessing(self, t0: float, t1: float) -> np.ndarray:
        """Devices that witness an incident under way at some time in (t0, t1]."""
        inc = self._pair_incident
        live = (self.incidents.onset[inc] <= t1) & (self.incidents.end[inc] > t0)
        return self._pair_device[live]

    def read(self, dev: np.ndarray, t: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """True values at devices ``dev`` at times ``t`` (arrays of one length)."""
        code = self.devices.type_code[dev]
        value = self._level[code] + self._noise[code] * rng.standard_normal(len(dev))
        self._households(dev, t, code, value, rng)
        self._water(dev, t, code, value)
        self._incidents(dev, t, value)
        return np.maximum(value, self._floor[code])

    def _households(self, dev, t, code, value, rng) -> None:
        for name, per_day, litres in (
            ("water_meter", WATER_USES_PER_DAY, LITRES_PER_USE),
            ("door", DOOR_OPENINGS_PER_DAY, None),
        ):
            if name not in self.devices.type_names:
                continue
            mine = np.flatnonzero(code == self.devices.type_names.index(name))
            if not len(mine):
                continue
            # the sample covers the hour ending at t
            hour = ((t[mine] - 1.0) % DAY // HOUR).astype(np.int64)
            rate = per_day * DAILY_RHYTHM[hour] / DAILY_RHYTHM.sum() * self.activity[dev[mine]]
            uses = rng.poisson(rate)
            value[mine] = uses * (rng.uniform(*litres, len(mine)) if litres else 1.0)

    def _water(self, dev, t, code, value) -> None:
        if self.depth is None or "water_level" not in self.devices.type_names:
            return
        mine = np.flatnonzero(code == self.devices.type_names.index("water_level"))
        if not len(mine):
            return
        steps = np.minimum((t[mine] // self.depth.step).astype(np.int64), len(self.depth.depth) - 1)
        value[mine] += (
            self.depth.depth[steps, self.devices.community[dev[mine]]] * self.gain[dev[mine]]
        )

    def _incidents(self, dev, t, value) -> None:
        """Apply each incident's course to the readings of the devices witnessing it."""
        if not len(self._pair_device):
            return
        lo = np.searchsorted(self._pair_device, dev, "left")
        hi = np.searchsorted(self._pair_device, dev, "right")
        for k in range(int((hi - lo).max(initial=0))):
            rows = np.flatnonzero(hi - lo > k)
            inc = self._pair_incident[lo[rows] + k]
            on = (self.incidents.onset[inc] <= t[rows]) & (t[rows] < self.incidents.end[inc])
            rows, inc = rows[on], inc[on]
            if len(rows):
                value[rows] = course(self.incidents, inc, t[rows], value[rows])


def course(incidents: Incidents, inc: np.ndarray, t: np.ndarray, quiet: np.ndarray) -> np.ndarray:
    """The value incidents ``inc`` give at times ``t`` over the quiet value."""
    out = quiet.copy()
    elapsed = t - incidents.onset[inc]
    for name, kind in KINDS.items():
        mine = incidents.kind[inc] == name
        if not mine.any() or kind.course == "field":
            continue
        peak = incidents.peak[inc[mine]]
        if kind.course == "ramp":
            grown = np.minimum(1.0, elapsed[mine] / kind.grows)
            out[mine] = np.maximum(quiet[mine], peak * grown)
        elif kind.course == "square":
            grown = np.minimum(1.0, (elapsed[mine] / kind.grows) ** 2)
            out[mine] = np.maximum(quiet[mine], peak * grown)
        elif kind.course == "step":
            out[mine] = np.maximum(quiet[mine], peak)
        elif kind.course == "silence":
            out[mine] = 0.0
    away = incidents.kind[inc] == "away"
    out[away] = 0.0
    return out


def witnesses(devices: Devices, incidents: Incidents) -> tuple[np.ndarray, np.ndarray]:
    """(device, incident) pairs, sorted by device: which devices see which incident.
    Device incidents reach their device; household ones every device of the kind's types in
    the household. Floods are read from the water depth field, not through pairs."""
    dev_parts, inc_parts = [], []
    at_device = np.flatnonzero(incidents.device >= 0)
    dev_parts.append(incidents.device[at_device])
    inc_parts.append(at_device)
    at_home = np.flatnonzero(incidents.household >= 0)
    if len(at_home):
        homes = devices.household
        order = np.argsort(homes, kind="stable")
        lo = np.searchsorted(homes[order], incidents.household[at_home], "left")
        hi = np.searchsorted(homes[order], incidents.household[at_home], "right")
        for k in range(int((hi - lo).max(initial=0))):
            rows = np.flatnonzero(hi - lo > k)
            dev_parts.append(order[lo[rows] + k])
            inc_parts.append(at_home[rows])
    d, i = np.concatenate(dev_parts), np.concatenate(inc_parts)
    order = np.lexsort((i, d))
    return d[order].astype(np.int64), i[order].astype(np.int64)
