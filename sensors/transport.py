"""NB-IoT uplink: what happens to a message between the device and the platform.

A message is lost when its cell is down (an outage) or with the cell's loss probability;
otherwise it arrives after a lognormal latency around the cell's median. Some are sent twice
(a retry whose acknowledgement was lost) and some are held back (``late``) and arrive after
newer ones: out of order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sensors.cells import Cells

RETRY_DELAY = (5.0, 60.0)  # seconds until a retried copy arrives (assumption)


@dataclass(frozen=True)
class Delivery:
    """Messages that reach the platform: the index of each in the batch sent, and when.
    A duplicated message appears twice."""

    message: np.ndarray  # int64
    arrives: np.ndarray  # float64
    lost_outage: int
    lost_radio: int


def transmit(
    cells: Cells,
    down: np.ndarray,
    cell: np.ndarray,
    sent: np.ndarray,
    *,
    duplicate: np.ndarray,
    late: np.ndarray,
    late_max: np.ndarray,
    radio: np.ndarray | None = None,
    rng: np.random.Generator,
) -> Delivery:
    """``cell``/``sent`` per message; ``duplicate``, ``late`` and ``late_max`` per message
    from its device type; ``down`` is the cells' outage mask at send time; ``radio`` False
    marks messages that travel over the operator's backhaul (never lost, one second)."""
    n = len(sent)
    outage = down[cell]
    over_radio = np.ones(n, bool) if radio is None else radio
    radio = ~outage & over_radio & (rng.random(n) < cells.loss[cell])
    ok = np.flatnonzero(~outage & ~radio)
    c = cell[ok]
    arrives = sent[ok] + np.where(
        over_radio[ok], cells.latency[c] * rng.lognormal(0.0, 0.5, len(ok)), 1.0
    )
    held = rng.random(len(ok)) < late[ok]
    arrives[held] += rng.uniform(0.0, late_max[ok][held])
    twice = np.flatnonzero(rng.random(len(ok)) < duplicate[ok])
    again = arrives[twice] + rng.uniform(*RETRY_DELAY, len(twice))
    return Delivery(
        np.concatenate([ok, ok[twice]]).astype(np.int64),
        np.concatenate([arrives, again]),
        int(outage.sum()),
        int(radio.sum()),
    )
