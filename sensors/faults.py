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
