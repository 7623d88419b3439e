"""Routing alerts to receivers with Alertmanager's semantics, driven by a clock.

- **Dedup**: an alert is identified by its labels (fingerprint); putting it again updates it.
- **Routing tree**: an alert enters the root, goes down to the first child whose matchers it
  satisfies (and, where a matching child has ``continue: true``, to later matching siblings
  too); a route with no matching child handles the alert itself.
- **Grouping**: per route, alerts with equal values of ``group_by`` labels form a group. A new
  group notifies after ``group_wait``; then, every ``group_interval``, it notifies if any alert
  was added or resolved since the last notification; an unchanged group with firing alerts
  notifies again after ``repeat_interval``. A group whose alerts have all resolved and been
  notified is removed.
- **Inhibition**: a target alert is muted while some firing alert matches ``source_matchers``,
  the target matches ``target_matchers`` and both have equal values of the ``equal`` labels.
- **Silences**: alerts matching a silence's matchers between its start and end are muted.
- **Limits**: a notification carries at most ``max_alerts`` alerts; the rest are counted in
  it (``truncated``), never dropped silently.
All timers read the ``now`` they are handed; nothing reads a wall clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from pydantic import Field

from datafiles import Duration, Strict, read_yaml, validate

Labels = Mapping[str, str]


class Route(Strict):
    """A node of the routing tree: matchers, a receiver and its timers, children."""

    receiver: str | None = None
    matchers: dict[str, str] = {}
    group_by: list[str] | None = None
    group_wait: Duration | None = None
    group_interval: Duration | None = None
    repeat_interval: Duration | None = None
    continue_: Annotated[bool, Field(alias="continue")] = False
    routes: list[Route] = []


class InhibitRule(Strict):
    """Mute targets while a matching source fires with equal labels."""

    source_matchers: dict[str, str]
    target_matchers: dict[str, str]
    equal: list[str] = []


class RoutingConfig(Strict):
    """A routing file: the tree, inhibit rules and the notification size limit."""

    route: Route
    inhibit_rules: list[InhibitRule] = []
    max_alerts: Annotated[int, Field(ge=1)] = 100


def load_routing(path: str | Path) -> RoutingConfig:
    """Read a routing file; a UserError names any fault by file, line and key."""
    data, origins = read_yaml(Path(path))
    return validate(RoutingConfig, data, origins, str(path))


@dataclass(frozen=True)
class Silence:
    """Mute alerts matching ``matchers`` from ``starts_at`` to ``ends_at``."""

    matchers: Mapping[str, str]
    starts_at: float
    ends_at: float
    comment: str = ""


@dataclass
class Alert:
    """An alert as routing knows it: its labels, when it started and resolved."""

    labels: dict[str, str]
    starts_at: float
    ends_at: float | None = None  # set when resolved
    fingerprint: tuple[tuple[str, str], ...] = field(init=False, repr=False)
    inhibited_at_epoch: tuple[int, bool] = field(default=(-1, False), repr=False)

    def __post_init__(self) -> None:
        self.fingerprint = tuple(sorted(self.labels.items()))

    def firing(self, now: float) -> bool:
        """Whether the alert fires at ``now``."""
        return self.ends_at is None or self.ends_at > now


@dataclass(frozen=True)
class Notification:
    """What one group sent one receiver at one time."""

    at: float
    receiver: str
    group: tuple[tuple[str, str], ...]
    firing: tuple[tuple[tuple[str, str], ...], ...]  # fingerprints, at most max_alerts
    resolved: tuple[tuple[tuple[str, str], ...], ...]
    truncated: int  # alerts left out of this notification because of the limit


@dataclass
class _Settings:
    receiver: str
    group_by: list[str] | None
    group_wait: float
    group_interval: float
    repeat_interval: float


@dataclass
class _Group:
    settings: _Settings
    key: tuple[tuple[str, str], ...]
    created: float
    alerts: dict[tuple, Alert] = field(default_factory=dict)
    last_sent: float | None = None
    sent_state: frozenset = frozenset()  # (fingerprint, firing) pairs at the last notification
    dirty: bool = True  # an alert was put since sent_state was taken
    epoch: int = -1  # the dispatcher's inhibition epoch when sent_state was taken


DEFAULTS = _Settings("default", None, 30.0, 300.0, 4 * 3600.0)


class Dispatcher:
    """Alerts in (``put``), clock in (``tick``), notifications out."""

    def __init__(self, config: RoutingConfig) -> None:
        self.config = config
        self.alerts: dict[tuple, Alert] = {}
        self.silences: list[Silence] = []
        self.groups: dict[tuple, _Group] = {}
        # per inhibit rule: firing source alerts by their values of the `equal` labels
        self._sources: list[dict[tuple, set]] = [{} for _ in config.inhibit_rules]
        self._epoch = 0  # moves whenever an inhibiting source starts or stops firing
        self._route_keys = sorted(_matcher_keys(config.route))
        self._route_cache: dict[tuple, list] = {}

    def put(self, labels: Labels, now: float, *, resolved: bool = False) -> None:
        """A firing alert (or its resolution); the same labels are the same alert."""
        alert = Alert(dict(labels), now)
        fp = alert.fingerprint
        if fp in self.alerts and self.alerts[fp].ends_at is None:
            alert = self.alerts[fp]
        if resolved:
            alert.ends_at = now
        elif alert.ends_at is not None:
            alert = Alert(dict(labels), now)
        self.alerts[fp] = alert
        self._index_source(alert, fp)
        for settings, path in self._routes_for(alert.labels):
            key = (
                path,
                tuple((k, alert.labels.get(k, "")) for k in self._group_keys(settings, alert)),
            )
            group = self.groups.get(key)
            if group is None:
                group = self.groups[key] = _Group(settings, key[1], now)
            group.alerts[fp] = alert
            group.dirty = True

    def silence(self, silence: Silence) -> None:
        """Add a silence."""
        self.silences.append(silence)

    def tick(self, now: float) -> list[Notification]:
        """Send the notifications due at ``now``."""
        out = []
        for key, group in list(self.groups.items()):
            if now < self._next_look(group):
                continue  # nothing can be due before the group's next timer
            note = self._flush(group, now)
            if note is not None:
                out.append(note)
            if (
                group.last_sent is not None
                and all(not a.firing(now) for a in group.alerts.values())
                and not self._changed(group, now)
            ):
                del self.groups[key]
        return out

    def _next_look(self, group: _Group) -> float:
        """The earliest time the group could notify: its wait, its interval if something
        changed (a put, an inhibitor, a silence), else its repeat."""
        s = group.settings
        if group.last_sent is None:
            return group.created + s.group_wait
        quiet = not group.dirty and group.epoch == self._epoch and not self.silences
        return group.last_sent + (
            s.repeat_interval if quiet else min(s.group_interval, s.repeat_interval)
        )

    # -- routing --------------------------------------------------------------------------

    def _routes_for(self, labels: Labels) -> list[tuple[_Settings, str]]:
        # the walk depends only on the labels some matcher reads: remember it by those
        key = tuple(labels.get(k, "") for k in self._route_keys)
        found = self._route_cache.get(key)
        if found is None:
            root = self.config.route
            found = self._route_cache[key] = self._walk(root, _inherit(DEFAULTS, root), labels, "0")
        return found

    def _walk(self, route: Route, settings: _Settings, labels: Labels, path: str) -> list:
        matched = []
        for i, child in enumerate(route.routes):
            if _matches(labels, child.matchers):
                matched += self._walk(child, _inherit(settings, child), labels, f"{path}.{i}")
                if not child.continue_:
                    break
        return matched or [(settings, path)]

    @staticmethod
    def _group_keys(settings: _Settings, alert: Alert) -> list[str]:
        if settings.group_by is None:
            return []
        if settings.group_by == ["..."]:
            return sorted(alert.labels)
        return settings.group_by

    # -- notifying ------------------------------------------------------------------------

    def _flush(self, group: _Group, now: float) -> Notification | None:
        s = group.settings
        if group.last_sent is None:
            due = now - group.created >= s.group_wait
        else:
            since = now - group.last_sent
            due = (since >= s.group_interval and self._changed(group, now)) or (
                since >= s.repeat_interval
                and any(a.firing(now) and not self._muted(a, now) for a in group.alerts.values())
            )
        if not due:
            return None
        visible = [a for a in group.alerts.values() if not self._muted(a, now)]
        firing = sorted(a.fingerprint for a in visible if a.firing(now))
        resolved = sorted(a.fingerprint for a in visible if not a.firing(now))
        group.last_sent = now
        for fp in [fp for fp, a in group.alerts.items() if not a.firing(now)]:
            del group.alerts[fp]  # a resolution is told once
        group.sent_state = self._state(group, now)
        group.dirty, group.epoch = False, self._epoch
        if not firing and not resolved:
            return None
        limit = self.config.max_alerts
        shown_f = firing[:limit]
        shown_r = resolved[: max(0, limit - len(shown_f))]
        truncated = len(firing) + len(resolved) - len(shown_f) - len(shown_r)
        return Notification(now, s.receiver, group.key, tuple(shown_f), tuple(shown_r), truncated)

    def _state(self, group: _Group, now: float) -> frozenset:
        return frozenset(
            (fp, a.firing(now)) for fp, a in group.alerts.items() if not self._muted(a, now)
        )

    def _changed(self, group: _Group, now: float) -> bool:
        # Without a put into the group, a change of inhibitors or any silence (which start
        # and end by the clock), the state is the one sent.
        if not group.dirty and group.epoch == self._epoch and not self.silences:
            return False
        if self._state(group, now) != group.sent_state:
            return True
        group.dirty, group.epoch = False, self._epoch  # checked: nothing new to tell
        return False

    def _muted(self, alert: Alert, now: float) -> bool:
        return self._silenced(alert, now) or self._inhibited(alert, now)

    def _silenced(self, alert: Alert, now: float) -> bool:
        return any(
            s.starts_at <= now < s.ends_at and _matches(alert.labels, s.matchers)
            for s in self.silences
        )

    def _index_source(self, alert: Alert, fp: tuple) -> None:
        """Keep the firing sources of each inhibit rule indexed by their `equal` labels."""
        for rule, index in zip(self.config.inhibit_rules, self._sources, strict=True):
            if not _matches(alert.labels, rule.source_matchers):
                continue
            key = tuple(alert.labels.get(k) for k in rule.equal)
            if alert.ends_at is None:
                index.setdefault(key, set()).add(fp)
                self._epoch += 1
            elif key in index:
                index[key].discard(fp)
                self._epoch += 1
                if not index[key]:
                    del index[key]

    def _inhibited(self, alert: Alert, now: float) -> bool:
        """Whether some firing source inhibits the alert; remembered until sources change."""
        epoch, inhibited = alert.inhibited_at_epoch
        if epoch != self._epoch:
            inhibited = self._inhibited_now(alert)
            alert.inhibited_at_epoch = (self._epoch, inhibited)
        return inhibited

    def _inhibited_now(self, alert: Alert) -> bool:
        for rule, index in zip(self.config.inhibit_rules, self._sources, strict=True):
            if not _matches(alert.labels, rule.target_matchers):
                continue
            key = tuple(alert.labels.get(k) for k in rule.equal)
            others = index.get(key, ())
            if len(others) > 1 or (others and alert.fingerprint not in others):
                return True
        return False


def _matcher_keys(route: Route) -> set[str]:
    return set(route.matchers).union(*(_matcher_keys(r) for r in route.routes))


def _matches(labels: Labels, matchers: Mapping[str, str]) -> bool:
    return all(labels.get(k, "") == v for k, v in matchers.items())


def _inherit(parent: _Settings, route: Route) -> _Settings:
    return _Settings(
        receiver=route.receiver or parent.receiver,
        group_by=route.group_by if route.group_by is not None else parent.group_by,
        group_wait=route.group_wait if route.group_wait is not None else parent.group_wait,
        group_interval=route.group_interval
        if route.group_interval is not None
        else parent.group_interval,
        repeat_interval=route.repeat_interval
        if route.repeat_interval is not None
        else parent.repeat_interval,
    )
