"""What replaying the platform's history costs, and what its calibration costs and achieves.

Quick (CI): the history's regression slice (92 days, 100 policies, city.scale 0.0005) against a
baseline measured in the same run - the skeleton's cost per policy and day (33 hand-written
policies, same scale and days, sensing off) times the slice's policy-days in force - so the
ratio says whether a catalogue's policy costs what a hand-written one does (per-policy overhead
is what makes a two-year catalogue slow).

Full: the whole history (2,056 policies, 733 days) at city.scale 0.0005 (the calibration's
scale) and 0.05, each in its own process with its peak memory; and the shipped calibration's
two stages (each resumed from runs/calibration/<name> when there): their runs, their summed
wall time, and the largest relative error of the five figures at the second stage's central
values.

Figures: history_slice_s (ratio against the skeleton's per-policy-day cost),
history_0005_s, history_005_s, history_005_peak_mb, calibration_runs, calibration_run_s,
calibration_largest_error.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path = [p for p in sys.path if Path(p or ".").resolve() != HERE]

from twin.bench.convention import Figure, parse_args, report  # noqa: E402

ROOT = HERE.parent
HISTORY = ROOT / "scenarios/history.yaml"
SLICE = ROOT / "scenarios/regression/history.yaml"
SKELETON = ROOT / "scenarios/skeleton.yaml"
CALIBRATION = [  # the two stages, in order (docs/calibration.md)
    ROOT / "scenarios/calibration/history.yaml",
    ROOT / "scenarios/calibration/history-refocused.yaml",
]
PEAK = "import resource; print('PEAK', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"


def timed(scenario: Path, sets: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, peak MB) of ``twin run`` in a process of its own."""
    with tempfile.TemporaryDirectory(prefix="history-bench-") as tmp:
        args = ["run", str(scenario), "--quiet", "--no-report", "--out", f"{tmp}/run"]
        args += [a for k, v in sets.items() for a in ("--set", f"{k}={v}")]
        code = f"from twin.cli import main; main({args!r}); {PEAK}"
        start = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True).stdout  # fmt: skip
        elapsed = time.perf_counter() - start
    peak_kb = float(out.rsplit("PEAK", 1)[1].split()[0])
    return elapsed, peak_kb / 1024


def policy_days(scenario: Path) -> int:
    """Days in force, summed over the scenario's policies, within its run."""
    import twin
    from twin.scenario.inputs import load_inputs

    s = twin.load_scenario(scenario)
    last = s.start + dt.timedelta(days=s.days - 1)
    total = 0
    for p in load_inputs(s).policies:
        begin = max(s.start, p.spec.valid_from)
        end = min(last, p.spec.valid_to or last)
        total += max(0, (end - begin).days + 1)
    return total


def quick_figures() -> list[Figure]:
    sets = {"city.scale": "0.0005", "duration": "92d", "sensing.enabled": "false"}
    skeleton_s, _ = timed(SKELETON, sets)
    skeleton_days = policy_days(SKELETON) * 92 // max(1, _days(SKELETON))
    slice_s, _ = timed(SLICE, {})
    baseline = skeleton_s / max(1, skeleton_days) * policy_days(SLICE)
    return [Figure("history_slice_s", slice_s, "s", baseline, baseline / slice_s)]


def _days(scenario: Path) -> int:
    import twin

    return twin.load_scenario(scenario).days


def full_figures() -> list[Figure]:
    whole_0005, _ = timed(HISTORY, {"city.scale": "0.0005"})
    whole_005, peak_005 = timed(HISTORY, {"city.scale": "0.05"})
    figures = [
        Figure("history_0005_s", whole_0005, "s"),
        Figure("history_005_s", whole_005, "s", 180.0, 180.0 / whole_005),  # the 3-minute aim
        Figure("history_005_peak_mb", peak_005, "MB"),
    ]
    return figures + calibration_figures()


def calibration_figures() -> list[Figure]:
    """Both stages (each resumed from runs/calibration/NAME when there): runs and run time
    summed, the largest error at the final stage's central values."""
    stages = []
    for file in CALIBRATION:
        out = ROOT / "runs/calibration" / file.stem
        subprocess.run([sys.executable, "-m", "twin.cli", "calibrate", str(file), "--out",
                        str(out), "--quiet"], check=False, capture_output=True)  # fmt: skip
        stages.append(json.loads((out / "calibration.json").read_text()))
    final = stages[-1]["targets"].values()
    errors = [abs(t["central_error"]) for t in final if t["central_error"]]
    return [
        Figure("calibration_runs", float(sum(s["runs"] for s in stages)), "runs"),
        Figure("calibration_run_s", float(sum(s["run_seconds"] for s in stages)), "s"),
        Figure("calibration_largest_error", max(errors, default=0.0), "share"),
    ]


def main() -> None:
    args = parse_args(__doc__)
    figures = quick_figures()
    if not args.quick:
        figures += full_figures()
    report(figures, args.json)


if __name__ == "__main__":
    main()
