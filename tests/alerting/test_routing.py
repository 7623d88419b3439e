"""Routing with Alertmanager semantics, on a synthetic clock."""

from alerting.routing import Dispatcher, RoutingConfig, Silence

CONFIG = RoutingConfig.model_validate(
    {
        "route": {
            "receiver": "township-desk",
            "group_by": ["township"],
            "group_wait": "30s",
            "group_interval": "5m",
            "repeat_interval": "1h",
            "routes": [
                {
                    "matchers": {"severity": "emergency"},
                    "receiver": "district-duty",
                    "group_wait": "0s",
                    "continue": True,
                },
                {"matchers": {"alertname": "GasHigh"}, "receiver": "gas-team"},
            ],
        },
        "inhibit_rules": [
            {
                "source_matchers": {"alertname": "CellPowerOutage"},
                "target_matchers": {"alertname": "DeviceOffline"},
                "equal": ["cell"],
            }
        ],
        "max_alerts": 2,
    }
)


def run(d: Dispatcher, until: float, step: float = 10.0) -> list:
    out, t = [], 0.0
    while t <= until:
        out += d.tick(t)
        t += step
    return out


def alert(name, **labels):
    return {"alertname": name, "township": "Gulou", **labels}


def test_group_wait_then_group_interval_then_repeat_interval():
    d = Dispatcher(CONFIG)
    d.put(alert("WaterHigh", device="w1"), 0.0)
    notes = run(d, 29.0)
    assert notes == []
    notes = d.tick(30.0)
    assert [(n.receiver, len(n.firing)) for n in notes] == [("township-desk", 1)]
    d.put(alert("WaterHigh", device="w2"), 40.0)  # a change: told at the next group_interval
    assert d.tick(60.0) == [] and d.tick(329.0) == []
    assert [len(n.firing) for n in d.tick(330.0)] == [2]
    assert d.tick(330.0 + 3599) == []
    assert [len(n.firing) for n in d.tick(330.0 + 3600)] == [2]  # unchanged: repeat_interval


def test_the_same_labels_are_one_alert():
    d = Dispatcher(CONFIG)
    for t in (0.0, 5.0, 10.0):
        d.put(alert("WaterHigh", device="w1"), t)
    assert [len(n.firing) for n in d.tick(30.0)] == [1]


def test_routes_first_match_and_continue():
    d = Dispatcher(CONFIG)
    d.put(alert("GasHigh", device="g1"), 0.0)
    d.put(alert("GasHigh", device="g2", severity="emergency"), 0.0)
    notes = {(n.receiver, n.firing) for n in d.tick(0.0) + d.tick(30.0)}
    receivers = sorted(r for r, _ in notes)
    # the emergency goes to district duty at once (group_wait 0) and, continuing, to gas-team
    assert receivers == ["district-duty", "gas-team"]
    gas = next(f for r, f in notes if r == "gas-team")
    assert len(gas) == 2


def test_resolution_is_notified_once_then_the_group_goes():
    d = Dispatcher(CONFIG)
    d.put(alert("WaterHigh", device="w1"), 0.0)
    d.tick(30.0)
    d.put(alert("WaterHigh", device="w1"), 100.0, resolved=True)
    [note] = d.tick(330.0)
    assert note.firing == () and len(note.resolved) == 1
    assert d.tick(330.0 + 3600) == [] and d.groups == {}


def test_inhibition_by_a_power_outage_with_equal_cell():
    d = Dispatcher(CONFIG)
    d.put(alert("CellPowerOutage", cell="c7"), 0.0)
    d.put(alert("DeviceOffline", device="d1", cell="c7"), 0.0)
    d.put(alert("DeviceOffline", device="d2", cell="c8"), 0.0)
    [note] = d.tick(30.0)
    names = sorted(dict(fp)["alertname"] + dict(fp).get("cell", "") for fp in note.firing)
    assert names == ["CellPowerOutagec7", "DeviceOfflinec8"]


def test_silences_mute_during_their_window_only():
    d = Dispatcher(CONFIG)
    d.silence(Silence({"device": "w1"}, starts_at=0.0, ends_at=600.0, comment="maintenance"))
    d.put(alert("WaterHigh", device="w1"), 0.0)
    assert d.tick(30.0) == []
    assert [len(n.firing) for n in d.tick(630.0)] == [1]


def test_limits_aggregate_instead_of_dropping():
    d = Dispatcher(CONFIG)
    for i in range(5):
        d.put(alert("WaterHigh", device=f"w{i}"), 0.0)
    [note] = d.tick(30.0)
    assert len(note.firing) == 2 and note.truncated == 3
