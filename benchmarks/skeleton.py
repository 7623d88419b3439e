"""How long the walking skeleton takes, end to end, and how much of it the set-up is."""

from __future__ import annotations

import sys
import time
from pathlib import Path

# Without the script's own folder on the path, `matching` is the package, not this file.
HERE = Path(__file__).resolve().parent
sys.path = [p for p in sys.path if Path(p or ".").resolve() != HERE]

import twin  # noqa: E402
from twin.bench.convention import Figure, parse_args, report  # noqa: E402

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
