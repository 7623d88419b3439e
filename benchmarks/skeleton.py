"""How long the walking skeleton takes, end to end, and how much of it the set-up is."""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Figure, parse_args, report

import twin

SKELETON = Path(__file__).resolve().parent.parent / "scenarios" / "skeleton.yaml"


def main() -> None:
    args = parse_args(__doc__)
    days = 7 if args.quick else 30
    scenario = twin.load_scenario(SKELETON, {"duration": f"{days}d"})
    run = twin.run  # imports the runner (Mesa, SimPy) outside the timing
    start = time.perf_counter()
    result = run(scenario)
    elapsed = time.perf_counter() - start
    figures = [
        Figure("skeleton_run_s", elapsed, "s"),
        Figure("sim_days_per_s", days / elapsed, "days/s"),
        Figure("payments", float(result.metric("paid")), "count"),
    ]
    report(figures, args.json)


if __name__ == "__main__":
    main()
