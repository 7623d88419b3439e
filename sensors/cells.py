"""NB-IoT base station cells: which communities each serves, and when each is down.

Outages are ground truth: random faults, plus power cuts in a storm, which a cell's backup
battery bridges for a few hours; every device on a cell falls silent while it is down.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.core.units import HOUR, YEAR


@dataclass(frozen=True)
class Cells:
    """One row per cell; ``community_cell`` maps each community to the cell that serves it."""

    township: np.ndarray  # int16
    loss: np.ndarray  # float64, share of messages lost in normal operation
    latency: np.ndarray  # float64, median uplink latency in seconds
    community_cell: np.ndarray  # int32

    @property
    def size(self) -> int:
        return len(self.township)


@dataclass(frozen=True)
class Outages:
    """Intervals [start, end) when a cell is down, sorted by start."""

    cell: np.ndarray  # int32
    start: np.ndarray  # float64
    end: np.ndarray  # float64
    cause: np.ndarray  # str: "fault" or "power"

    @property
    def size(self) -> int:
        return len(self.cell)

    def down_at(self, t: float, n_cells: int) -> np.ndarray:
        """A mask over cells: True where the cell is down at t."""
        down = np.zeros(n_cells, bool)
        on = (self.start <= t) & (t < self.end)
        down[self.cell[on]] = True
        return down


def lay_out_cells(
    community_township: np.ndarray,
    n_cells: int,
    *,
    loss: float,
    latency: float,
    rng: np.random.Generator,
) -> Cells:
    """Share ``n_cells`` among townships by their number of communities (at least one each);
    each community is served by one of its township's cells. Loss and latency vary by cell."""
    n_town = int(community_township.max()) + 1
    per_town = np.bincount(community_township, minlength=n_town)
    cells_per_town = np.maximum(1, np.round(per_town / per_town.sum() * n_cells)).astype(np.int64)
    township = np.repeat(np.arange(n_town, dtype=np.int16), cells_per_town)
    first = np.r_[0, np.cumsum(cells_per_town)[:-1]]
    pick = rng.integers(0, cells_per_town[community_township])
    community_cell = (first[community_township] + pick).astype(np.int32)
    n = len(township)
    # loss varies by cell around the scenario's figure (beta with mean `loss`); latency lognormal
    cell_loss = rng.beta(2.0, 2.0 * (1 - loss) / loss, n) if 0 < loss < 1 else np.full(n, loss)
    return Cells(township, cell_loss, latency * rng.lognormal(0.0, 0.3, n), community_cell)


def random_outages(
    n_cells: int,
    horizon: float,
    per_cell_year: float,
    median_duration: float,
    *,
    rng: np.random.Generator,
) -> Outages:
    """Faults: a Poisson process per cell, each lasting a lognormal time."""
    count = rng.poisson(n_cells * per_cell_year * horizon / YEAR)
    start = rng.uniform(0.0, horizon, count)
    end = start + rng.lognormal(np.log(max(median_duration, 1.0)), 0.6, count)
    return _sorted(rng.integers(0, max(n_cells, 1), count).astype(np.int32), start, end, "fault")


def power_cuts(
    n_cells: int,
    storm: np.ndarray,
    cut_per_hour: float,
    backup: float,
    median_restore: float,
    *,
    rng: np.random.Generator,
) -> Outages:
    """Storm power cuts: in each hour a cell loses mains power with probability
    ``cut_per_hour * storm[hour]`` (storm in 0..1); it goes down once its backup battery is
    spent (``backup`` seconds) and comes back when power is restored, unless power returns first."""
    hours = len(storm)
    hit = rng.random((hours, n_cells)) < cut_per_hour * np.asarray(storm)[:, None]
    hour, cell = np.nonzero(hit)
    first = np.full(n_cells, -1)
    first[cell[::-1]] = hour[::-1]  # first cut per cell (nonzero is ordered by hour)
    cut = np.flatnonzero(first >= 0)
    power_off = (first[cut] + rng.random(len(cut))) * HOUR
    restored = power_off + rng.lognormal(np.log(max(median_restore, 1.0)), 0.5, len(cut))
    start = power_off + backup
    keep = start < restored
    return _sorted(cut[keep].astype(np.int32), start[keep], restored[keep], "power")


def combine(*parts: Outages) -> Outages:
    return _sorted(
        np.concatenate([p.cell for p in parts]),
        np.concatenate([p.start for p in parts]),
        np.concatenate([p.end for p in parts]),
        np.concatenate([p.cause for p in parts]),
    )


def _sorted(cell, start, end, cause) -> Outages:
    order = np.argsort(start, kind="stable")
    cause = np.broadcast_to(np.asarray(cause, dtype="<U5"), cell.shape)
    return Outages(cell[order], start[order], end[order], np.array(cause[order]))
