"""Incidents: the ground truth of what really happened at a device, and when."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

YEAR = 365.0 * 86_400.0
GAS_PEAK_LEL = (30.0, 80.0)  # %LEL reached by a leak, uniform range (assumption)
GAS_RAMP_SECONDS = 900.0  # a leak reaches its peak over 15 minutes (assumption)


@dataclass(frozen=True)
class Incidents:
    """One row per incident, sorted by onset; times in seconds since the run's start."""

    device: np.ndarray  # int64
    onset: np.ndarray  # float64
    end: np.ndarray  # float64
    peak: np.ndarray  # float64, in the device's unit

    @property
    def size(self) -> int:
        return len(self.device)

    def active_at(self, t: float) -> np.ndarray:
        """Indices of incidents under way at t (onset <= t < end)."""
        return np.flatnonzero((self.onset <= t) & (t < self.end))


def gas_leaks(
    n_devices: int,
    horizon_seconds: float,
    rate_per_device_year: float,
    median_duration_seconds: float,
    *,
    rng: np.random.Generator,
) -> Incidents:
    """Leaks arrive as a Poisson process over devices; each lasts a lognormal time."""
    count = rng.poisson(n_devices * rate_per_device_year * horizon_seconds / YEAR)
    onset = np.sort(rng.uniform(0.0, horizon_seconds, size=count))
    duration = rng.lognormal(np.log(median_duration_seconds), 0.5, size=count)
    return Incidents(
        device=rng.integers(0, max(n_devices, 1), size=count).astype(np.int64),
        onset=onset,
        end=onset + duration,
        peak=rng.uniform(*GAS_PEAK_LEL, size=count),
    )
