"""The alerting engine over the city's 2.45 million sensing terminals, one reading each per tick.

Rules: a value rule with ``for`` and a hysteresis clear, and an offline rule. Baseline: the
per-reading reference engine, timed on a sample of devices in the same run and scaled to the
whole fleet. The streaming front is timed parsing newline-delimited JSON on one core.
``tick_combined_ms``: the same fleet as homes of a water meter and a door sensor, with a
combined rule per home (no water and no door movement) and one per community (3 of its
meters quiet), against the reference engine on a sample of homes. ``tick_window_ms``: the gas
fleet under conditions over a ten-minute window (an average with ``for``, and a peak), against
the reference engine on a sample; ``window_bytes_per_device`` is the memory the windows hold.
``tick_baseline_ms``: the gas fleet against each device's own 90th percentile (per hour of day,
14 readings of history), every device reporting - the worst case, each reading moving a history.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

# Without the script's own folder on the path, package names resolve to the packages.
HERE = Path(__file__).resolve().parent
sys.path = [p for p in sys.path if Path(p or ".").resolve() != HERE]

from alerting import (  # noqa: E402
    AlertEngine,
    ReadingParser,
    ReferenceEngine,
    RuleSet,
)
from twin.bench.convention import Figure, parse_args, report  # noqa: E402

RULES = RuleSet.model_validate(
    {
        "device_types": {"gas": {"report_interval": "1m"}},
        "rules": [
            {
                "alert": "GasHigh",
                "device_type": "gas",
                "condition": "value > 20",
                "for": "5m",
                "clear": "value < 10",
                "clear_for": "5m",
                "escalate": [{"after": "30m", "severity": "critical"}],
            }
        ],
        "offline": [{"alert": "GasOffline", "device_type": "gas", "after_missed": 3}],
    }
)
STEP = 60.0
WINDOWS = RuleSet.model_validate(
    {
        "device_types": {"gas": {"report_interval": "1m"}},
        "rules": [
            {"alert": "GasHighOnAverage", "device_type": "gas", "condition": "avg_over(10m) > 20",
             "for": "5m"},
            {"alert": "GasPeak", "device_type": "gas", "condition": "max_over(10m) > 30"},
        ],
    }
)  # fmt: skip
BASELINE = RuleSet.model_validate(
    {
        "device_types": {"gas": {"report_interval": "1m"}},
        "rules": [{"alert": "GasUnusual", "device_type": "gas",
                   "condition": "value > 2 * baseline + 5",
                   "baseline": {"quantile": 0.9, "by": "hour", "history": 14}}],
    }
)  # fmt: skip
HOMES = RuleSet.model_validate(
    {
        "device_types": {t: {"report_interval": "1m"} for t in ("water_meter", "door")},
        "rules": [
            {"alert": "NoWater", "device_type": "water_meter", "condition": "value < 0.5",
             "min_samples": 3, "notify": False},
            {"alert": "NoDoor", "device_type": "door", "condition": "value < 1",
             "min_samples": 3, "notify": False},
        ],
        "combined": [
            {"alert": "Inactive", "by": "household", "all_of": ["NoWater", "NoDoor"]},
            {"alert": "QuietBlock", "by": "community", "k_of_n": {"rule": "NoWater", "k": 3}},
        ],
    }
)  # fmt: skip


def readings(n: int, k: int, rng: np.random.Generator, silent: bool) -> np.ndarray:
    """Clean air with rare leaks that persist; optionally one device in a thousand silent."""
    v = rng.random(n) * 12.0
    leaking = (np.arange(n) % 50_000) < 5
    v[leaking] = 35.0 if k < 8 else 2.0
    if silent:
        v[np.arange(n) % 1000 == 7] = np.nan  # their readings never arrive
    return v


def engine_ms_per_tick(n: int, ticks: int, rng: np.random.Generator, silent: bool = False):
    engine = AlertEngine(RULES, {"type": np.full(n, "gas")}, lookback=STEP - 1)
    device = np.arange(n)
    times, events = [], 0
    for k in range(ticks):
        v = readings(n, k, rng, silent)
        sent = ~np.isnan(v)
        d, val = device[sent], v[sent]
        t = np.full(len(d), k * STEP)
        start = time.perf_counter()
        engine.ingest(d, t, val)
        events += len(engine.tick(k * STEP))
        times.append(time.perf_counter() - start)
    return float(np.median(times[2:]) * 1e3), events, engine.state_bytes / (n * 2)


def full_ms_per_tick(
    rules: RuleSet, n: int, ticks: int, full_from: int, rng: np.random.Generator
) -> tuple[float, AlertEngine]:
    """Median ms per tick from tick ``full_from`` on (windows or histories full), and the
    engine, for the state it holds."""
    engine = AlertEngine(rules, {"type": np.full(n, "gas")}, lookback=STEP - 1)
    device, times = np.arange(n), []
    for k in range(ticks):
        v = readings(n, k, rng, silent=False)
        start = time.perf_counter()
        engine.ingest(device, np.full(n, k * STEP), v)
        engine.tick(k * STEP)
        times.append(time.perf_counter() - start)
    return float(np.median(times[full_from:]) * 1e3), engine


def reference_ms_per_tick(
    n: int, ticks: int, rng: np.random.Generator, rules: RuleSet = RULES, skip: int = 1
) -> float:
    ref = ReferenceEngine(rules, {"type": ["gas"] * n}, lookback=STEP - 1)
    device = list(range(n))
    times = []
    for k in range(ticks):
        v = readings(n, k, rng, silent=False)
        sent = [i for i in device if not np.isnan(v[i])]
        start = time.perf_counter()
        ref.ingest(sent, [k * STEP] * len(sent), [float(v[i]) for i in sent])
        ref.tick(k * STEP)
        times.append(time.perf_counter() - start)
    return float(np.median(times[skip:]) * 1e3)


def homes(n: int) -> dict[str, np.ndarray]:
    """Devices in pairs: a water meter and a door sensor per home, 100 homes a community."""
    i = np.arange(n)
    kind = np.where(i % 2 == 0, "water_meter", "door")
    return {"type": kind, "household": i // 2, "community": i // 200}


def home_readings(n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """Use in most homes; one home in 500 falls quiet from the second minute to the ninth."""
    v = 1.0 + rng.poisson(2.0, n)
    quiet = (np.arange(n) // 2) % 500 == 3
    if 1 <= k < 9:
        v[quiet] = 0.0
    return v


def combined_ms_per_tick(n: int, ticks: int, rng: np.random.Generator) -> tuple[float, int]:
    engine = AlertEngine(HOMES, homes(n), lookback=STEP - 1)
    device, times, events = np.arange(n), [], 0
    for k in range(ticks):
        v = home_readings(n, k, rng)
        start = time.perf_counter()
        engine.ingest(device, np.full(n, k * STEP), v)
        events += len(engine.tick(k * STEP))
        times.append(time.perf_counter() - start)
    return float(np.median(times[2:]) * 1e3), events


def combined_reference_ms_per_tick(n: int, ticks: int, rng: np.random.Generator) -> float:
    ref = ReferenceEngine(HOMES, {k: v.tolist() for k, v in homes(n).items()}, lookback=STEP - 1)
    device, times = list(range(n)), []
    for k in range(ticks):
        v = home_readings(n, k, rng).tolist()
        start = time.perf_counter()
        ref.ingest(device, [k * STEP] * n, v)
        ref.tick(k * STEP)
        times.append(time.perf_counter() - start)
    return float(np.median(times[1:]) * 1e3)


def stream_msgs_per_s(n: int) -> float:
    ids = [f"gas-{i:07d}" for i in range(n)]
    parser = ReadingParser(ids)
    chunk = b"".join(
        json.dumps(
            {"device": ids[i], "ts": 1654041600.0 + i, "value": round(i % 97 / 7, 3)}
        ).encode()
        + b"\n"
        for i in range(n)
    )
    best = min(_timed(lambda: parser.ndjson(chunk)) for _ in range(3))
    return n / best


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    args = parse_args(__doc__)
    n, sample, ticks = (2_450_000, 20_000, 12) if not args.quick else (200_000, 2_000, 16)
    rng = np.random.default_rng(0)
    tick_ms, events, state = engine_ms_per_tick(n, ticks, rng)
    sparse_ms, _, _ = engine_ms_per_tick(n, ticks, rng, silent=True)
    base_ms = reference_ms_per_tick(sample, 4, rng) * n / sample
    combined_ms, combined_events = combined_ms_per_tick(n, ticks, rng)
    combined_base = combined_reference_ms_per_tick(sample // 10, 4, rng) * n / (sample // 10)
    window_ms, engine = full_ms_per_tick(WINDOWS, n, 16, 11, rng)  # full windows from tick 11
    window_bytes = sum(w.nbytes for w in engine._windows.values()) / n
    del engine  # its windows are not held while the baseline's histories fill
    few = sample // 10  # the reference re-reads each device's samples at every tick
    window_base = reference_ms_per_tick(few, 14, rng, WINDOWS, skip=11) * n / few
    baseline_ms, engine = full_ms_per_tick(BASELINE, n, 19, 15, rng)  # 1.8 KB a device
    baseline_bytes = engine.state_bytes / n
    baseline_base = reference_ms_per_tick(few, 18, rng, BASELINE, skip=15) * n / few
    report(
        [
            Figure("tick_ms", tick_ms, "ms", base_ms, base_ms / tick_ms),
            Figure("tick_some_silent_ms", sparse_ms, "ms", base_ms, base_ms / sparse_ms),
            Figure(
                "tick_combined_ms", combined_ms, "ms", combined_base, combined_base / combined_ms
            ),
            Figure("combined_transitions", float(combined_events), "count"),
            Figure("tick_window_ms", window_ms, "ms", window_base, window_base / window_ms),
            Figure("window_bytes_per_device", window_bytes, "bytes"),
            Figure(
                "tick_baseline_ms", baseline_ms, "ms", baseline_base, baseline_base / baseline_ms
            ),
            Figure("baseline_bytes_per_device", baseline_bytes, "bytes"),
            Figure("readings_per_s", n / tick_ms * 1e3, "readings/s"),
            Figure(
                "stream_msgs_per_s",
                stream_msgs_per_s(200_000 if not args.quick else 20_000),
                "msgs/s",
            ),
            Figure("state_bytes_per_device_rule", state, "bytes"),
            Figure("transitions", float(events), "count"),
            Figure("devices", float(n), "count"),
        ],
        args.json,
    )


if __name__ == "__main__":
    main()
