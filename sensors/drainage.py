"""Standing water per community: rain runs off into a low point and drains away at a limit.

A linear reservoir with a capped outlet, per community, in mm of water over the low area:
``dS/dt = runoff * catchment * rain - min(capacity, S / drain_time)``. Low-lying communities
collect water from a larger catchment and drain through older, smaller pipes, so they flood
first. Depth in cm at the low point is ``S / 10``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sensors.weather import Weather
from twin.core.units import HOUR


@dataclass(frozen=True)
class Drainage:
    """Per community: how much rain reaches the low point and how fast it leaves."""

    catchment: np.ndarray  # float64: runoff area over low area, times the runoff coefficient
    capacity: np.ndarray  # float64: mm per hour the outlet can take at most
    drain_time: np.ndarray  # float64: hours for the low point to drain (below capacity)
    low_lying: np.ndarray  # bool


def lay_out_drainage(
    n_communities: int,
    *,
    low_lying_share: float,
    capacity: float,
    low_capacity: float,
    drain_time: float,
    rng: np.random.Generator,
) -> Drainage:
    """A share of communities is low-lying: a catchment 1.5-2.5 times larger and older drains."""
    low = rng.random(n_communities) < low_lying_share
    catchment = np.where(
        low, rng.uniform(1.5, 2.5, n_communities), rng.uniform(0.5, 1.0, n_communities)
    )
    cap = np.where(low, low_capacity, capacity) * rng.lognormal(0.0, 0.2, n_communities)
    return Drainage(catchment, cap, np.full(n_communities, drain_time / HOUR), low)


@dataclass(frozen=True)
class WaterDepth:
    """Depth at each community's low point on a fixed step (cm)."""

    step: float
    depth: np.ndarray  # float32 [steps, communities]

    def at(self, t: float) -> np.ndarray:
        return self.depth[min(int(t // self.step), len(self.depth) - 1)]


def flood(weather: Weather, drainage: Drainage, horizon: float, step: float = 300.0) -> WaterDepth:
    """Integrate the reservoirs over the run (explicit, ``step`` seconds, never below zero)."""
    steps = int(np.ceil(horizon / step)) + 1
    n = len(drainage.catchment)
    storage = np.zeros(n)
    out = np.zeros((steps, n), np.float32)
    dt = step / HOUR
    if not weather.rain.any():
        return WaterDepth(step, out)
    for i in range(steps):
        rain = weather.rain_at(i * step)
        inflow = drainage.catchment * rain
        outflow = np.minimum(drainage.capacity, storage / drainage.drain_time)
        storage = np.maximum(0.0, storage + (inflow - outflow) * dt)
        out[i] = storage / 10.0
    return WaterDepth(step, out)


def flood_episodes(depth: WaterDepth, above: float) -> tuple[np.ndarray, ...]:
    """Intervals when a community's water stands deeper than ``above`` cm: (community, onset,
    end, peak depth). An episode still under way at the end ends at the horizon."""
    wet = depth.depth > above
    padded = np.vstack([np.zeros((1, wet.shape[1]), bool), wet, np.zeros((1, wet.shape[1]), bool)])
    change = np.diff(padded.astype(np.int8), axis=0)
    # row-major over (community, step): starts and ends pair up in order
    s_comm, s_step = np.nonzero(change.T == 1)
    _, e_step = np.nonzero(change.T == -1)
    peak = np.array(
        [depth.depth[a:b, c].max() for c, a, b in zip(s_comm, s_step, e_step, strict=True)]
    )
    return (
        s_comm.astype(np.int32),
        s_step * depth.step,
        e_step * depth.step,
        peak.astype(np.float64),
    )
