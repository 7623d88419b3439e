"""The alert pipeline a platform runs: readings and the clock in; notifications, records and
escalations out - the engine, routing and the alert book composed as Alertmanager composes its
stages.

Stages of one ``tick(now)``, in this order:

1. **Evaluate**: the engine applies the readings due by ``now`` and moves every rule's state
   machines (``alerting.engine``); out come transitions.
2. **Label and route**: each transition becomes an alert identified by its labels - the rule's
   name (``alertname``), the device (``device``) and the device labels named in
   ``alert_labels``, ``kind`` (``value`` or ``offline``) and ``severity`` (the severity it fired
   with, kept until it resolves, so a resolution reaches the same alert). Fired and offline
   alerts are put to the dispatcher as firing, resolved and online ones as resolved;
   escalations change no label (the record carries them).
3. **Notify**: the dispatcher sends what its groups' timers make due (``alerting.routing``);
   each receiver with a handler is handed every alert the first time a notification to it
   carries that alert (a webhook: e.g. a township's dispatch opens an event).
4. **Follow**: the alert book resolves open records whose alert resolved, raises the severity
   of records whose alert escalated, and moves unacknowledged records up the SLA ladder
   (``alerting.lifecycle``).

People act on records between ticks: ``open`` (an event a handler takes on, or one from
elsewhere), ``acknowledge``, ``assign``, ``clear``; ``record`` reads one.

>>> import numpy as np
>>> from alerting import AlertPipeline, RuleSet
>>> rules = RuleSet.model_validate({"device_types": {"gas": {"report_interval": "1m"}},
...     "rules": [{"alert": "GasHigh", "device_type": "gas", "condition": "value > 20"}]})
>>> seen = []
>>> pipeline = AlertPipeline(rules, {"type": np.array(["gas", "gas"])},
...                          receivers={"default": seen.append})
>>> _ = pipeline.ingest(np.array([1]), np.array([0.0]), np.array([35.0]))
>>> pipeline.tick(0.0).transitions.kind.tolist()
['fired']
>>> [len(pipeline.tick(t).notifications) for t in (15.0, 30.0)]  # group_wait: 30 s
[0, 1]
>>> seen[0].alert, seen[0].device, seen[0].labels["severity"]
('GasHigh', 1, 'warning')
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
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
    AlertEngine,
    IngestReport,
    Transitions,
)
from alerting.lifecycle import DEFAULT_SLA, AlertBook, AlertRecord, Escalation
from alerting.routing import Dispatcher, Notification, RoutingConfig, Silence
from alerting.rules import SEVERITIES, RuleSet

# Without a routing file: every alert to one receiver, grouped by rule.
DEFAULT_ROUTING = RoutingConfig.model_validate(
    {"route": {"receiver": "default", "group_by": ["alertname"]}}
)


@dataclass(frozen=True)
class Delivered:
    """An alert as it first reaches a receiver."""

    receiver: str
    alert: str  # the rule's name
    device: int
    labels: Mapping[str, str]
    severity: str
    starts_at: float  # when it fired (seconds)


@dataclass(frozen=True)
class PipelineTick:
    """What one evaluation produced, for the platform to act on and to log."""

    transitions: Transitions
    notifications: list[Notification]
    escalations: list[Escalation]


@dataclass
class Timings:
    """Wall-clock seconds spent in each stage, summed over ticks (for capacity planning)."""

    evaluate: float = 0.0
    route: float = 0.0
    follow: float = 0.0


@dataclass
class _Handlers:
    by_receiver: dict[str, Callable[[Delivered], None]] = field(default_factory=dict)
    delivered: set[tuple[str, tuple, float]] = field(default_factory=set)


class AlertPipeline:
    """Readings and clock ticks in; notifications, alert records and escalations out.

    ``devices`` holds one array per device label (``type`` required), as ``AlertEngine``
    takes it; ``alert_labels`` names the ones that become labels of the alerts (default: all
    but ``id``); ``receivers`` maps a receiver's name to the handler it is delivered to.
    """

    def __init__(
        self,
        rules: RuleSet,
        devices: Mapping[str, np.ndarray],
        routing: RoutingConfig | None = None,
        *,
        sla: Mapping[str, float] = DEFAULT_SLA,
        lookback: float = DEFAULT_LOOKBACK,
        start: float = 0.0,
        ahead: float = MAX_FUTURE,
        day_start: float = 0.0,
        alert_labels: Sequence[str] | None = None,
        receivers: Mapping[str, Callable[[Delivered], None]] | None = None,
    ) -> None:
        self._engine = AlertEngine(
            rules, devices, start=start, lookback=lookback, ahead=ahead, day_start=day_start
        )
        self._dispatcher = Dispatcher(routing or DEFAULT_ROUTING)
        self._book = AlertBook(sla)
        names = [k for k in devices if k != "id"] if alert_labels is None else list(alert_labels)
        self._label_arrays = {k: np.asarray(devices[k]) for k in names}
        self._labels_of: dict[int, dict[str, str]] = {}
        self._severity: dict[tuple[str, int], str] = {}  # the severity each alert fired with
        self._handlers = _Handlers(dict(receivers or {}))
        self.timings = Timings()

    @property
    def engine(self) -> AlertEngine:
        """The evaluating stage, for its state (``firing``, ``report``, ``alert_names``)."""
        return self._engine

    @property
    def alert_names(self) -> list[str]:
        """The rules' names, value rules first, indexed by a transition's ``rule``."""
        return self._engine.alert_names

    # -- in -----------------------------------------------------------------------------------

    def ingest(
        self, device: np.ndarray, ts: np.ndarray, value: np.ndarray, stale: np.ndarray | None = None
    ) -> IngestReport:
        """Queue readings for the next tick (see ``AlertEngine.ingest``)."""
        return self._engine.ingest(device, ts, value, stale)

    def silence(self, silence: Silence) -> None:
        """Mute alerts matching a silence during its window."""
        self._dispatcher.silence(silence)

    def on(self, receiver: str, handler: Callable[[Delivered], None]) -> None:
        """Deliver to ``handler`` every alert the first time a notification to ``receiver``
        carries it."""
        self._handlers.by_receiver[receiver] = handler

    # -- one tick -----------------------------------------------------------------------------

    def tick(self, now: float) -> PipelineTick:
        """Evaluate, route and notify, then follow the records (see the module's docstring)."""
        clock, t = time.perf_counter, time.perf_counter()
        transitions = self._engine.tick(now)
        t1 = clock()
        self._route(transitions, now)
        notes = self._dispatcher.tick(now)
        for note in notes:
            self._deliver(note)
        t2 = clock()
        kinds = transitions.kind
        later = (kinds == RESOLVED) | (kinds == ESCALATED)
        if later.any():
            self._book.apply(transitions.take(later), self._engine.alert_names)
        escalations = self._book.tick(now)
        t3 = clock()
        self.timings.evaluate += t1 - t
        self.timings.route += t2 - t1
        self.timings.follow += t3 - t2
        return PipelineTick(transitions, notes, escalations)

    def _route(self, tr: Transitions, now: float) -> None:
        names = self._engine.alert_names
        for rule, dev, kind, sev in zip(
            tr.rule.tolist(), tr.device.tolist(), tr.kind.tolist(), tr.severity.tolist(),
            strict=True,
        ):  # fmt: skip
            if kind == ESCALATED:
                continue
            name = names[rule]
            labels = {"alertname": name, **self._device_labels(dev)}
            labels["kind"] = "offline" if kind in (OFFLINE, ONLINE) else "value"
            if kind in (FIRED, OFFLINE):
                labels["severity"] = self._severity[(name, dev)] = SEVERITIES[sev]
            else:
                labels["severity"] = self._severity.pop((name, dev), SEVERITIES[sev])
            self._dispatcher.put(labels, now, resolved=kind in (RESOLVED, ONLINE))

    def _device_labels(self, dev: int) -> dict[str, str]:
        labels = self._labels_of.get(dev)
        if labels is None:
            labels = {"device": str(dev)}
            labels |= {k: str(a[dev]) for k, a in self._label_arrays.items()}
            self._labels_of[dev] = labels
        return labels

    def _deliver(self, note: Notification) -> None:
        handler = self._handlers.by_receiver.get(note.receiver)
        if handler is None:
            return
        for fp in note.firing:
            alert = self._dispatcher.alerts[fp]
            key = (note.receiver, fp, alert.starts_at)
            if key in self._handlers.delivered:
                continue
            self._handlers.delivered.add(key)
            labels = alert.labels
            handler(
                Delivered(
                    note.receiver,
                    labels["alertname"],
                    int(labels["device"]),
                    dict(labels),
                    labels["severity"],
                    alert.starts_at,
                )
            )

    # -- records: what people do with alerts --------------------------------------------------

    def open(self, alert: str, device: int, severity: str, at: float) -> AlertRecord:
        """A record for an event someone takes on (``device`` -1 when none is involved); its
        alert resolving closes it if nobody has acknowledged it yet."""
        return self._book.open(alert, device, severity, at)

    def record(self, record: int) -> AlertRecord:
        """A record, to read."""
        return self._book.records[record]

    def acknowledge(self, record: int, by: str, now: float) -> AlertRecord:
        """Someone at the record's tier has taken note."""
        return self._book.acknowledge(record, by, now)

    def assign(self, record: int, worker: str, now: float) -> AlertRecord:
        """A worker has the event."""
        return self._book.assign(record, worker, now)

    def clear(self, record: int, now: float) -> AlertRecord:
        """The event was handled."""
        return self._book.clear(record, now)

    def open_records(self) -> list[AlertRecord]:
        """Records that still need someone."""
        return self._book.open_records()
