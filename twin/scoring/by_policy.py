"""A run table's rows per policy, split once instead of filtered once per policy: scoring a
catalogue of thousands of policies would otherwise read every table thousands of times."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_KEPT = 16  # tables whose split is kept; a run's scoring reads about ten
_memo: OrderedDict[tuple[str, int], tuple[pa.Table, object]] = OrderedDict()


def of_table[T](kind: str, table: pa.Table, make: Callable[[pa.Table], T]) -> T:
    """``make(table)``, computed once per table object (tables are immutable; the memo holds
    the table, so its id cannot be reused while its entry lives)."""
    key = (kind, id(table))
    hit = _memo.get(key)
    if hit is not None and hit[0] is table:
        _memo.move_to_end(key)
        return hit[1]  # type: ignore[return-value]
    value = make(table)
    _memo[key] = (table, value)
    while len(_memo) > _KEPT:
        _memo.popitem(last=False)
    return value


def split(table: pa.Table) -> dict[str, pa.Table]:
    """Each policy's rows, in their order in the table."""
    if table.num_rows == 0:
        return {}
    encoded = pc.dictionary_encode(table["policy_id"].combine_chunks())
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    order = np.argsort(codes, kind="stable")
    ordered = table.take(pa.array(order))
    bounds = np.searchsorted(codes[order], np.arange(len(encoded.dictionary) + 1))
    return {
        pid: ordered.slice(int(bounds[i]), int(bounds[i + 1] - bounds[i]))
        for i, pid in enumerate(encoded.dictionary.to_pylist())
    }


def rows(table: pa.Table, policy_id: str) -> pa.Table:
    """The rows of ``table`` about ``policy_id`` (an empty table of its schema if none)."""
    found = of_table("split", table, split).get(policy_id)
    return found if found is not None else table.slice(0, 0)
