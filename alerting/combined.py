"""Combined rules: one alert per group of devices (a household, a site, a community), decided
from the value and offline rules' states, over dense arrays indexed by group.

A group is the set of devices sharing a value of the rule's ``by`` label. Each (combined
rule, group) is in one state, as a value rule's (``State``), moved only in ``tick`` after the
value and offline rules have moved:

- INACTIVE -> PENDING when the condition holds; ``active_since = now``.
- PENDING -> FIRING when it still holds and ``now - active_since >= for`` (inclusive; ``for:
  0s`` fires at once). Emits ``fired``.
- PENDING -> INACTIVE when it stops holding; emits nothing.
- FIRING -> FIRING with a higher severity at each ``escalate`` step (inclusive). Emits
  ``escalated``.
- FIRING -> INACTIVE once it has not held at any evaluation for ``clear_for`` (inclusive; 0
  resolves at the first evaluation where it fails). Emits ``resolved``.

The condition, on the devices of the group that each named rule watches:

- ``any_of``: some named rule fires on some device of the group;
- ``all_of``: every named rule fires on some device of the group; a rule also named under
  ``optional`` is not asked of a group without a device for it (a home without a door sensor
  is watched by its meter alone);
- ``k_of_n``: at least ``k`` devices of the group fire the rule, or all of them when the group
  has fewer than ``k`` (never, with ``smaller_groups: never``, as Prometheus's ``count``);
- and, with ``unless``, no named value rule fires on a device of the group, no named offline
  rule holds one offline, and no named combined rule (above this one, same ``by``) fires for
  the group.

A combined alert is reported on its group's *representative*: the lowest-numbered device that
a rule it counts watches; its ``value`` is the number of devices firing (``k_of_n``) or of the
named rules firing (``all_of``, ``any_of``). Counts move with the transitions of each tick, so
a tick costs the groups that changed and the groups not inactive, not the fleet.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from alerting.rules import SEVERITIES, CombinedRule
from alerting.states import State, escalate


def group_codes(labels: Mapping[str, np.ndarray], by: str) -> tuple[np.ndarray, int]:
    """Each device's group under the label ``by`` (a code 0..n-1), and the number of groups."""
    if by not in labels:
        raise ValueError(f"combined rule groups by label '{by}', which devices do not have")
    _, codes = np.unique(np.asarray(labels[by]), return_inverse=True)
    return codes.astype(np.int64), int(codes.max(initial=-1)) + 1


@dataclass
class CombinedState:
    """Dense state of one combined rule over its groups.

    ``reads`` and ``unless`` hold alert indices (``engine.alert_names``); ``count`` and
    ``blocked`` the devices (or groups) firing each of them, per group."""

    rule: CombinedRule
    index: int  # this rule's own alert index
    group: np.ndarray  # int64 group code of every device
    reads: list[int]
    unless: list[int]
    size: np.ndarray  # int32 (len(reads), groups): devices each read rule watches, per group
    rep: np.ndarray  # int64 per group: the representative device, -1 if no read rule has one
    count: np.ndarray = field(init=False)  # int32 (len(reads), groups)
    blocked: np.ndarray = field(init=False)  # int32 (len(unless), groups)
    state: np.ndarray = field(init=False)  # int8 per group
    severity: np.ndarray = field(init=False)
    active_since: np.ndarray = field(init=False)
    fired_at: np.ndarray = field(init=False)
    clearing_since: np.ndarray = field(init=False)
    live: np.ndarray = field(init=False)  # groups not inactive

    def __post_init__(self) -> None:
        n = len(self.rep)
        self.count = np.zeros((len(self.reads), n), np.int32)
        self.blocked = np.zeros((len(self.unless), n), np.int32)
        self.state = np.zeros(n, np.int8)
        self.severity = np.full(n, SEVERITIES.index(self.rule.severity), np.int8)
        self.active_since = np.full(n, np.nan)
        self.fired_at = np.full(n, np.nan)
        self.clearing_since = np.full(n, np.nan)
        self.live = np.zeros(0, np.int64)

    def moved(self, rule: np.ndarray, device: np.ndarray, up: np.ndarray) -> np.ndarray:
        """Count the transitions of one tick that start (``up``) or end a firing of a rule
        this one reads or is suppressed by; the groups they touch."""
        touched = []
        for table, sources in ((self.count, self.reads), (self.blocked, self.unless)):
            for row, source in enumerate(sources):
                mine = rule == source
                if mine.any():
                    g = self.group[device[mine]]
                    np.add.at(table[row], g, np.where(up[mine], 1, -1).astype(np.int32))
                    touched.append(g)
        return np.concatenate(touched) if touched else np.zeros(0, np.int64)

    def holds(self, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Whether the condition holds for ``groups``, and each one's value."""
        c, size = self.count[:, groups], self.size[:, groups]
        firing = c > 0
        if self.rule.k_of_n is not None:
            k = self.rule.k_of_n.k
            if self.rule.k_of_n.smaller_groups == "all":
                k = np.minimum(k, size[0])
            ok = (c[0] >= k) & (size[0] > 0)
            value = c[0]
        elif self.rule.all_of is not None:
            optional = np.isin(self.rule.all_of, self.rule.optional)[:, None]
            ok = (firing | (optional & (size == 0))).all(axis=0)
            value = firing.sum(axis=0)
        else:
            ok = firing.any(axis=0)
            value = firing.sum(axis=0)
        if len(self.unless):
            ok &= ~(self.blocked[:, groups] > 0).any(axis=0)
        return ok, value.astype(np.float64)

    @property
    def nbytes(self) -> int:
        """Memory held, for the engine's state_bytes."""
        arrays = (self.size, self.rep, self.count, self.blocked, self.state, self.severity,
                  self.active_since, self.fired_at, self.clearing_since)  # fmt: skip
        return sum(a.nbytes for a in arrays)


def build(
    rule: CombinedRule,
    index: int,
    groups: tuple[np.ndarray, int],
    watched: Mapping[str, np.ndarray],
    names: list[str],
) -> CombinedState:
    """A combined rule's state: ``watched`` maps each value rule's name to its devices."""
    group, n = groups
    size = np.zeros((len(rule.reads), n), np.int32)
    rep = np.full(n, np.iinfo(np.int64).max, np.int64)
    for row, name in enumerate(rule.reads):
        devices = watched[name]
        np.add.at(size[row], group[devices], 1)
        np.minimum.at(rep, group[devices], devices)
    rep[rep == np.iinfo(np.int64).max] = -1
    reads = [names.index(r) for r in rule.reads]
    unless = [names.index(r) for r in rule.unless]
    return CombinedState(rule, index, group, reads, unless, size, rep)


@dataclass(frozen=True)
class Moves:
    """What one evaluation did to some groups: which fired, escalated and resolved, with the
    severity each had and the condition's value."""

    groups: np.ndarray
    fired: np.ndarray
    escalated: np.ndarray
    resolved: np.ndarray
    severity: np.ndarray
    value: np.ndarray


def advance(cs: CombinedState, now: float, cand: np.ndarray) -> Moves:
    """Move the candidate groups (sorted, unique) through the states at ``now``."""
    rule = cs.rule
    holds, value = cs.holds(cand)
    state, since = cs.state[cand], cs.active_since[cand]
    clearing_since = cs.clearing_since[cand]
    start = (state == State.INACTIVE) & holds  # INACTIVE -> PENDING
    state[start], since[start] = State.PENDING, now
    fire = (state == State.PENDING) & holds & (now - since >= rule.for_)  # PENDING -> FIRING
    drop = (state == State.PENDING) & ~holds  # PENDING -> INACTIVE
    firing = state == State.FIRING
    clearing_since[firing & holds] = np.nan
    begin = firing & ~holds & np.isnan(clearing_since)
    clearing_since[begin] = now
    resolve = firing & ~holds & (now - clearing_since >= rule.resolve_after)  # FIRING -> INACTIVE
    state[fire] = State.FIRING
    state[drop | resolve] = State.INACTIVE
    since[drop | resolve] = np.nan
    clearing_since[resolve] = np.nan
    fired_at, severity = cs.fired_at[cand], cs.severity[cand]
    fired_at[fire] = now
    raised = escalate(rule.escalate, severity, fired_at, state == State.FIRING, now)
    moves = Moves(cand, fire, raised, resolve, severity.copy(), value)
    severity[resolve] = SEVERITIES.index(rule.severity)
    fired_at[resolve] = np.nan
    cs.state[cand], cs.active_since[cand], cs.clearing_since[cand] = state, since, clearing_since
    cs.fired_at[cand], cs.severity[cand] = fired_at, severity
    cs.live = cand[state != State.INACTIVE]
    return moves
