"""Per-device alert state machines over dense arrays, with Prometheus ``for`` semantics.

States of each (rule, device):
- INACTIVE: the condition does not hold (or there is no fresh sample).
- PENDING: the condition holds, but for less than ``for``.
- FIRING: the condition has held at every evaluation for at least ``for``.

Edges, all taken in ``tick(now)`` and nowhere else:
- INACTIVE -> PENDING when the condition holds; ``active_since = now``.
- PENDING -> FIRING when the condition holds and ``now - active_since >= for`` (inclusive);
  a rule with ``for: 0s`` fires at the first evaluation. Emits ``fired``.
- PENDING -> INACTIVE when the condition stops holding; emits nothing.
- FIRING -> INACTIVE when the condition stops holding; emits ``resolved``.
A sample is fresh at ``now`` if it is at most ``lookback`` seconds old.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from alerting.rules import Rule

INACTIVE, PENDING, FIRING = np.int8(0), np.int8(1), np.int8(2)
FIRED, RESOLVED = "fired", "resolved"


@dataclass(frozen=True)
class Transitions:
    """Alert transitions from one evaluation, columnar (one row per transition)."""

    rule: np.ndarray  # int32, index into the engine's rules
    device: np.ndarray  # int64
    kind: np.ndarray  # str: fired / resolved
    at: np.ndarray  # float64 seconds
    value: np.ndarray  # float64, the sample that decided it
    active_since: np.ndarray  # float64 seconds

    def __len__(self) -> int:
        return len(self.device)


_EMPTY = Transitions(
    np.zeros(0, np.int32),
    np.zeros(0, np.int64),
    np.zeros(0, "<U8"),
    np.zeros(0),
    np.zeros(0),
    np.zeros(0),
)


@dataclass(frozen=True)
class IngestReport:
    """What ``ingest`` did with a batch: nothing valid is dropped, nothing invalid silently."""

    accepted: int
    unknown_device: int
    not_a_number: int


class AlertEngine:
    """Readings in (``ingest``), clock ticks in (``tick``), transitions out."""

    def __init__(
        self,
        rules: Sequence[Rule],
        device_types: Sequence[str] | np.ndarray,
        *,
        lookback: float = 300.0,
    ) -> None:
        self.rules = tuple(rules)
        types = np.asarray(device_types)
        self.n_devices = len(types)
        self.lookback = float(lookback)
        self._selected = [types == r.device_type for r in self.rules]
        self._state = np.zeros((len(self.rules), self.n_devices), dtype=np.int8)
        self._active_since = np.full((len(self.rules), self.n_devices), np.nan)
        self._last_ts = np.full(self.n_devices, -np.inf)
        self._last_value = np.full(self.n_devices, np.nan)

    def ingest(self, device: np.ndarray, ts: np.ndarray, value: np.ndarray) -> IngestReport:
        """Keep each device's newest sample, whatever the order and batching of arrival.

        Two samples of one device with the same timestamp: the larger value wins.
        """
        device, ts, value = np.asarray(device), np.asarray(ts, float), np.asarray(value, float)
        known = (device >= 0) & (device < self.n_devices)
        numeric = np.isfinite(value) & np.isfinite(ts)
        ok = known & numeric
        d, t, v = device[ok], ts[ok], value[ok]
        order = np.lexsort((v, t, d))  # newest last per device; ties broken by value
        d, t, v = d[order], t[order], v[order]
        last = np.r_[d[1:] != d[:-1], True] if len(d) else np.zeros(0, bool)
        d, t, v = d[last], t[last], v[last]
        last_t, last_v = self._last_ts[d], self._last_value[d]
        newer = (t > last_t) | ((t == last_t) & (v > last_v))
        self._last_ts[d[newer]] = t[newer]
        self._last_value[d[newer]] = v[newer]
        return IngestReport(int(ok.sum()), int((~known).sum()), int((known & ~numeric).sum()))

    def tick(self, now: float) -> Transitions:
        """Evaluate every rule at ``now`` and return the transitions it causes."""
        fresh = self._last_ts >= now - self.lookback
        out = [_EMPTY]
        for i, rule in enumerate(self.rules):
            holds = self._selected[i] & fresh & rule.op(self._last_value, rule.threshold)
            out.append(self._step_rule(i, rule, holds, now))
        return _concat(out)

    def firing(self) -> np.ndarray:
        """(rule, device) pairs currently firing, as a boolean matrix."""
        return self._state == FIRING

    def _step_rule(self, i: int, rule: Rule, holds: np.ndarray, now: float) -> Transitions:
        state, since = self._state[i], self._active_since[i]
        # INACTIVE -> PENDING: the condition starts to hold.
        start = (state == INACTIVE) & holds
        state[start], since[start] = PENDING, now
        # PENDING -> FIRING: held for at least `for` (inclusive).
        fire = (state == PENDING) & holds & (now - since >= rule.for_)
        # PENDING -> INACTIVE (silently) and FIRING -> INACTIVE (resolved): it stops holding.
        drop = (state == PENDING) & ~holds
        resolve = (state == FIRING) & ~holds
        state[fire] = FIRING
        state[drop | resolve] = INACTIVE
        dev = np.concatenate([np.flatnonzero(fire), np.flatnonzero(resolve)])
        kind = np.repeat(np.array([FIRED, RESOLVED]), [fire.sum(), resolve.sum()])
        out = Transitions(
            np.full(len(dev), i, np.int32),
            dev.astype(np.int64),
            kind,
            np.full(len(dev), float(now)),
            self._last_value[dev],
            since[dev].copy(),
        )
        since[drop | resolve] = np.nan
        return out


def _concat(parts: list[Transitions]) -> Transitions:
    names = Transitions.__dataclass_fields__
    return Transitions(**{n: np.concatenate([getattr(p, n) for p in parts]) for n in names})
