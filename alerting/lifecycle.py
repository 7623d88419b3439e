"""What happens to an alert after it fires: acknowledged, assigned, cleared, escalated by SLA.

Statuses of an alert record:
- FIRING: fired and nobody has acknowledged it yet.
- ACKNOWLEDGED: someone at the current tier has taken note.
- ASSIGNED: a grid worker has it.
- RESOLVED (closed): its condition cleared while nobody had acknowledged it.
- CLEARED (closed): the worker (or an operator) closed it after handling.

Edges:
- fired (from the engine) opens a record: FIRING at tier ``grid``, ``tier_since = fired_at``.
- FIRING -> ACKNOWLEDGED by ``acknowledge``; FIRING or ACKNOWLEDGED -> ASSIGNED by ``assign``.
- ACKNOWLEDGED or ASSIGNED -> CLEARED by ``clear``.
- resolved (from the engine): FIRING -> RESOLVED; otherwise ``resolved_at`` is noted and the
  record stays open until cleared - a worker on the way finishes the job.
- escalated (from the engine) raises the record's severity.
- SLA, in ``tick(now)``: a FIRING record whose ``now - tier_since >= sla[tier]`` (inclusive)
  moves up one tier (grid -> community -> township -> district) and ``tier_since = now``;
  at the district it stays. Acknowledging stops the clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from alerting.engine import ESCALATED, FIRED, RESOLVED, Transitions
from alerting.rules import SEVERITIES

TIERS = ("grid", "community", "township", "district")


class Status(StrEnum):
    """The status of an alert record (the module's docstring has every edge)."""

    FIRING = "firing"  # fired, nobody has acknowledged it yet
    ACKNOWLEDGED = "acknowledged"  # someone at the current tier has taken note
    ASSIGNED = "assigned"  # a grid worker has it
    RESOLVED = "resolved"  # closed: its condition cleared before anybody acknowledged it
    CLEARED = "cleared"  # closed: handled


DEFAULT_SLA = {"grid": 900.0, "community": 1800.0, "township": 3600.0}  # seconds to acknowledge


class LifecycleError(ValueError):
    """An action that the alert's status does not allow."""


@dataclass
class AlertRecord:
    """One event's record: its alert, status, tier and history."""

    id: int
    alert: str
    device: int
    severity: str
    fired_at: float
    status: str = Status.FIRING
    tier: str = TIERS[0]
    tier_since: float = 0.0
    acknowledged_at: float | None = None
    acknowledged_by: str | None = None
    assigned_at: float | None = None
    worker: str | None = None
    resolved_at: float | None = None
    closed_at: float | None = None
    history: list[tuple[float, str]] = field(default_factory=list)

    @property
    def open(self) -> bool:
        """Whether the record still needs someone (not resolved or cleared)."""
        return self.status not in (Status.CLEARED, Status.RESOLVED)


@dataclass(frozen=True)
class Escalation:
    """A record that moved up a tier because nobody acknowledged it in time."""

    record: int
    at: float
    tier: str


class AlertBook:
    """Open and closed alert records, fed by the engine's transitions and by people."""

    def __init__(self, sla: Mapping[str, float] = DEFAULT_SLA) -> None:
        unknown = set(sla) - set(TIERS[:-1])
        if unknown:
            raise ValueError(f"SLA tiers must be among {TIERS[:-1]}, found {sorted(unknown)}")
        self.sla = dict(sla)
        self.records: list[AlertRecord] = []
        self._open: dict[tuple[str, int], AlertRecord] = {}
        self._firing: dict[int, AlertRecord] = {}  # records Status.FIRING below the top tier

    def apply(self, transitions: Transitions, alert_names: list[str]) -> list[AlertRecord]:
        """Open, resolve and raise records from one evaluation's transitions; return new ones."""
        opened = []
        for rule, device, kind, at, severity in zip(
            transitions.rule.tolist(),
            transitions.device.tolist(),
            transitions.kind.tolist(),
            transitions.at.tolist(),
            transitions.severity.tolist(),
            strict=True,
        ):
            key = (alert_names[rule], device)
            if kind == FIRED:
                opened.append(self.open(key[0], device, SEVERITIES[severity], at))
            elif kind == RESOLVED and key in self._open:
                self._resolve(self._open.pop(key), at)
            elif kind == ESCALATED and key in self._open:
                self._open[key].severity = SEVERITIES[severity]
                self._open[key].history.append((at, f"severity {SEVERITIES[severity]}"))
        return opened

    def open(self, alert: str, device: int, severity: str, at: float) -> AlertRecord:
        """A record for an event from elsewhere (a resident's report, a grid worker's patrol);
        ``device`` is -1 when no device is involved. The engine's fired alerts come here too."""
        rec = AlertRecord(
            len(self.records),
            alert,
            device,
            severity,
            at,
            tier_since=at,
            history=[(at, Status.FIRING)],
        )
        self.records.append(rec)
        self._firing[rec.id] = rec
        if device >= 0:
            self._open[(alert, device)] = rec
        return rec

    def _resolve(self, rec: AlertRecord, at: float) -> None:
        rec.resolved_at = at
        rec.history.append((at, "condition resolved"))
        if rec.status == Status.FIRING:
            rec.status, rec.closed_at = Status.RESOLVED, at
            self._firing.pop(rec.id, None)

    def acknowledge(self, record: int, by: str, now: float) -> AlertRecord:
        """Someone at the current tier has taken note: the SLA clock stops."""
        rec = self._get(record, Status.FIRING)
        rec.status, rec.acknowledged_at, rec.acknowledged_by = Status.ACKNOWLEDGED, now, by
        self._firing.pop(rec.id, None)
        rec.history.append((now, f"acknowledged by {by}"))
        return rec

    def assign(self, record: int, worker: str, now: float) -> AlertRecord:
        """A worker has the event (acknowledging it if nobody had)."""
        rec = self._get(record, Status.FIRING, Status.ACKNOWLEDGED)
        if rec.acknowledged_at is None:
            rec.acknowledged_at, rec.acknowledged_by = now, worker
        rec.status, rec.assigned_at, rec.worker = Status.ASSIGNED, now, worker
        self._firing.pop(rec.id, None)
        rec.history.append((now, f"assigned to {worker}"))
        return rec

    def clear(self, record: int, now: float) -> AlertRecord:
        """The event was handled: the record closes."""
        rec = self._get(record, Status.ACKNOWLEDGED, Status.ASSIGNED)
        rec.status, rec.closed_at = Status.CLEARED, now
        rec.history.append((now, Status.CLEARED))
        return rec

    def tick(self, now: float) -> list[Escalation]:
        """Move unacknowledged records up a tier when their tier's SLA has passed."""
        out = []
        for rec in list(self._firing.values()):
            if now - rec.tier_since >= self.sla.get(rec.tier, float("inf")):
                rec.tier = TIERS[TIERS.index(rec.tier) + 1]
                rec.tier_since = now
                rec.history.append((now, f"escalated to {rec.tier}"))
                out.append(Escalation(rec.id, now, rec.tier))
                if rec.tier == TIERS[-1]:
                    del self._firing[rec.id]
        return out

    def _get(self, record: int, *allowed: str) -> AlertRecord:
        if not 0 <= record < len(self.records):
            raise LifecycleError(f"no alert record {record}")
        rec = self.records[record]
        if rec.status not in allowed:
            raise LifecycleError(
                f"alert record {record} is {rec.status}; this needs it {' or '.join(allowed)}"
            )
        return rec

    def open_records(self) -> list[AlertRecord]:
        """Records that still need someone."""
        return [r for r in self.records if r.open]
