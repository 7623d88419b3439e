"""An office's sparse state against the dense arrays it replaced: any sequence of writes reads
back as the dense arrays would, and the platform's decision kept as rows answers as its masks."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.platform_decision import PlatformDecision
from agents.row_state import RowState

SIZE = 40
COLUMNS = {"flag": (bool, False), "count": (np.int32, 0), "day": (np.float64, np.inf)}

rows = st.lists(st.integers(0, SIZE - 1), max_size=12).map(lambda r: np.array(r, np.int64))
write = st.tuples(st.sampled_from(["flag", "count", "day"]), rows, st.integers(0, 9))


@settings(max_examples=200, deadline=None)
@given(st.lists(write, max_size=15), rows)
def test_writes_read_back_as_dense_arrays_would(writes, probe):
    state = RowState(SIZE, COLUMNS)
    dense = {name: np.full(SIZE, d, dt) for name, (dt, d) in COLUMNS.items()}
    for name, at, value in writes:
        state.set(name, at, value)
        dense[name][at] = value
    for name in COLUMNS:
        assert np.array_equal(state.dense(name), dense[name])
        assert np.array_equal(state.get(name, probe), dense[name][probe])
        held = state.rows_where(np.ones(len(state), bool))
        assert np.array_equal(state.columns[name], dense[name][held])
    assert np.all(np.diff(state.rows) > 0)  # ascending, each row once


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, SIZE - 1), st.integers(0, 5)), max_size=20))
def test_one_row_at_a_time_reads_back_too(puts):
    state = RowState(SIZE, COLUMNS)
    dense = np.zeros(SIZE, np.int32)
    for row, value in puts:
        state.put("count", row, state.one("count", row) + value)
        dense[row] += value
    assert np.array_equal(state.dense("count"), dense)
    assert state.one("day", 3) == np.inf  # never written: the default


def test_an_entity_never_dealt_with_is_not_held():
    state = RowState(1_000_000, COLUMNS)
    state.set("flag", np.array([999_999, 5]), True)
    assert state.rows.tolist() == [5, 999_999]
    assert state.get("flag", np.array([5, 6, 999_999])).tolist() == [True, False, True]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.booleans(), min_size=SIZE, max_size=SIZE),
    st.lists(st.booleans(), min_size=SIZE, max_size=SIZE),
    st.lists(st.sampled_from([0.0, 12.5, 300.0, np.nan]), min_size=SIZE, max_size=SIZE),
    rows,
)
def test_a_decision_kept_as_rows_answers_as_its_masks(eligible, review, amount, probe):
    eligible, review, amount = np.array(eligible), np.array(review), np.array(amount)
    amount = np.where(eligible, amount, 0.0)  # the engine's amounts: 0 off the eligible rows
    rows = np.flatnonzero(eligible)
    d = PlatformDecision(rows, amount[rows], np.flatnonzero(review))
    assert np.array_equal(d.eligible(probe), eligible[probe])
    assert np.array_equal(d.needs_review(probe), review[probe])
    assert np.array_equal(d.amount(probe), amount[probe], equal_nan=True)
    assert np.array_equal(d.payable(probe), eligible[probe] & np.isfinite(amount[probe]))
