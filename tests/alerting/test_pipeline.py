"""The alert pipeline: readings in, notifications per receiver, records and escalations out."""

import numpy as np

from alerting import AlertPipeline, RoutingConfig, RuleSet

RULES = RuleSet.model_validate(
    {
        "device_types": {"gas": {"report_interval": "1m"}},
        "rules": [
            {
                "alert": "GasHigh",
                "device_type": "gas",
                "condition": "value > 20",
                "escalate": [{"after": "2m", "severity": "critical"}],
            }
        ],
        "offline": [{"alert": "GasOffline", "device_type": "gas", "after_missed": 3}],
    }
)
ROUTING = RoutingConfig.model_validate(
    {
        "route": {
            "receiver": "township",
            "group_by": ["township", "alertname"],
            "group_wait": "0s",
            "group_interval": "1m",
            "routes": [{"matchers": {"kind": "offline"}, "receiver": "maintenance"}],
        }
    }
)
DEVICES = {
    "type": np.array(["gas"] * 3),
    "id": np.arange(3),
    "township": np.array([0, 0, 1]),
}


def pipeline(**kw):
    got = []
    p = AlertPipeline(
        RULES, DEVICES, ROUTING, sla={"grid": 300.0}, alert_labels=["type", "township"], **kw
    )
    p.on("township", got.append)
    return p, got


def feed(p, t, values):
    dev = [d for d, v in enumerate(values) if v is not None]
    p.ingest(np.array(dev), np.full(len(dev), t), np.array([values[d] for d in dev], float))
    return p.tick(t)


def test_an_alert_reaches_its_receiver_once_with_its_labels_and_severity():
    p, got = pipeline()
    out = feed(p, 0.0, [35, 1, 1])
    assert out.transitions.kind.tolist() == ["fired"]
    assert [n.receiver for n in out.notifications] == ["township"]
    (alert,) = got
    assert (alert.alert, alert.device, alert.severity, alert.starts_at) == (
        "GasHigh",
        0,
        "warning",
        0.0,
    )
    assert alert.labels == {
        "alertname": "GasHigh", "device": "0", "type": "gas", "township": "0",
        "kind": "value", "severity": "warning",
    }  # fmt: skip
    for t in (60.0, 120.0, 180.0):  # repeated notifications deliver nothing new
        feed(p, t, [35, 1, 1])
    assert len(got) == 1


def test_a_record_nobody_acknowledged_closes_when_its_alert_resolves():
    p, got = pipeline()
    feed(p, 0.0, [35, 1, 1])
    rec = p.open(got[0].alert, got[0].device, got[0].severity, got[0].starts_at)
    assert p.record(rec.id).open
    feed(p, 60.0, [5, 1, 1])
    assert not p.record(rec.id).open and p.record(rec.id).status == "resolved"


def test_an_assigned_record_stays_open_until_cleared_and_the_sla_escalates_the_rest():
    p, got = pipeline()
    feed(p, 0.0, [35, 35, 1])
    a = p.open(got[0].alert, got[0].device, got[0].severity, 0.0)
    b = p.open(got[1].alert, got[1].device, got[1].severity, 0.0)
    p.assign(a.id, "worker 1", 30.0)
    out = None
    for t in (60.0, 120.0, 180.0, 240.0, 300.0):
        out = feed(p, t, [5, 35, 1])
    assert p.record(a.id).open  # resolved, but a worker has it: open until cleared
    p.clear(a.id, 310.0)
    assert not p.record(a.id).open
    assert [(e.record, e.tier) for e in out.escalations] == [(b.id, "community")]
    assert p.record(b.id).severity == "critical"  # the engine's escalation, after 2m


def test_offline_alerts_go_to_maintenance_and_a_resolution_keeps_the_fired_severity():
    p, got = pipeline()
    notes = []
    for k in range(6):
        notes += feed(p, 60.0 * k, [1, 1, None] if k else [1, 1, 1]).notifications
    assert [n.receiver for n in notes] == ["maintenance"]
    assert got == []  # no handler for maintenance: counted, not delivered
    assert p.engine.firing("GasOffline").tolist() == [2]


def test_timings_add_up_per_stage():
    p, _ = pipeline()
    feed(p, 0.0, [35, 1, 1])
    t = p.timings
    assert t.evaluate > 0 and t.route > 0 and t.follow >= 0
