"""The alert record's life: every edge, on a synthetic clock."""

import numpy as np
import pytest

from alerting import AlertEngine
from alerting.lifecycle import (
    AlertBook,
    LifecycleError,
    Status,
)
from tests.alerting.helpers import ruleset


def fired_book(sla=None):
    engine = AlertEngine(ruleset(), {"type": np.array(["gas", "gas"])})
    book = AlertBook(sla or {"grid": 600, "community": 1200, "township": 1800})
    engine.ingest(np.array([0, 1]), np.array([0.0, 0.0]), np.array([30.0, 30.0]))
    opened = book.apply(engine.tick(0.0), engine.alert_names)
    return engine, book, opened


def test_fired_opens_a_record_at_the_grid_tier():
    _, _book, opened = fired_book()
    assert [(r.alert, r.device, r.status, r.tier) for r in opened] == [
        ("GasHigh", 0, Status.FIRING, "grid"),
        ("GasHigh", 1, Status.FIRING, "grid"),
    ]


def test_unacknowledged_records_climb_the_chain_at_each_sla_inclusive():
    _, book, _ = fired_book()
    book.acknowledge(1, "grid worker Li", 100.0)
    assert book.tick(599.0) == []
    assert [(e.record, e.tier) for e in book.tick(600.0)] == [(0, "community")]
    assert book.tick(1799.0) == []
    assert [(e.record, e.tier) for e in book.tick(1800.0)] == [(0, "township")]
    assert [(e.record, e.tier) for e in book.tick(3600.0)] == [(0, "district")]
    assert book.tick(99_999.0) == []  # the district is the top
    assert book.records[1].tier == "grid"  # acknowledged: the clock stopped


def test_acknowledge_assign_clear_and_what_is_not_allowed():
    _, book, _ = fired_book()
    book.acknowledge(0, "Li", 10.0)
    with pytest.raises(LifecycleError, match="is acknowledged"):
        book.acknowledge(0, "Wang", 11.0)
    rec = book.assign(0, "worker 7", 20.0)
    assert (rec.status, rec.worker) == (Status.ASSIGNED, "worker 7")
    assert book.clear(0, 30.0).status == Status.CLEARED
    with pytest.raises(LifecycleError):
        book.clear(0, 31.0)
    with pytest.raises(LifecycleError, match="needs it acknowledged or assigned"):
        book.clear(1, 31.0)  # still firing
    rec = book.assign(1, "worker 8", 40.0)  # assigning acknowledges
    assert rec.acknowledged_at == 40.0 and rec.status == Status.ASSIGNED


def test_resolution_closes_only_what_nobody_took():
    engine, book, _ = fired_book()
    book.acknowledge(1, "Li", 10.0)
    engine.ingest(np.array([0, 1]), np.array([60.0, 60.0]), np.array([1.0, 1.0]))
    book.apply(engine.tick(60.0), engine.alert_names)
    assert book.records[0].status == Status.RESOLVED
    assert book.records[1].status == Status.ACKNOWLEDGED and book.records[1].resolved_at == 60.0
    assert [r.id for r in book.open_records()] == [1]
