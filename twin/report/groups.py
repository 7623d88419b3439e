"""The groups a report breaks results down by, from a run folder's population tables."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa

AGE_BANDS = ((0, "under 40"), (40, "40-59"), (60, "60-69"), (70, "70-79"), (80, "80-89"),
             (90, "90+"))  # fmt: skip


def groups(tables: dict[str, pa.Table], target: str, on: dt.date) -> dict[str, np.ndarray]:
    """Per dimension, each entity's group label (None: not in any group of it)."""
    if target == "person":
        t = tables["persons"]
        born = t["birth_date"].to_numpy(zero_copy_only=False).astype("datetime64[D]")
        age = (np.datetime64(on) - born).astype(np.int64) / 365.25
        lows = np.array([low for low, _ in AGE_BANDS])
        band = np.array([name for _, name in AGE_BANDS], dtype=object)
        literacy = t["digital_literacy"].to_numpy(zero_copy_only=False)
        return {
            "age band": band[np.searchsorted(lows, age, side="right") - 1],
            "smartphone": np.where(t["smartphone"].to_numpy(zero_copy_only=False), "yes", "no"),
            "digital literacy": np.array(["low", "middle", "high"], dtype=object)[
                np.digitize(literacy, [1 / 3, 2 / 3])
            ],
            "district": _labels(t["district"]),
        }
    t = tables["enterprises"]
    return {
        "firm size": _labels(t["size_class"]),
        "platform account": np.where(
            t["uses_platform"].to_numpy(zero_copy_only=False), "yes", "no"
        ),
        "district": _labels(t["district"]),
    }


def _labels(column: pa.ChunkedArray) -> np.ndarray:
    return np.asarray(column.to_pylist(), dtype=object)
