"""One simulated day of the city's 2.45 million sensing terminals at their real cadences: truth,
device faults and NB-IoT transport, the alerting engine, routing and the townships' dispatch.

Figures: ``day_2450k_s`` (wall time for the day, target <= 60 s), ``day_2450k_peak_mb`` (peak
resident memory of the process), and the share of time in each stage. Baseline: the same day
with the per-reading reference engine in place of the vectorized one, its engine time measured
on a 1/1000 fleet in the same run and scaled up by devices.
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path = [p for p in sys.path if Path(p or ".").resolve() != HERE]

from alerting import ReferenceEngine  # noqa: E402
from twin.bench.convention import Figure, parse_args, report  # noqa: E402
from twin.scenario.inputs import load_inputs  # noqa: E402
from twin.scenario.loader import load_scenario  # noqa: E402
from twin.world.sensing import SensingModel  # noqa: E402

ROOT = HERE.parent
# The deployment: 2.44 million terminals plus 6,500 base stations' status feeds.
DEPLOY = {
    "sensing.deploy": {
        "gas": {"count": 800_000},
        "smoke": {"count": 600_000},
        "water_level": {"count": 60_000, "where": "low_lying"},
        "lift": {"count": 110_000},
        "manhole": {"count": 120_000},
        "intrusion": {"count": 250_000},
        "water_meter": {"households": "elderly_alone"},
        "door": {"households": "elderly_alone", "coverage": 0.5},
    },
    "sensing.tick": "1m",
    "duration": "1d",
    "policies": [],
}


def build(scale: float) -> SensingModel:
    scenario = load_scenario(ROOT / "scenarios/skeleton.yaml", {**DEPLOY, "city.scale": scale})
    inputs = load_inputs(scenario)
    return SensingModel(scenario, inputs.rules, inputs.catalogue, inputs.routing)


def reference_engine_seconds(scale: float) -> tuple[float, int]:
    """Run a small fleet's day, keeping its readings; time the reference engine on them."""
    model = build(scale)
    s = model.sensing
    batches = []
    ingest = s.pipeline.engine.ingest

    def keep(device, ts, value, stale=None):
        batches.append((s.env.now, device.tolist(), ts.tolist(), value.tolist()))
        return ingest(device, ts, value, stale)

    s.pipeline.engine.ingest = keep
    model.run()
    labels = {k: v.tolist() for k, v in s.world.device_labels().items()}
    ref = ReferenceEngine(s.pipeline.engine.rules, labels, lookback=model.params.sensing.lookback)
    by_tick = {}
    for now, d, t, v in batches:
        by_tick.setdefault(now, []).append((d, t, v))
    start = time.perf_counter()
    tick = model.params.sensing.tick
    for k in range(1, int(model.params.duration // tick) + 1):
        now = k * tick
        for d, t, v in by_tick.get(now, []):
            ref.ingest(d, t, v)
        ref.tick(now)
    return time.perf_counter() - start, s.world.devices.size


def main() -> None:
    args = parse_args(__doc__)
    scale = 1.0 if not args.quick else 0.005
    start = time.perf_counter()
    model = build(scale)
    built = time.perf_counter() - start
    start = time.perf_counter()
    model.run()
    day = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    s = model.sensing
    n = s.world.devices.size
    ref_s, ref_n = reference_engine_seconds(scale / 1000 if not args.quick else scale / 20)
    engine = s.stage_seconds["alerting engine"]
    baseline = day - engine + ref_s * n / ref_n
    stages = {k: v / day for k, v in s.stage_seconds.items()}
    if not args.json:
        print(f"{n:,} devices, {s.world.feed.counts.samples:,} readings, "
              f"{s.world.feed.counts.delivered:,} delivered, {len(s.logs['jobs']):,} events; "
              f"set-up {built:.1f} s")  # fmt: skip
        for k, v in stages.items():
            print(f"  {k:<22} {v:6.1%} of the day's time")
        print(f"  {'simpy and the rest':<22} {1 - sum(stages.values()):6.1%}")
    name = "day_2450k" if not args.quick else "day_quick"
    report(
        [
            Figure(f"{name}_s", day, "s", baseline, baseline / day),
            Figure(f"{name}_peak_mb", peak_mb, "MB"),
            Figure("readings_per_s", s.world.feed.counts.samples / day, "readings/s"),
            *(Figure(f"share_{k.replace(' ', '_')}", v, "share") for k, v in stages.items()),
            Figure("devices", float(n), "count"),
            Figure("setup_s", built, "s"),
        ],
        args.json,
    )


if __name__ == "__main__":
    main()
