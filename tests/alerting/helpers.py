"""Walk an engine along a synthetic clock: one reading string per device, one tick per step."""

import numpy as np

from alerting import AlertEngine, RuleSet
from alerting.reference import ReferenceEngine

STEP = 60.0


def ruleset(**rule) -> RuleSet:
    base = {"alert": "GasHigh", "device_type": "gas", "condition": "value > 20"}
    return RuleSet.model_validate(
        {
            "device_types": {"gas": {"report_interval": "1m"}},
            "rules": [{**base, **rule}],
        }
    )


def walk(rules: RuleSet, *series: str, lookback: float = STEP - 1, labels=None) -> list[list[str]]:
    """Events per step. Each series is space-separated readings, '_' for none."""
    steps = [s.split() for s in series]
    n = len(series)
    devices = labels or {"type": np.array(["gas"] * n)}
    engine = AlertEngine(rules, devices, lookback=lookback)
    ref = ReferenceEngine(rules, devices, lookback=lookback)
    out = []
    for k in range(len(steps[0])):
        t = k * STEP
        rows = [(d, float(s[k])) for d, s in enumerate(steps) if s[k] != "_"]
        if rows:
            d, v = map(np.array, zip(*rows, strict=True))
            engine.ingest(d, np.full(len(d), t), v)
            ref.ingest(d.tolist(), [t] * len(d), v.tolist())
        got = engine.tick(t)
        assert got.rows() == ref.tick(t), f"engine and reference differ at step {k}"
        out.append(
            [
                f"{kind}:{dev}" if n > 1 else kind
                for dev, kind in zip(got.device.tolist(), got.kind.tolist(), strict=True)
            ]
        )
    return out
