"""What devices measure: a quiet baseline plus the signal of any incident under way."""

from __future__ import annotations

import numpy as np

from sensors.incidents import GAS_RAMP_SECONDS, Incidents


def gas_lel(
    incidents: Incidents, n_devices: int, t: float, *, noise: float, rng: np.random.Generator
) -> np.ndarray:
    """%LEL at every device at time t: |noise| in clean air; a leak ramps to its peak."""
    value = np.abs(rng.normal(0.0, noise, size=n_devices))
    active = incidents.active_at(t)
    if len(active):
        ramp = np.minimum(1.0, (t - incidents.onset[active]) / GAS_RAMP_SECONDS)
        np.maximum.at(value, incidents.device[active], incidents.peak[active] * ramp)
    return value
