"""Incidents: the ground truth of what really happened, where and when.

Each incident has a kind, a site (a device, a household or a community), an onset, an end and
a peak in the witnessing devices' unit. ``KINDS`` says which device type witnesses each kind
and what its course looks like on that device (docs/sensing.md draws them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.core.units import DAY, HOUR, YEAR


@dataclass(frozen=True)
class Kind:
    """An incident kind: who witnesses it, its course, its peak and how fast it grows."""

    witnesses: tuple[str, ...]  # device types
    course: str  # "ramp", "square", "step", "silence" or "field"
    peak: tuple[float, float]  # uniform range, in the witnesses' unit
    grows: float = 0.0  # seconds to reach the peak ("ramp" and "square")


KINDS: dict[str, Kind] = {
    # a leak grows to 30-80 %LEL over about 15 minutes (assumption)
    "gas_leak": Kind(("gas",), "ramp", (30.0, 80.0), 900.0),
    # a fire's smoke grows with the square of time (t-squared fire), 10-30 %/m in ~5 minutes
    "fire": Kind(("smoke",), "square", (10.0, 30.0), 300.0),
    "lift_entrapment": Kind(("lift",), "step", (2.0, 2.0)),
    "lift_fault": Kind(("lift",), "step", (1.0, 1.0)),
    "manhole_open": Kind(("manhole",), "step", (30.0, 80.0)),
    "intrusion": Kind(("intrusion",), "step", (1.0, 1.0)),
    # an older person living alone falls or falls ill: water use and the door fall silent
    "fall": Kind(("water_meter", "door"), "silence", (0.0, 0.0)),
    # standing water deeper than the flood depth at a community's low point
    "flood": Kind(("water_level",), "field", (0.0, 0.0)),
    # nuisance at a kitchen's gas detector, not incidents: fumes of frying oil or alcohol in
    # cooking rise over two minutes to 5-25 %LEL; a spray (hair spray, insecticide, air
    # freshener) puts 10-40 %LEL on the sensor at once (assumptions; docs/sensing.md)
    "cooking_fumes": Kind(("gas",), "ramp", (5.0, 25.0), 120.0),
    "aerosol": Kind(("gas",), "step", (10.0, 40.0)),
}
# truth that is not an incident: a household away from home is quiet, a kitchen smells of gas
CONFOUNDERS = {"away", "cooking_fumes", "aerosol"}
MEALTIMES = ((10.5, 12.5), (16.5, 18.5))  # hours of the day when cooking fumes start


@dataclass(frozen=True)
class Incidents:
    """One row per incident (or confounder), sorted by onset; times in seconds since the start.
    Sites not used by a kind are -1."""

    kind: np.ndarray  # str
    device: np.ndarray  # int64
    household: np.ndarray  # int64
    community: np.ndarray  # int32
    onset: np.ndarray  # float64
    end: np.ndarray  # float64
    peak: np.ndarray  # float64

    @property
    def size(self) -> int:
        return len(self.onset)

    def active_at(self, t: float) -> np.ndarray:
        """Indices of incidents under way at t (onset <= t < end)."""
        return np.flatnonzero((self.onset <= t) & (t < self.end))

    def real(self) -> np.ndarray:
        """A mask: rows that are incidents rather than confounders."""
        return ~np.isin(self.kind, list(CONFOUNDERS))


def at_devices(
    kind: str,
    devices: np.ndarray,
    community: np.ndarray,
    horizon: float,
    per_device_year: float,
    median_duration: float,
    *,
    rng: np.random.Generator,
    hours: tuple[tuple[float, float], ...] | None = None,
) -> Incidents:
    """Incidents at devices as a Poisson process over device-time; each lasts a lognormal time
    (sigma 0.5) around ``median_duration``. With ``hours`` (windows of the day, the run
    starting at midnight) they start only within those windows, at the same rate per day."""
    count = rng.poisson(len(devices) * per_device_year * horizon / YEAR) if len(devices) else 0
    where = rng.integers(0, max(len(devices), 1), count)
    onset = (
        rng.uniform(0.0, horizon, count) if hours is None else _within(hours, horizon, count, rng)
    )
    return _incidents(
        kind,
        onset,
        onset + rng.lognormal(np.log(max(median_duration, 1.0)), 0.5, count),
        rng.uniform(*KINDS[kind].peak, count),
        device=devices[where] if count else np.zeros(0, np.int64),
        community=community[where] if count else np.zeros(0, np.int32),
    )


def _within(
    hours: tuple[tuple[float, float], ...], horizon: float, count: int, rng: np.random.Generator
) -> np.ndarray:
    """``count`` moments spread evenly over the hours of the day in ``hours``, over the whole
    days of the horizon (a horizon under a day: wrapped back into it)."""
    lengths = np.array([b - a for a, b in hours])
    window = rng.choice(len(hours), count, p=lengths / lengths.sum())
    start = np.array([a for a, _ in hours])[window]
    day = rng.integers(0, max(int(horizon // DAY), 1), count)
    onset = day * DAY + (start + rng.uniform(0.0, 1.0, count) * lengths[window]) * HOUR
    return np.mod(onset, horizon)


def at_households(
    kind: str,
    households: np.ndarray,
    community: np.ndarray,
    horizon: float,
    per_household_year: float,
    median_duration: float,
    *,
    rng: np.random.Generator,
) -> Incidents:
    """Falls (or, for ``away``, trips from home) over households with sensors."""
    count = rng.poisson(len(households) * per_household_year * horizon / YEAR)
    where = rng.integers(0, max(len(households), 1), count)
    onset = rng.uniform(0.0, horizon, count)
    return _incidents(
        kind,
        onset,
        onset + rng.lognormal(np.log(max(median_duration, 1.0)), 0.5, count),
        np.zeros(count),
        household=households[where] if count else np.zeros(0, np.int64),
        community=community[where] if count else np.zeros(0, np.int32),
    )


def floods(
    community: np.ndarray, onset: np.ndarray, end: np.ndarray, peak: np.ndarray
) -> Incidents:
    """Flood episodes from the drainage model as incidents at communities."""
    return _incidents("flood", onset, end, peak, community=community)


def combine(*parts: Incidents) -> Incidents:
    fields = ("kind", "device", "household", "community", "onset", "end", "peak")
    merged = {f: np.concatenate([getattr(p, f) for p in parts]) for f in fields}
    order = np.argsort(merged["onset"], kind="stable")
    return Incidents(**{f: v[order] for f, v in merged.items()})


def none() -> Incidents:
    return _incidents("flood", np.zeros(0), np.zeros(0), np.zeros(0))


def _incidents(kind, onset, end, peak, *, device=None, household=None, community=None):
    n = len(onset)

    def col(values, dtype):
        return np.full(n, -1, dtype) if values is None else np.asarray(values, dtype)

    order = np.argsort(np.asarray(onset), kind="stable")
    return Incidents(
        kind=np.full(n, kind, dtype="<U16"),
        device=col(device, np.int64)[order],
        household=col(household, np.int64)[order],
        community=col(community, np.int32)[order],
        onset=np.asarray(onset, np.float64)[order],
        end=np.asarray(end, np.float64)[order],
        peak=np.asarray(peak, np.float64)[order],
    )
