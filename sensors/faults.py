"""Device and transport faults applied to a batch of readings."""

from __future__ import annotations

import numpy as np

SPIKE_RANGE = (25.0, 100.0)  # a spurious reading, in the device's unit (assumption)


def spikes(values: np.ndarray, probability: float, *, rng: np.random.Generator) -> np.ndarray:
    """A reading is replaced by a spurious high value with the given probability."""
    hit = rng.random(len(values)) < probability
    out = values.copy()
    out[hit] = rng.uniform(*SPIKE_RANGE, size=int(hit.sum()))
    return out


def delivered(n: int, loss: float, *, rng: np.random.Generator) -> np.ndarray:
    """Which readings reach the platform when each is lost with probability ``loss``."""
    return rng.random(n) >= loss


def drift_rates(n: int, share: float, per_day: float, *, rng: np.random.Generator) -> np.ndarray:
    """Per device, how fast its reading drifts upward (unit per day): ``share`` of the devices
    drift at up to ``per_day``, the others not at all."""
    drifting = rng.random(n) < share
    return np.where(drifting, rng.uniform(0.5, 1.0, n) * per_day, 0.0)


def drift(values: np.ndarray, rates: np.ndarray, days: float) -> np.ndarray:
    """Readings of drifting sensors, ``days`` after they were last calibrated."""
    return values + rates * days
