"""The streaming front: readings in NDJSON or CSV become batches; bad lines cost only themselves."""

import json

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from alerting.stream import ReadingParser

IDS = [f"gas-{i:03d}" for i in range(50)]
PARSER = ReadingParser(IDS)


def ndjson(rows) -> bytes:
    return b"".join(
        json.dumps({"device": d, "ts": t, "value": v}).encode() + b"\n" for d, t, v in rows
    )


def test_ndjson_and_csv_give_the_same_batch():
    rows = [("gas-003", 60.0, 1.5), ("gas-000", 0.0, 30.0), ("gas-049", 120.5, -2.0)]
    a = PARSER.ndjson(ndjson(rows))
    b = PARSER.csv(b"device,ts,value\n" + b"".join(f"{d},{t},{v}\n".encode() for d, t, v in rows))
    for batch in (a, b):
        assert batch.device.tolist() == [3, 0, 49]
        assert batch.ts.tolist() == [60.0, 0.0, 120.5] and batch.value.tolist() == [1.5, 30.0, -2.0]
        assert (batch.malformed, batch.unknown_device) == (0, 0)


def test_bad_lines_and_unknown_devices_are_counted_and_located():
    good = ndjson([("gas-001", 1.0, 2.0), ("gas-002", 2.0, 3.0)])
    chunk = (
        good
        + b'{"device": "gas-003", "ts": 3.0, "value": }\n'
        + b'{"device": "nobody", "ts": 4.0, "value": 5.0}\n'
        + b"[1, 2]\n"
        + ndjson([("gas-004", 5.0, 6.0)])
    )
    batch = PARSER.ndjson(chunk)
    assert batch.device.tolist() == [1, 2, 4]
    assert (batch.malformed, batch.unknown_device) == (2, 1)
    assert [line for line, _ in batch.errors] == [3, 5]


def test_csv_with_a_broken_row():
    chunk = b"device,ts,value\ngas-001,1,2\ngas-002,two,3\ngas-003,3\ngas-004,4,5\n"
    batch = PARSER.csv(chunk)
    assert batch.device.tolist() == [1, 4] and batch.malformed == 2
    assert [line for line, _ in batch.errors] == [3, 4]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([*IDS, "stranger"]),
            st.floats(0, 1e9, allow_nan=False),
            st.floats(-1e6, 1e6, allow_nan=False),
        ),
        max_size=40,
    ),
    st.lists(st.binary(max_size=30), max_size=5),
)
def test_any_mix_of_valid_and_garbage_lines_keeps_every_valid_reading(rows, garbage):
    cleaned = [g.replace(b"\n", b" ") for g in garbage]
    chunk = ndjson(rows) + b"\n".join(cleaned) + b"\n"
    batch = PARSER.ndjson(chunk)
    known = [(IDS.index(d), t, v) for d, t, v in rows if d != "stranger"]
    got = list(zip(batch.device.tolist(), batch.ts.tolist(), batch.value.tolist(), strict=True))
    assert got[: len(known)] == known
    assert batch.unknown_device >= sum(d == "stranger" for d, _, _ in rows)
    assert np.isfinite(batch.ts).all()
