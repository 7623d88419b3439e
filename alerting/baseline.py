"""A device's own usual level, learned online: ``value < baseline`` against a quantile of the
device's history at the same hour of day ("unusual for this household").

Each (device, slot) keeps the device's last ``history`` readings stamped in that slot (an hour
of the local day, or one slot for the whole day), not counting its newest reading: a reading
joins the history when a newer one replaces it. The baseline a condition reads is the
``quantile`` (numpy's linear interpolation) of the history of the newest reading's slot, or
NaN - the condition does not hold - while that history holds fewer than ``min_history``
readings. Readings are kept as float32: 4 bytes x slots x history per device.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Literal

import numpy as np
from pydantic import Field, model_validator

from datafiles import Strict

DAY, HOUR = 86400.0, 3600.0


class Baseline(Strict):
    """How a rule learns each device's usual level."""

    quantile: Annotated[float, Field(gt=0, lt=1)]
    by: Literal["hour", "day"] = "hour"  # a slot per hour of the local day, or one slot
    history: Annotated[int, Field(ge=2, le=64)] = 14
    min_history: Annotated[int, Field(ge=1, le=64)] = 7

    @model_validator(mode="after")
    def _enough(self) -> Baseline:
        if self.min_history > self.history:
            raise ValueError("min_history cannot exceed history: the slot keeps no more")
        return self

    @property
    def slots(self) -> int:
        """Slots a device's history is split into."""
        return 24 if self.by == "hour" else 1

    def slot(self, ts, day_start: float) -> np.ndarray:
        """The slot of each timestamp: its local hour, or 0."""
        ts = np.asarray(ts, np.float64)
        if self.by == "day":
            return np.zeros(ts.shape, np.int64)
        ts = np.where(np.isfinite(ts), ts, day_start)  # a device never heard from: any slot
        return (np.mod(ts - day_start, DAY) // HOUR).astype(np.int64)


@dataclass
class BaselineStore:
    """The histories of one rule's devices (by position among them) and their baselines."""

    spec: Baseline
    n: int
    day_start: float
    ring: np.ndarray = field(init=False)  # float32 (n, slots, history), NaN where empty
    pointer: np.ndarray = field(init=False)  # int64 (n, slots): the next place to write
    level: np.ndarray = field(init=False)  # float64 (n, slots): the baseline, NaN if learning

    def __post_init__(self) -> None:
        s, h = self.spec.slots, self.spec.history
        self.ring = np.full((self.n, s, h), np.nan, np.float32)
        self.pointer = np.zeros((self.n, s), np.int64)
        self.level = np.full((self.n, s), np.nan)

    @property
    def nbytes(self) -> int:
        """Memory held: the histories, their pointers and baselines."""
        return self.ring.nbytes + self.pointer.nbytes + self.level.nbytes

    def push(self, pos: np.ndarray, t: np.ndarray, v: np.ndarray) -> None:
        """Add readings (positions, times, values; each device's in time order) to their
        slots' histories, and recompute the baselines that changed."""
        if not len(pos):
            return
        h, slots = self.spec.history, self.spec.slots
        key = pos * slots + self.spec.slot(t, self.day_start)
        order = np.argsort(key, kind="stable")  # each (device, slot) in time order
        key, v = key[order], v[order]
        start = np.concatenate(([True], key[1:] != key[:-1]))
        first = np.flatnonzero(start)
        size = np.diff(np.append(first, len(key)))
        rank = np.arange(len(key)) - np.repeat(first, size)  # place within its (device, slot)
        keep = rank >= np.repeat(size, size) - h  # more than a history's worth: the newest
        flat_pointer = self.pointer.reshape(-1)
        where = (flat_pointer[key] + rank) % h
        self.ring.reshape(-1, h)[key[keep], where[keep]] = v[keep]
        touched = key[first]
        flat_pointer[touched] = (flat_pointer[touched] + size) % h
        self._recompute(touched)

    def _recompute(self, keys: np.ndarray) -> None:
        """The baselines of these (device, slot) keys, from their histories: rows grouped by
        how full they are, so numpy's quantile runs on whole rows without NaN."""
        rows = np.sort(self.ring.reshape(-1, self.spec.history)[keys].astype(np.float64), axis=1)
        filled = np.count_nonzero(~np.isnan(rows), axis=1)  # NaN sorts last
        out = np.full(len(keys), np.nan)
        for f in np.unique(filled[filled >= self.spec.min_history]).tolist():
            same = filled == f
            out[same] = np.quantile(rows[same, :f], self.spec.quantile, axis=1)
        self.level.reshape(-1)[keys] = out

    def at(self, pos: np.ndarray, newest_ts: np.ndarray) -> np.ndarray:
        """The baseline of each device (position) at its newest reading's slot."""
        return self.level[pos, self.spec.slot(newest_ts, self.day_start)]
