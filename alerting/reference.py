"""A plain per-reading, per-device implementation of the alert engine's semantics.

Slow and obviously correct: loops over readings and devices with Python values. It exists to
check the vectorized engine (differential tests) and to measure its speed-up.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from alerting.engine import (
    DEFAULT_LOOKBACK,
    ESCALATED,
    FIRED,
    MAX_FUTURE,
    OFFLINE,
    ONLINE,
    RESOLVED,
    State,
)
from alerting.hours import within
from alerting.rules import SEVERITIES, CombinedRule, Rule, RuleSet, ValueCondition


@dataclass
class _Alert:
    state: int = State.INACTIVE
    severity: int = 0
    consec: int = 0
    active_since: float = math.nan
    fired_at: float = math.nan
    clearing_since: float = math.nan


@dataclass
class _Device:
    last_ts: float = -math.inf
    last_value: float = math.nan
    prev_ts: float = -math.inf
    prev_value: float = math.nan
    stale: bool = False
    samples: list[tuple[float, float]] = field(default_factory=list)  # (ts, value), not stale


class ReferenceEngine:
    """Same inputs and outputs as AlertEngine; rows are (rule, device, kind, at)."""

    def __init__(
        self,
        rules: RuleSet,
        devices: Mapping[str, list],
        *,
        start: float = 0.0,
        lookback: float = DEFAULT_LOOKBACK,
        ahead: float = MAX_FUTURE,
        day_start: float = 0.0,
    ) -> None:
        self.rules, self.lookback, self.start, self.now = rules, lookback, start, start
        self.day_start = day_start
        self.ahead = ahead
        self.labels = {k: [str(x) for x in v] for k, v in devices.items()}
        n = len(self.labels["type"])
        self.devices = [_Device() for _ in range(n)]
        self.selected = [self._select(r.device_type, r.match) for r in rules.rules]
        self.offline_selected = [self._select(r.device_type, r.match) for r in rules.offline]
        # per offline rule, the devices it holds offline (two rules may watch one device)
        self.offline: list[set[int]] = [set() for _ in rules.offline]
        self.alerts = [
            {d: _Alert(severity=SEVERITIES.index(r.severity)) for d in sel}
            for r, sel in zip(rules.rules, self.selected, strict=True)
        ]
        self.queue: list[tuple[int, float, float, bool]] = []
        # per value rule with a baseline: device -> slot -> its last readings (float32)
        self.history: list[dict[int, dict[int, list[float]]]] = [{} for _ in rules.rules]
        # per combined rule, each group's alert, keyed by the group's label value
        self.groups: list[dict[str, _Alert]] = [
            {g: _Alert(severity=SEVERITIES.index(c.severity)) for g in self._groups(c)}
            for c in rules.combined
        ]

    def _groups(self, c: CombinedRule) -> dict[str, int]:
        """Each group of a combined rule (a ``by`` label value) and its representative: the
        lowest device a rule it counts watches."""
        rep: dict[str, int] = {}
        for name in c.reads:
            for d in self.selected[self._value_index(name)]:
                g = self.labels[c.by][d]
                rep[g] = min(rep.get(g, d), d)
        return rep

    def _select(self, device_type: str, match: Mapping[str, str]) -> list[int]:
        return [
            d
            for d in range(len(self.devices))
            if self.labels["type"][d] == device_type
            and all(self.labels[k][d] == v for k, v in match.items())
        ]

    def _threshold(self, rule: Rule, device: int, base: float) -> float:
        value = base
        for level in ("township", "community", "device"):
            label = "id" if level == "device" else level
            table = getattr(rule.thresholds, level)
            if label in self.labels and self.labels[label][device] in table:
                value = table[self.labels[label][device]]
        return value

    def ingest(self, device, ts, value, stale=None) -> None:
        """Queue readings (lists), as ``AlertEngine.ingest``."""
        for i, (d, t, v) in enumerate(zip(device, ts, value, strict=True)):
            s = bool(stale[i]) if stale is not None else False
            ok = 0 <= d < len(self.devices) and math.isfinite(t) and (math.isfinite(v) or s)
            if ok and t <= self.now + self.ahead:
                self.queue.append((int(d), float(t), float(v), s))

    def tick(self, now: float) -> list[tuple[int, int, str, float]]:
        """Evaluate at ``now``: (rule, device, kind, at) rows, as ``Transitions.rows``."""
        self.now = now
        due = sorted(
            (r for r in self.queue if r[1] <= now),
            key=lambda r: (r[0], r[1], math.inf if r[3] else r[2]),
        )
        self.queue = [r for r in self.queue if r[1] > now]
        for k, (d, t, v, s) in enumerate(due):
            if k + 1 < len(due) and due[k + 1][:2] == (d, t):
                continue  # a duplicate timestamp: the larger value (or stale marker) wins
            dev = self.devices[d]
            if t <= dev.last_ts:
                continue  # late
            for ri, rule in enumerate(self.rules.rules):
                if d in self.alerts[ri]:
                    self._count(rule, self.alerts[ri][d], dev, d, t, v, s)
                    self._remember(ri, rule, dev, d)
            dev.prev_ts, dev.prev_value = dev.last_ts, dev.last_value
            dev.last_ts, dev.last_value, dev.stale = t, v, s
            if not s:
                dev.samples.append((t, v))
        rows = []
        for ri, rule in enumerate(self.rules.rules):
            for d in self.selected[ri]:
                rows += [(ri, d, kind, now) for kind in self._evaluate(rule, d, now)]
        for oi, rule in enumerate(self.rules.offline):
            interval = self.rules.device_types[rule.device_type].report_interval
            for d in self.offline_selected[oi]:
                dev = self.devices[d]
                silent = now - max(dev.last_ts, self.start) >= rule.after_missed * interval
                held = self.offline[oi]
                if silent and d not in held:
                    held.add(d)
                    rows.append((len(self.rules.rules) + oi, d, OFFLINE, now))
                elif not silent and d in held:
                    held.discard(d)
                    rows.append((len(self.rules.rules) + oi, d, ONLINE, now))
        first = len(self.rules.rules) + len(self.rules.offline)
        for ci, c in enumerate(self.rules.combined):
            reps = self._groups(c)
            for g in sorted(reps, key=reps.__getitem__):
                a = self.groups[ci][g]
                kinds = self._evaluate_group(c, a, self._group_holds(c, g), now)
                rows += [(first + ci, reps[g], kind, now) for kind in kinds]
        quiet = {i for i, r in enumerate(self.rules.rules) if not r.notify}
        return [r for r in rows if r[0] not in quiet]

    def _value_index(self, name: str) -> int:
        return [r.alert for r in self.rules.rules].index(name)

    def _firing_in(self, name: str, by: str, g: str) -> int:
        """How many devices of group ``g`` fire (or are held offline by) rule ``name``; for a
        combined rule, 1 if it fires for the group."""
        names = [r.alert for r in self.rules.rules]
        if name in names:
            alerts = self.alerts[names.index(name)]
            return sum(
                a.state == State.FIRING for d, a in alerts.items() if self.labels[by][d] == g
            )
        offline = [r.alert for r in self.rules.offline]
        if name in offline:
            return sum(self.labels[by][d] == g for d in self.offline[offline.index(name)])
        ci = [c.alert for c in self.rules.combined].index(name)
        a = self.groups[ci].get(g)
        return int(a is not None and a.state == State.FIRING)

    def _group_holds(self, c: CombinedRule, g: str) -> bool:
        if any(self._firing_in(name, c.by, g) for name in c.unless):
            return False
        counts = [self._firing_in(name, c.by, g) for name in c.reads]
        sizes = [
            sum(self.labels[c.by][d] == g for d in self.selected[self._value_index(name)])
            for name in c.reads
        ]
        if c.k_of_n is not None:
            k = c.k_of_n.k if c.k_of_n.smaller_groups == "never" else min(c.k_of_n.k, sizes[0])
            return sizes[0] > 0 and counts[0] >= k
        if c.all_of is not None:
            return all(
                n > 0 or (name in c.optional and size == 0)
                for name, n, size in zip(c.reads, counts, sizes, strict=True)
            )
        return any(n > 0 for n in counts)

    def _evaluate_group(self, c: CombinedRule, a: _Alert, holds: bool, now: float) -> list[str]:
        return self._move(c, a, holds, not holds, now)

    def _count(self, rule: Rule, a: _Alert, dev: _Device, d: int, t, v, s) -> None:
        if rule.min_samples == 1:
            return
        cond = rule.when
        x = v if cond.subject == "value" else _rate(v, t, dev.last_value, dev.last_ts)
        meets = not s and cond.fn(x, self._threshold(rule, d, cond.threshold))
        a.consec = min(a.consec + 1, 32767) if meets else 0

    def _slot(self, rule: Rule, t: float) -> int:
        if rule.baseline.by == "day" or not math.isfinite(t):
            return 0
        return int(((t - self.day_start) % 86400.0) // 3600.0)

    def _remember(self, ri: int, rule: Rule, dev: _Device, d: int) -> None:
        """The device's newest reading, about to be replaced, joins its slot's history."""
        if rule.baseline is None or not math.isfinite(dev.last_ts) or dev.stale:
            return
        slots = self.history[ri].setdefault(d, {})
        kept = slots.setdefault(self._slot(rule, dev.last_ts), [])
        kept.append(float(np.float32(dev.last_value)))
        del kept[: -rule.baseline.history]

    def _limit(self, rule: Rule, cond: ValueCondition, d: int) -> float:
        if not cond.baseline:
            return self._threshold(rule, d, cond.threshold)
        ri = self.rules.rules.index(rule)
        dev = self.devices[d]
        kept = self.history[ri].get(d, {}).get(self._slot(rule, dev.last_ts), [])
        if len(kept) < rule.baseline.min_history:
            return math.nan
        return cond.scale * float(np.quantile(kept, rule.baseline.quantile)) + cond.threshold

    def _subject(self, cond: ValueCondition, dev: _Device) -> float:
        if cond.window is not None:
            xs = self._window(cond, dev)
            if not xs:
                return math.nan
            agg = {"sum": math.fsum, "max": max, "min": min, "count": len}.get(cond.subject)
            return float(agg(xs)) if agg else math.fsum(xs) / len(xs)  # sums exactly rounded
        if cond.subject == "value":
            return dev.last_value
        return _rate(dev.last_value, dev.last_ts, dev.prev_value, dev.prev_ts)

    def _meets(self, rule: Rule, cond: ValueCondition, dev: _Device, d: int) -> bool:
        """The comparison; never where the subject or the limit is no number."""
        x, limit = self._subject(cond, dev), self._limit(rule, cond, d)
        return not (math.isnan(x) or math.isnan(limit)) and bool(cond.fn(x, limit))

    def _window(self, cond: ValueCondition, dev: _Device) -> list[float]:
        """The device's sample values in the condition's window, both ends inclusive."""
        return [v for t, v in dev.samples if self.now - cond.window <= t <= self.now]

    def _fresh(self, cond: ValueCondition, dev: _Device, now: float) -> bool:
        if cond.window is not None:
            return bool(self._window(cond, dev))
        return now - dev.last_ts <= self.lookback and not dev.stale

    def _evaluate(self, rule: Rule, d: int, now: float) -> list[str]:
        a, dev = self.alerts[self.rules.rules.index(rule)][d], self.devices[d]
        fresh = self._fresh(rule.when, dev, now)
        cond = rule.when
        hours = within(rule.during, now, self.day_start)
        holds = fresh and hours and self._meets(rule, cond, dev, d)
        if rule.min_samples > 1:
            holds = holds and a.consec >= rule.min_samples
        clear = rule.clear_when
        if clear is None:
            clearing = not holds
        else:
            clearing = self._fresh(clear, dev, now) and self._meets(rule, clear, dev, d)
        if rule.no_data == "hold" and not fresh:
            return self._ladder(rule, a, now)  # nothing moves but the escalation clock
        return self._move(rule, a, holds, clearing, now)

    def _move(self, rule: Rule | CombinedRule, a: _Alert, holds, clearing, now) -> list[str]:
        """One alert through its states, as docs/alert-rules.md lists the edges."""
        events = []
        if a.state == State.INACTIVE and holds:
            a.state, a.active_since = State.PENDING, now
        if a.state == State.PENDING:
            if holds and now - a.active_since >= rule.for_:
                a.state, a.fired_at = State.FIRING, now
                events.append(FIRED)
            elif not holds:
                a.state, a.active_since = State.INACTIVE, math.nan
            return events + self._ladder(rule, a, now)
        if a.state == State.FIRING:
            if not clearing:
                a.clearing_since = math.nan
            else:
                if math.isnan(a.clearing_since):
                    a.clearing_since = now
                if now - a.clearing_since >= rule.resolve_after:
                    a.state = State.INACTIVE
                    a.active_since = a.fired_at = a.clearing_since = math.nan
                    a.severity = SEVERITIES.index(rule.severity)
                    return [RESOLVED]
        return events + self._ladder(rule, a, now)

    def _ladder(self, rule: Rule | CombinedRule, a: _Alert, now: float) -> list[str]:
        if a.state != State.FIRING:
            return []
        raised = False
        for step in rule.escalate:
            level = SEVERITIES.index(step.severity)
            if a.severity < level and now - a.fired_at >= step.after:
                a.severity, raised = level, True
        return [ESCALATED] if raised else []


def _rate(v: float, t: float, prev_v: float, prev_t: float) -> float:
    if not math.isfinite(prev_t) or t == prev_t:
        return math.nan
    return (v - prev_v) / (t - prev_t) * 60.0
