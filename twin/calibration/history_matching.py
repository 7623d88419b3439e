"""History matching (Craig et al. 1997; Vernon et al. 2010): rule out the parameter values at
which the model cannot reproduce the targets, wave by wave, and keep the rest - the
non-implausible set - as the calibration's answer.

For target k with observed value z_k (on a log scale) and an emulator with mean m_k(x) and
standard deviation s_k(x), the implausibility of x is

    I_k(x) = |z_k - m_k(x)| / sqrt(s_k(x)^2 + d_k^2),      d_k = log(1 + tol_k) / c

where tol_k is the target's relative tolerance and c the cutoff: with a certain emulator, x is
ruled out exactly when its figure misses the target by more than the tolerance. x is
non-implausible when max_k I_k(x) <= c (c = 3, Pukelsheim's three-sigma rule).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.spatial.distance import cdist
from scipy.stats import qmc

from twin.calibration.emulator import Emulator


@dataclass(frozen=True)
class Space:
    """The priors' box: each parameter uniform on its range, or on its log."""

    names: tuple[str, ...]
    low: np.ndarray
    high: np.ndarray
    log: np.ndarray  # bool

    @classmethod
    def of(cls, priors: Mapping) -> Space:
        names = tuple(priors)
        low = np.array([priors[n].range[0] for n in names], float)
        high = np.array([priors[n].range[1] for n in names], float)
        return cls(names, low, high, np.array([priors[n].log for n in names], bool))

    def values(self, u: np.ndarray) -> np.ndarray:
        """Points of the unit cube as parameter values."""
        low, high = self._ends()
        x = low + np.asarray(u, float) * (high - low)
        return np.where(self.log, np.exp(x), x)

    def unit(self, x: np.ndarray) -> np.ndarray:
        """Parameter values as points of the unit cube."""
        low, high = self._ends()
        x = np.asarray(x, float)
        x = np.where(self.log, np.log(np.where(self.log, x, 1.0)), x)
        return (x - low) / (high - low)

    def _ends(self) -> tuple[np.ndarray, np.ndarray]:
        """The box's ends, on the log scale for log priors."""
        low = np.where(self.log, np.log(np.where(self.log, self.low, 1.0)), self.low)
        high = np.where(self.log, np.log(np.where(self.log, self.high, 1.0)), self.high)
        return low, high


def latin(d: int, n: int, *, seed: int, spread: bool = True) -> np.ndarray:
    """A Latin hypercube of ``n`` points in [0, 1]^d (scipy.stats.qmc); ``spread``: optimised
    by random coordinate swaps (for a wave's few points; quadratic in ``n``, so not for the
    thousands of candidates)."""
    optimization = "random-cd" if spread else None
    return qmc.LatinHypercube(d, rng=seed % 2**32, optimization=optimization).random(n)


def discrepancy(tolerance: float, cutoff: float) -> float:
    """The standard deviation d_k above: the tolerance, on a log scale, over the cutoff."""
    return float(np.log1p(tolerance) / cutoff)


def implausibility(
    emulators: Mapping[str, Emulator],
    targets: Mapping[str, float],
    tolerances: Mapping[str, float],
    u: np.ndarray,
    cutoff: float,
) -> dict[str, np.ndarray]:
    """I_k at each point of ``u``, per target."""
    out = {}
    for name, z in targets.items():
        mean, sd = emulators[name].predict(u)
        d = discrepancy(tolerances[name], cutoff)
        out[name] = np.abs(np.log(z) - mean) / np.sqrt(sd**2 + d**2)
    return out


def worst(per_target: Mapping[str, np.ndarray], names: Sequence[str]) -> np.ndarray:
    """The largest implausibility over ``names`` at each point."""
    return np.max(np.vstack([per_target[n] for n in names]), axis=0)


def spread(pool: np.ndarray, n: int, *, seed: int) -> np.ndarray:
    """``n`` points of ``pool`` spread out (greedy maximin from a random start): the next
    wave's design inside the non-implausible set."""
    if len(pool) <= n:
        return pool
    rng = np.random.default_rng(seed)
    chosen = [int(rng.integers(len(pool)))]
    nearest = cdist(pool, pool[chosen]).ravel()
    while len(chosen) < n:
        k = int(np.argmax(nearest))
        chosen.append(k)
        nearest = np.minimum(nearest, cdist(pool, pool[k : k + 1]).ravel())
    return pool[chosen]
