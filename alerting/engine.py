"""Per-device alert state machines over dense arrays, for millions of devices.

States of each (value rule, device):
- INACTIVE: the condition does not hold.
- PENDING: the condition holds, but not yet for ``for`` (or on fewer than ``min_samples``
  consecutive samples).
- FIRING: the condition has held long enough; it stays firing until its clearing condition
  (``clear``, or else the condition failing) has held for ``clear_for`` / ``keep_firing_for``.

Edges, all taken in ``tick(now)`` and nowhere else (readings only queue in ``ingest``):
- INACTIVE -> PENDING when the condition holds (and the last ``min_samples`` samples all met
  it); ``active_since = now``.
- PENDING -> FIRING when it still holds and ``now - active_since >= for`` (inclusive). A rule
  with ``for: 0s`` fires at once. Emits ``fired``.
- PENDING -> INACTIVE when the condition stops holding; emits nothing (as Prometheus).
- FIRING -> FIRING with a higher severity when ``now - fired_at >= after`` of the next
  escalation step (inclusive). Emits ``escalated``. Severity never falls while firing.
- FIRING -> INACTIVE when the clearing condition has held at every evaluation since
  ``clearing_since`` and ``now - clearing_since >= resolve_after`` (inclusive; 0 resolves at
  the first clearing evaluation). Emits ``resolved``.
A sample is fresh while ``now - ts <= lookback`` (inclusive, as Prometheus). Without a fresh
sample, ``no_data: hold`` (the default) leaves the state as it is - silence never resolves an
alert, the offline rule reports it - and ``no_data: resolve`` (Prometheus) treats the
condition as not holding; the severity ladder's clock runs either way.

Offline rules, per device: ONLINE -> OFFLINE at the first tick where
``now - last_report >= after_missed * report_interval`` (emits ``offline``); OFFLINE -> ONLINE
at the first tick after a new report (emits ``online``). A device that never reported counts
from the engine's start.

Combined rules (``alerting.combined``) move after the value and offline rules at each tick,
one state per group of devices, from the counts of devices firing the rules they read; a value
rule with ``notify: false`` is evaluated but its transitions are not returned.

Readings: each tick takes every queued reading with ``ts <= now``, orders them by device and
time (equal timestamps: the larger value wins, whatever the arrival order), and drops readings
not newer than the device's last one (late). So the same readings in any batches between two
ticks give the same transitions. Readings may run ahead of the clock by up to ``ahead``
seconds (5 minutes by default; a day's file replayed as one batch sets a day): each waits,
time-ordered, until the tick that reaches its timestamp.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

import numpy as np

from alerting import combined
from alerting.baseline import BaselineStore
from alerting.hours import within
from alerting.rules import SEVERITIES, OfflineRule, Rule, RuleSet, ValueCondition
from alerting.states import State, escalate
from alerting.templates import render
from alerting.windows import WindowStore


class Kind(StrEnum):
    """What a transition is; ``FIRED`` and the others are exported under their own names."""

    FIRED = (
        "fired"  # State.PENDING -> State.FIRING (or State.INACTIVE -> State.FIRING for ``for: 0s``)
    )
    RESOLVED = "resolved"  # State.FIRING -> State.INACTIVE
    ESCALATED = "escalated"  # State.FIRING, at a higher severity
    OFFLINE = "offline"  # a device fell silent for its offline rule
    ONLINE = "online"  # a silent device reported again


FIRED, RESOLVED, ESCALATED, OFFLINE, ONLINE = Kind
DEFAULT_LOOKBACK = 300.0
MAX_FUTURE = 300.0  # by default, readings stamped further ahead of the clock are refused


@dataclass(frozen=True)
class Transitions:
    """Transitions from one evaluation, one row each, in a stable order (rule, then device)."""

    rule: np.ndarray  # int32, index into engine.alert_names
    device: np.ndarray  # int64
    kind: np.ndarray  # str: fired, resolved, escalated, offline, online
    at: np.ndarray  # float64 seconds
    value: np.ndarray  # float64, the device's newest sample
    severity: np.ndarray  # int8, index into SEVERITIES

    def __len__(self) -> int:
        return len(self.device)

    @staticmethod
    def concat(parts: list[Transitions]) -> Transitions:
        """The transitions of several evaluations, in order."""
        names = Transitions.__dataclass_fields__
        return Transitions(**{n: np.concatenate([getattr(p, n) for p in parts]) for n in names})

    def take(self, mask: np.ndarray) -> Transitions:
        """The rows where ``mask`` holds, in order."""
        names = Transitions.__dataclass_fields__
        return Transitions(**{n: getattr(self, n)[mask] for n in names})

    def rows(self) -> list[tuple]:
        """(rule, device, kind, at) tuples, for tests and small tables."""
        return list(
            zip(
                self.rule.tolist(),
                self.device.tolist(),
                self.kind.tolist(),
                self.at.tolist(),
                strict=True,
            )
        )


EMPTY = Transitions(
    np.zeros(0, np.int32),
    np.zeros(0, np.int64),
    np.zeros(0, "<U9"),
    np.zeros(0),
    np.zeros(0),
    np.zeros(0, np.int8),
)


@dataclass
class IngestReport:
    """What ``ingest`` (and ``tick``) did with readings: nothing valid dropped, nothing silent."""

    accepted: int = 0
    unknown_device: int = 0
    not_a_number: int = 0
    future: int = 0
    late: int = 0
    duplicate: int = 0

    def add(self, other: IngestReport) -> None:
        """Add another report's counts to this one."""
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class _ValueState:
    """Dense state of one value rule over the devices it selects."""

    rule: Rule
    devices: np.ndarray  # int64 device indices
    threshold: np.ndarray  # float64 per selected device
    clear_threshold: np.ndarray | None
    state: np.ndarray = field(init=False)  # int8
    severity: np.ndarray = field(init=False)  # int8
    consec: np.ndarray = field(init=False)  # int16, consecutive samples meeting the condition
    active_since: np.ndarray = field(init=False)  # float64
    fired_at: np.ndarray = field(init=False)
    clearing_since: np.ndarray = field(init=False)
    live: np.ndarray = field(init=False)  # positions not State.INACTIVE: only they move unprompted
    open: bool = True  # inside the rule's hours (``during``) at the last tick
    baseline: BaselineStore | None = None  # the devices' usual levels, for a baseline rule

    def __post_init__(self) -> None:
        n = len(self.devices)
        self.state = np.zeros(n, np.int8)
        self.severity = np.full(n, SEVERITIES.index(self.rule.severity), np.int8)
        self.consec = np.zeros(n, np.int16)
        self.active_since = np.full(n, np.nan)
        self.fired_at = np.full(n, np.nan)
        self.clearing_since = np.full(n, np.nan)
        self.live = np.zeros(0, np.int64)

    @property
    def nbytes(self) -> int:
        arrays = (
            self.state,
            self.severity,
            self.consec,
            self.active_since,
            self.fired_at,
            self.clearing_since,
            self.threshold,
        )
        return sum(a.nbytes for a in arrays)


@dataclass
class _OfflineState:
    """One offline rule over the devices it selects: which are held offline, and when the
    next one can fall silent (until then, only a held device's return can change anything)."""

    rule: OfflineRule
    devices: np.ndarray  # int64 device indices, sorted
    delta: float  # seconds of silence that make a device offline: after_missed x interval
    offline: np.ndarray = field(init=False)  # bool per selected device
    held: np.ndarray = field(init=False)  # device indices held offline
    next_silence: float = -np.inf

    def __post_init__(self) -> None:
        self.offline = np.zeros(len(self.devices), bool)
        self.held = np.zeros(0, np.int64)


def _runs(d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For readings grouped by device: is each the first, and the last, of its device."""
    change = d[1:] != d[:-1]
    return np.concatenate(([True], change)), np.concatenate((change, [True]))


class _TypeLookup:
    """Each reading's device type code and rank within its type, looked up once per tick and
    only if a rule that selects a whole type asks."""

    def __init__(self, engine: AlertEngine, d: np.ndarray) -> None:
        self._engine, self._d = engine, d

    @cached_property
    def code(self) -> np.ndarray:
        return self._engine._type_code[self._d]

    @cached_property
    def rank(self) -> np.ndarray:
        return self._engine._rank[self._d]


class AlertEngine:
    """Readings in (``ingest``), clock ticks in (``tick``), transitions out.

    ``devices`` holds one array per device label: ``type`` is required; ``id``, ``community``
    and ``township`` enable per-device thresholds; any label can be matched by a rule.
    """

    #: A rule is evaluated densely (its condition in one pass over all its devices) when its
    #: readings number at least 1/dense_share of its devices, else only the readings' devices
    #: are read. Both give the same transitions; they cost the same near 2% of a 2.45M fleet.
    dense_share: float = 50.0

    def __init__(
        self,
        rules: RuleSet,
        devices: Mapping[str, np.ndarray],
        *,
        start: float = 0.0,
        lookback: float = DEFAULT_LOOKBACK,
        ahead: float = MAX_FUTURE,
        day_start: float = 0.0,
    ) -> None:
        self.rules = rules
        self.day_start = float(day_start)  # an instant of the clock that is a local midnight
        if not (np.isfinite(ahead) and ahead >= 0):
            raise ValueError(f"ahead must be a finite number of seconds >= 0, not {ahead!r}")
        self.ahead = float(ahead)  # how far ahead of the clock a reading may be stamped
        self.labels = {k: np.asarray(v) for k, v in devices.items()}
        self.n_devices = len(self.labels["type"])
        # each device's type and its rank among devices of its type: a rule that selects a
        # whole type finds a reading's position by two lookups instead of a search
        self._type_names, self._type_code = np.unique(self.labels["type"], return_inverse=True)
        order = np.argsort(self._type_code, kind="stable")
        counts = np.bincount(self._type_code, minlength=len(self._type_names))
        self._rank = np.empty(self.n_devices, np.int64)
        self._rank[order] = np.arange(self.n_devices) - np.repeat(
            np.cumsum(counts) - counts, counts
        )
        self._scratch = np.zeros(self.n_devices, np.int64)  # working space for grouping
        self._mark = np.zeros(self.n_devices, bool)
        self.lookback = float(lookback)
        self.start = self.now = float(start)
        self.alert_names = [r.alert for r in (*rules.rules, *rules.offline, *rules.combined)]
        self._values = [self._value_state(r) for r in rules.rules]
        self._offline = [self._offline_state(r) for r in rules.offline]
        self._combined = self._combined_states(rules)
        # value rules that are signals for combined rules only: evaluated, never reported
        self._quiet = np.array([i for i, r in enumerate(rules.rules) if not r.notify], np.int32)
        self.last_ts = np.full(self.n_devices, -np.inf)
        self.last_value = np.full(self.n_devices, np.nan)
        self.prev_ts = np.full(self.n_devices, -np.inf)
        self.prev_value = np.full(self.n_devices, np.nan)
        self.stale = np.zeros(self.n_devices, bool)
        self._any_stale = False  # some device's newest sample is a stale marker
        self._newest = -np.inf  # the newest timestamp any device holds
        self._batch_newest = -np.inf  # the newest timestamp of the batch being applied
        self._dense = self._unique = False  # the batch: every device once, in order / once
        self._queue: list[tuple] = []
        # previous samples are kept only when some rule reads a rate of change
        self._rates = any(
            c is not None and c.subject == "rate"
            for r in rules.rules
            for c in (r.when, r.clear_when)
        )
        self._windows = self._window_stores()
        self._window_changed: dict[float, np.ndarray] = {}
        self.report = IngestReport()

    # -- set-up -------------------------------------------------------------------------

    def _select(self, device_type: str, match: Mapping[str, str]) -> np.ndarray:
        mask = self.labels["type"] == device_type
        for key, value in match.items():
            if key not in self.labels:
                raise ValueError(f"rule matches on label '{key}', which devices do not have")
            mask &= self.labels[key].astype(str) == value
        return np.flatnonzero(mask)

    def _thresholds(self, rule: Rule, devices: np.ndarray, base: float) -> np.ndarray:
        out = np.full(len(devices), base)
        for level in ("township", "community", "device"):  # most specific last, so it wins
            table = getattr(rule.thresholds, level)
            label = "id" if level == "device" else level
            if table and label in self.labels:
                keys = self.labels[label][devices].astype(str)
                for key, value in table.items():
                    out[keys == key] = value
        return out

    def _value_state(self, rule: Rule) -> _ValueState:
        devices = self._select(rule.device_type, rule.match)
        clear = rule.clear_when
        vs = _ValueState(
            rule,
            devices,
            self._thresholds(rule, devices, rule.when.threshold),
            None if clear is None else self._thresholds(rule, devices, clear.threshold),
        )
        if rule.baseline is not None:
            vs.baseline = BaselineStore(rule.baseline, len(devices), self.day_start)
        return vs

    def _offline_state(self, rule: OfflineRule) -> _OfflineState:
        delta = rule.after_missed * self.rules.device_types[rule.device_type].report_interval
        return _OfflineState(rule, self._select(rule.device_type, rule.match), delta)

    def _window_stores(self) -> dict[float, WindowStore]:
        """One store per window length that a rule's condition (or clear) reads, holding the
        samples of the devices of those rules."""
        stores: dict[float, WindowStore] = {}
        for vs in self._values:
            for cond in (vs.rule.when, vs.rule.clear_when):
                if cond is None or cond.window is None:
                    continue
                if cond.window not in stores:
                    watched = np.zeros(self.n_devices, bool)
                    stores[cond.window] = WindowStore(self.n_devices, cond.window, watched, False)
                store = stores[cond.window]
                store.watched[vs.devices] = True
                if cond.subject in ("max", "min") and not store.extremes:
                    stores[cond.window] = WindowStore(self.n_devices, cond.window,
                                                      store.watched, True)  # fmt: skip
        return stores

    def _combined_states(self, rules: RuleSet) -> list[combined.CombinedState]:
        watched = {vs.rule.alert: vs.devices for vs in self._values}
        codes: dict[str, tuple[np.ndarray, int]] = {}
        first = len(rules.rules) + len(rules.offline)
        out = []
        for k, rule in enumerate(rules.combined):
            if rule.by not in codes:
                codes[rule.by] = combined.group_codes(self.labels, rule.by)
            out.append(combined.build(rule, first + k, codes[rule.by], watched, self.alert_names))
        return out

    def _touched(
        self, devices: np.ndarray, d: np.ndarray, rule=None, lookup: _TypeLookup | None = None
    ) -> np.ndarray:
        """Positions in the (sorted) ``devices`` of the readings' devices ``d``, -1 if absent."""
        if len(devices) == self.n_devices:
            return d
        if not len(d) or not len(devices):
            return np.full(len(d), -1, np.int64)
        if rule is not None and not rule.match:  # the rule selects its whole type
            code = np.searchsorted(self._type_names, rule.device_type)
            lookup = lookup or _TypeLookup(self, d)
            return np.where(lookup.code == code, lookup.rank, -1)
        pos = np.searchsorted(devices, d)
        pos[pos == len(devices)] = 0
        return np.where(devices[pos] == d, pos, -1)

    @property
    def state_bytes(self) -> int:
        """Memory held for alert state, devices' newest samples included."""
        per_device = sum(
            a.nbytes
            for a in (self.last_ts, self.last_value, self.prev_ts, self.prev_value, self.stale)
        )
        offline = sum(o.devices.nbytes + o.offline.nbytes + o.held.nbytes for o in self._offline)
        values = sum(v.nbytes + v.devices.nbytes for v in self._values)
        values += sum(v.baseline.nbytes for v in self._values if v.baseline is not None)
        windows = sum(w.nbytes for w in self._windows.values())
        return per_device + offline + values + windows + sum(c.nbytes for c in self._combined)

    # -- readings -------------------------------------------------------------------------

    def ingest(
        self, device: np.ndarray, ts: np.ndarray, value: np.ndarray, stale: np.ndarray | None = None
    ) -> IngestReport:
        """Queue a batch of readings; unknown devices, non-numbers and far-future stamps are
        counted and refused. ``stale`` marks Prometheus stale markers (the series ended)."""
        device = np.asarray(device)
        if device.dtype.kind not in "iu":
            device = device.astype(np.int64)
        ts = np.asarray(ts, dtype=np.float64)
        value = np.asarray(value, dtype=np.float64)
        n = len(device)
        if n and stale is None and self._all_valid(device, ts, value):  # the common case
            report = IngestReport(accepted=n)
            self._queue.append((device, ts, value, None, False))
            self.report.add(report)
            return report
        marked = stale is not None
        stale = np.asarray(stale, bool) if marked else np.zeros(n, bool)
        known = (device >= 0) & (device < self.n_devices)
        numeric = (np.isfinite(value) | stale) & np.isfinite(ts)
        future = ts > self.now + self.ahead
        ok = known & numeric & ~future
        report = IngestReport(
            accepted=int(ok.sum()),
            unknown_device=int((~known).sum()),
            not_a_number=int((known & ~numeric).sum()),
            future=int((known & numeric & future).sum()),
        )
        if ok.any():
            self._queue.append(
                (device[ok], ts[ok], value[ok], stale[ok] if marked else None, False)
            )
        self.report.add(report)
        return report

    def _all_valid(self, device: np.ndarray, ts: np.ndarray, value: np.ndarray) -> bool:
        """Every reading valid, checked in a few passes: a sum is finite only if every value
        is (huge finite values that overflow it take the careful path, which is exact)."""
        if device.min() < 0 or device.max() >= self.n_devices:
            return False
        if not np.isfinite(value.sum()):
            return False
        lo, hi = ts.min(), ts.max()
        return bool(np.isfinite(lo) and np.isfinite(hi) and hi <= self.now + self.ahead)

    def _take_due(self, now: float) -> tuple[np.ndarray, ...]:
        """Queued readings with ts <= now, ordered by device then time, deduplicated, newer
        than each device's last reading; later ones stay queued. Stale is None if none is."""
        self._dense = self._unique = False
        if not self._queue:
            return (np.zeros(0, np.int64), np.zeros(0), np.zeros(0), None)
        due, self._queue = _split_queue(self._queue, now)
        if len(due) == 1:
            d, t, v, s = due[0]
        else:
            d, t, v = (np.concatenate([q[k] for q in due]) for k in range(3))
            marks = [np.zeros(len(q[0]), bool) if q[3] is None else q[3] for q in due]
            s = None if all(q[3] is None for q in due) else np.concatenate(marks)
        newest = t.max() if len(t) else -np.inf
        ordered = len(d) <= 1 or bool((d[1:] > d[:-1]).all())  # one reading per device, in order
        if not ordered:
            d, t, v, s = self._group_by_device(d, t, v, s)
        self._unique = ordered  # at most one reading per device
        self._dense = ordered and len(d) == self.n_devices  # then d is 0..n-1
        self._batch_newest = newest
        if not len(t) or t.min() > self._newest:  # newer than anything held: none is late
            return d, t, v, s
        late = t <= (self.last_ts if self._dense else self.last_ts[d])
        if late.any():
            self.report.late += int(late.sum())
            keep = ~late
            d, t, v, s = d[keep], t[keep], v[keep], None if s is None else s[keep]
            self._dense = False
        return d, t, v, s

    def _candidates(self, vs: _ValueState, pos: np.ndarray) -> np.ndarray:
        """Sorted positions of the rule's devices that can move at this tick: a live one (an
        alert not inactive, or one resolved while its condition held), or a device whose
        condition holds on its newest sample. An inactive device whose condition fails stays
        put, so only those kinds are evaluated. ``pos``: each reading's position, -1 if not the
        rule's."""
        rule = vs.rule
        if rule.during:
            was_open, vs.open = vs.open, within(rule.during, self.now, self.day_start)
            if not vs.open:
                return vs.live  # outside its hours the condition holds nowhere
            if not was_open:  # its hours begin: every device whose condition holds
                raw = self._meets(vs, rule.when, None)
                raw[vs.live] = True
                return np.flatnonzero(raw)
        if rule.when.window is not None:  # windows change where samples came or left
            changed = self._window_changed.get(rule.when.window, np.zeros(0, np.int64))
            pos = self._touched(vs.devices, changed, rule)
        whole_fleet = len(vs.devices) == self.n_devices  # then pos is the readings' devices
        mine = pos if whole_fleet else pos[pos >= 0]
        if not len(mine):
            return vs.live
        if len(mine) * self.dense_share >= len(vs.devices):  # many reported: one pass over all
            raw = self._meets(vs, vs.rule.when, None)
            raw[vs.live] = True
            return np.flatnonzero(raw)
        raw = self._meets(vs, vs.rule.when, mine)
        new = np.concatenate([mine[raw], vs.live])
        if len(new) <= 1:
            return new
        new.sort()  # a few devices: the readings whose condition holds and the live alerts
        keep = np.ones(len(new), bool)
        keep[1:] = new[1:] != new[:-1]
        return new[keep]

    def _dense_sel(self, vs: _ValueState) -> np.ndarray | None:
        """The rule's devices for a whole-array read: None when it selects every device."""
        return None if len(vs.devices) == self.n_devices else vs.devices

    def _group_by_device(self, d, t, v, s) -> tuple:
        """Readings grouped by device, each device's in time order, duplicates of a (device,
        time) pair reduced to one (a stale marker, else the highest value). Devices with one
        reading stay where they are; only the others are sorted."""
        idx = np.arange(len(d))
        last = self._scratch
        last[d] = idx  # the last row of each device
        repeated = last[d] != idx
        if not repeated.any():
            return d, t, v, s
        again = self._mark
        again[d[repeated]] = True
        many = again[d]
        again[d[repeated]] = False
        one = ~many
        rank = v[many] if s is None else np.where(s[many], np.inf, v[many])
        dm, tm = d[many], t[many]
        order = np.lexsort((rank, tm, dm))
        rows = np.flatnonzero(many)[order]
        keep = np.ones(len(rows), bool)
        keep[:-1] = (dm[order][1:] != dm[order][:-1]) | (tm[order][1:] != tm[order][:-1])
        self.report.duplicate += int(len(rows) - keep.sum())
        rows = np.concatenate([np.flatnonzero(one), rows[keep]])
        return d[rows], t[rows], v[rows], None if s is None else s[rows]

    # -- evaluation -----------------------------------------------------------------------

    def tick(self, now: float) -> Transitions:
        """Apply the readings due by ``now`` and evaluate every rule at ``now``."""
        self.now = float(now)
        d, t, v, s = self._take_due(now)
        parts = [EMPTY]
        lookup = _TypeLookup(self, d)
        positions = [self._touched(vs.devices, d, vs.rule, lookup) for vs in self._values]
        for vs, pos in zip(self._values, positions, strict=True):
            self._update_consec(vs, pos, t, v, s)
            if vs.baseline is not None:
                self._push_history(vs, pos, t, v, s)
        self._apply_samples(d, t, v, s)
        self._move_windows(d, t, v, s, now)
        for i, (vs, pos) in enumerate(zip(self._values, positions, strict=True)):
            cand = self._candidates(vs, pos)
            if len(cand):
                parts.append(self._evaluate(i, vs, now, cand))
        for j, off in enumerate(self._offline):
            # a held device is back once it has reported within delta; others wait for silence
            back = len(off.held) and (self.last_ts[off.held] > now - off.delta).any()
            if back or now >= off.next_silence:
                parts.append(self._evaluate_offline(len(self._values) + j, off, now))
        out = Transitions.concat(parts)
        if self._combined:
            out = self._tick_combined(out, now)
        if len(self._quiet) and len(out):
            out = out.take(~np.isin(out.rule, self._quiet))
        return out

    def _move_windows(self, d, t, v, s, now: float) -> None:
        """Windows take the tick's samples and drop the old; per window, the devices whose
        aggregate may have changed."""
        self._window_changed = {}
        for width, store in self._windows.items():
            if len(d):
                store.add(d, t, v, s)
            store.expire(now)
            self._window_changed[width] = store.take_changed()

    def _tick_combined(self, tr: Transitions, now: float) -> Transitions:
        """Combined rules, in file order, counting this tick's firings and their ends (a
        combined rule's own feed the ones below it that name it under ``unless``)."""
        up = (tr.kind == FIRED) | (tr.kind == OFFLINE)
        moving = up | (tr.kind == RESOLVED) | (tr.kind == ONLINE)
        rule, dev, up = tr.rule[moving], tr.device[moving], up[moving]
        parts = [tr]
        for cs in self._combined:
            cand = np.union1d(cs.moved(rule, dev, up), cs.live)
            if not len(cand):
                continue
            rows = self._combined_rows(cs, combined.advance(cs, now, cand), now)
            parts.append(rows)
            ends = (rows.kind == FIRED) | (rows.kind == RESOLVED)
            rule = np.concatenate([rule, rows.rule[ends]])
            dev = np.concatenate([dev, rows.device[ends]])
            up = np.concatenate([up, rows.kind[ends] == FIRED])
        return Transitions.concat(parts)

    def _combined_rows(self, cs: combined.CombinedState, m: combined.Moves, now: float):
        """A combined rule's transitions, on each group's representative device, in device
        order (fired, escalated, resolved within one)."""
        picks = [(k, np.flatnonzero(x)) for k, x in ((FIRED, m.fired), (ESCALATED, m.escalated),
                                                      (RESOLVED, m.resolved))]  # fmt: skip
        local = np.concatenate([p for _, p in picks])
        if not len(local):
            return EMPTY
        devices = cs.rep[m.groups[local]]
        order = np.argsort(devices, kind="stable")
        local, devices = local[order], devices[order]
        kinds = np.concatenate([np.full(len(p), k) for k, p in picks])[order]
        return Transitions(
            np.full(len(local), cs.index, np.int32),
            devices,
            kinds.astype("<U9"),
            np.full(len(local), now),
            m.value[local],
            m.severity[local].astype(np.int8),
        )

    def _apply_samples(self, d: np.ndarray, t: np.ndarray, v: np.ndarray, s) -> None:
        if not len(d):
            return
        self._newest = max(self._newest, self._batch_newest)
        stale = False if s is None else s
        if self._dense:
            # One reading for every device, in order (checked by _take_due): the newest become
            # the previous, and the readings are copied into the freed buffers.
            self.prev_ts, self.last_ts = self.last_ts, self.prev_ts
            self.prev_value, self.last_value = self.last_value, self.prev_value
            np.copyto(self.last_ts, t)
            np.copyto(self.last_value, v)
            if s is not None or self._any_stale:
                self.stale[:] = stale
                self._any_stale = s is not None and bool(s.any())
            return
        unique = self._unique
        last = None
        if not unique:
            _, last = _runs(d)
            unique = bool(last.all())
        dev = d if unique else d[last]
        if self._rates:
            # the previous sample: the second newest in this batch, else the stored one
            self.prev_ts[dev] = self.last_ts[dev]
            self.prev_value[dev] = self.last_value[dev]
            if not unique:
                before_last = np.append(last[1:], False) & ~last
                self.prev_ts[d[before_last]] = t[before_last]
                self.prev_value[d[before_last]] = v[before_last]
        self.last_ts[dev] = t if unique else t[last]
        self.last_value[dev] = v if unique else v[last]
        if s is not None or self._any_stale:  # a new sample is no stale marker unless marked
            self.stale[dev] = stale if s is None else (s if unique else s[last])
            self._any_stale = bool(self.stale.any())

    def _push_history(self, vs: _ValueState, pos: np.ndarray, t, v, s) -> None:
        """Readings a newer one replaces join the baseline's history: each reporting device's
        previous newest (unless a stale marker), then this tick's but its last, in time order."""
        mine = pos >= 0
        if not mine.any():
            return
        p, t, v = pos[mine], t[mine], v[mine]
        fresh = np.ones(len(p), bool) if s is None else ~s[mine]
        start, last = _runs(p)
        before = vs.devices[p[start]]
        had = np.isfinite(self.last_ts[before]) & ~self.stale[before]
        first = np.flatnonzero(start)[had]
        keep = ~last & fresh
        vs.baseline.push(
            np.concatenate([p[first], p[keep]]),
            np.concatenate([self.last_ts[before[had]], t[keep]]),
            np.concatenate([self.last_value[before[had]], v[keep]]),
        )

    def _limit(self, vs: _ValueState, cond: ValueCondition, pos: np.ndarray | None) -> np.ndarray:
        """What a condition compares with at these positions (None: all): its threshold, or
        scale x the device's baseline + offset."""
        table = vs.threshold if cond is vs.rule.when else vs.clear_threshold
        if not cond.baseline:
            return table if pos is None else table[pos]
        pos = np.arange(len(vs.devices)) if pos is None else pos
        base = vs.baseline.at(pos, self.last_ts[vs.devices[pos]])
        return cond.scale * base + cond.threshold

    def _meets(self, vs: _ValueState, cond: ValueCondition, pos: np.ndarray | None) -> np.ndarray:
        """Whether a condition's comparison holds at these positions among the rule's devices
        (None: all of them): never where the subject or the limit is no number (a baseline
        still learning, a rate from one sample)."""
        limit = self._limit(vs, cond, pos)
        x = self._subject(cond, self._dense_sel(vs) if pos is None else vs.devices[pos], limit)
        with np.errstate(invalid="ignore"):
            meets = cond.fn(x, limit)
        if cond.op == "!=":  # every other comparison with NaN is already false
            meets &= ~np.isnan(x) & ~np.isnan(limit)
        return meets

    def _subject(
        self, cond: ValueCondition, devices: np.ndarray | None, limit: np.ndarray | None = None
    ) -> np.ndarray:
        """The value a condition reads for each device (None: all devices, in order): its
        newest value, its rate of change per minute, or an aggregate over its window (exact
        near ``limit``)."""
        if cond.window is not None:
            return self._windows[cond.window].value(cond.subject, devices, near=limit)
        sel = slice(None) if devices is None else devices
        if cond.subject == "value":
            return self.last_value[sel]
        with np.errstate(all="ignore"):
            gap = self.last_ts[sel] - self.prev_ts[sel]
            return (self.last_value[sel] - self.prev_value[sel]) / gap * 60.0

    def _update_consec(self, vs: _ValueState, pos: np.ndarray, t, v, s) -> None:
        """Count consecutive new samples meeting the condition, per device, in time order.
        ``pos``: each reading's position among the rule's devices (-1: not the rule's)."""
        if vs.rule.min_samples == 1 or not len(pos):
            return
        mine = pos >= 0
        if not mine.all():
            if not mine.any():
                return
            pos, t, v, s = pos[mine], t[mine], v[mine], None if s is None else s[mine]
        cond = vs.rule.when
        whole = self._unique and len(pos) == len(vs.devices)  # every device once, in order
        d = None if whole and cond.subject == "value" else vs.devices[pos]
        if cond.subject == "value":
            subject = v
        else:  # rate against the previous sample of the same device
            start, _ = _runs(d)
            prev_t, prev_v = np.empty_like(t), np.empty_like(v)
            prev_t[1:], prev_v[1:] = t[:-1], v[:-1]
            prev_t[start], prev_v[start] = self.last_ts[d[start]], self.last_value[d[start]]
            with np.errstate(all="ignore"):
                subject = (v - prev_v) / (t - prev_t) * 60.0
        meets = cond.fn(subject, vs.threshold if whole else vs.threshold[pos])
        if s is not None:
            meets &= ~s
        cap = np.iinfo(np.int16).max
        if self._unique:  # one sample per device: its count grows by one or starts again
            count = vs.consec if whole else vs.consec[pos]
            count += count < cap
            count[~meets] = 0
            if not whole:
                vs.consec[pos] = count
            return
        start, last = _runs(d)
        idx = np.arange(len(d))
        group_start = np.maximum.accumulate(np.where(start, idx, 0))
        last_miss = np.maximum.accumulate(np.where(~meets, idx, -1))
        run = (idx - np.maximum(last_miss, group_start - 1))[last]
        whole = (last_miss < group_start)[last]
        p = pos[last]
        total = np.where(whole, vs.consec[p].astype(np.int64) + run, run)
        vs.consec[p] = np.minimum(total, cap)

    def _evaluate(self, i: int, vs: _ValueState, now: float, cand: np.ndarray) -> Transitions:
        """Move the candidates (sorted positions among the rule's devices) through the states."""
        rule = vs.rule
        dev = vs.devices[cand]
        raw = self._meets(vs, rule.when, cand)
        fresh = self._fresh(rule.when, dev, now)
        holds = fresh & raw & vs.open
        if rule.min_samples > 1:
            holds &= vs.consec[cand] >= rule.min_samples
        clear_cond = rule.clear_when
        if clear_cond is None:
            clearing = ~holds
        else:
            clearing = self._fresh(clear_cond, dev, now) & self._meets(vs, clear_cond, cand)
        # Without a fresh sample, `hold` moves nothing (timers included); `resolve` treats the
        # condition as not holding.
        moves = fresh if rule.no_data == "hold" else np.ones(len(cand), bool)
        state = vs.state[cand]
        since, clearing_since = vs.active_since[cand], vs.clearing_since[cand]
        # State.INACTIVE -> State.PENDING: the condition starts to hold.
        start = (state == State.INACTIVE) & holds
        state[start], since[start] = State.PENDING, now
        # State.PENDING -> State.FIRING: held for at least `for` (inclusive).
        fire = (state == State.PENDING) & holds & (now - since >= rule.for_)
        # State.PENDING -> State.INACTIVE: it stopped holding (no event).
        drop = (state == State.PENDING) & ~holds & moves
        # State.FIRING: the clearing condition must hold throughout resolve_after (inclusive).
        firing = state == State.FIRING
        clearing_since[firing & ~clearing & moves] = np.nan
        begin = firing & clearing & moves & np.isnan(clearing_since)
        clearing_since[begin] = now
        resolve = firing & clearing & moves & (now - clearing_since >= rule.resolve_after)
        state[fire] = State.FIRING
        state[drop | resolve] = State.INACTIVE
        since[drop | resolve] = np.nan
        clearing_since[resolve] = np.nan
        fired_at = vs.fired_at[cand]
        fired_at[fire] = now
        severity = vs.severity[cand]
        escalated = escalate(rule.escalate, severity, fired_at, state == State.FIRING, now)
        out = self._rows(
            i, dev, [(FIRED, fire), (ESCALATED, escalated), (RESOLVED, resolve)], now, severity
        )
        severity[resolve] = SEVERITIES.index(rule.severity)
        fired_at[resolve] = np.nan
        # live: not inactive, or resolved while the condition still holds (a clear that
        # overlaps the condition): it starts pending again at the next tick, reading or not
        vs.live = cand[(state != State.INACTIVE) | holds]
        vs.state[cand], vs.active_since[cand], vs.clearing_since[cand] = (
            state,
            since,
            clearing_since,
        )
        vs.fired_at[cand], vs.severity[cand] = fired_at, severity
        return out

    def _fresh(self, cond: ValueCondition, dev: np.ndarray, now: float) -> np.ndarray:
        """Whether a condition has data: a sample within the lookback that is no stale marker,
        or, for an aggregate, a sample in its window."""
        if cond.window is not None:
            return self._windows[cond.window].has_data(dev)
        return (now - self.last_ts[dev] <= self.lookback) & ~self.stale[dev]

    def _evaluate_offline(self, i: int, off: _OfflineState, now: float) -> Transitions:
        rule, dev, offline, delta = off.rule, off.devices, off.offline, off.delta
        limit = now - delta
        # silent: no reading since `limit` (a device never heard from counts from the start)
        last = self.last_ts if len(dev) == self.n_devices else self.last_ts[dev]
        silent = (last <= limit) if self.start <= limit else np.zeros(len(dev), bool)
        changed = np.flatnonzero(silent != offline)
        went = silent[changed]
        offline[changed] = went
        if len(changed):
            off.held = dev[offline]
        # no online device can fall silent before its newest reading plus delta
        online = ~offline if len(off.held) else True
        soonest = np.min(last, where=online, initial=np.inf) + delta
        off.next_silence = max(soonest, self.start + delta)
        level = np.full(len(changed), SEVERITIES.index(rule.severity), np.int8)
        return self._rows(i, dev[changed], [(OFFLINE, went), (ONLINE, ~went)], now, level)

    def _rows(
        self, i: int, dev: np.ndarray, rows: list, now: float, severity: np.ndarray
    ) -> Transitions:
        picks = [(kind, np.flatnonzero(mask)) for kind, mask in rows]
        local = np.concatenate([p for _, p in picks])
        if not len(local):
            return EMPTY
        order = np.argsort(local, kind="stable")
        local = local[order]
        kinds = np.concatenate([np.full(len(p), k) for k, p in picks])[order]
        devices = dev[local]
        return Transitions(
            np.full(len(local), i, np.int32),
            devices,
            kinds.astype("<U9"),
            np.full(len(local), now),
            self.last_value[devices],
            severity[local].astype(np.int8),
        )

    def firing(self, alert: str) -> np.ndarray:
        """Devices where a value rule is firing, or an offline rule holds them offline; for
        a combined rule, the representatives of the groups where it fires."""
        for vs in self._values:
            if vs.rule.alert == alert:
                return vs.devices[vs.state == State.FIRING]
        for off in self._offline:
            if off.rule.alert == alert:
                return off.held.copy()
        for cs in self._combined:
            if cs.rule.alert == alert:
                return np.sort(cs.rep[cs.state == State.FIRING])
        raise KeyError(alert)

    def annotations(self, transitions: Transitions) -> list[dict[str, str]]:
        """Each transition's annotations, templates filled with the device's labels and value."""
        rules = [*self.rules.rules, *self.rules.offline, *self.rules.combined]
        out = []
        for r, d, v in zip(
            transitions.rule.tolist(),
            transitions.device.tolist(),
            transitions.value.tolist(),
            strict=True,
        ):
            labels = {k: str(a[d]) for k, a in self.labels.items()}
            out.append(
                {
                    k: render(t, {"labels": labels, "value": v})
                    for k, t in rules[r].annotations.items()
                }
            )
        return out


def _split_queue(queue: list[tuple], now: float) -> tuple[list[tuple], list[tuple]]:
    """The queued batches' readings due by ``now`` (as (d, t, v, s) parts; none empty but
    one), and what stays queued. A batch with readings still ahead keeps them sorted by time,
    so later ticks take a prefix instead of scanning it again (a day replayed minute by
    minute would otherwise scan the whole day at every tick)."""
    due, rest = [], []
    for d, t, v, s, by_time in queue:
        if by_time:
            k = int(np.searchsorted(t, now, side="right"))
        elif t.max() <= now:
            k = len(t)
        else:
            order = np.argsort(t, kind="stable")
            d, t, v = d[order], t[order], v[order]
            s = None if s is None else s[order]
            k = int(np.searchsorted(t, now, side="right"))
        if k:
            due.append((d[:k], t[:k], v[:k], None if s is None else s[:k]))
        if k < len(t):
            rest.append((d[k:], t[k:], v[k:], None if s is None else s[k:], True))
    if not due:
        due = [(np.zeros(0, np.int64), np.zeros(0), np.zeros(0), None)]
    return due, rest
