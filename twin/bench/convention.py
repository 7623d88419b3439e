"""The benchmark convention: ``python benchmarks/NAME.py [--quick] [--json]``.

Each benchmark measures its figures and, where the issue names one, a baseline in the same run,
and reports them as a readable table or as one JSON list of
``{"figure", "value", "unit", "baseline", "ratio"}``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Figure:
    figure: str
    value: float
    unit: str
    baseline: float | None = None
    ratio: float | None = None  # baseline / value for times: how many times faster


def parse_args(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="small size, for CI smoke tests")
    parser.add_argument("--json", action="store_true", help="print one JSON list of figures")
    return parser.parse_args()


def best_of(fn: Callable[[], object], repeat: int) -> float:
    """The fastest of ``repeat`` wall-clock timings of fn(), in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def report(figures: list[Figure], as_json: bool) -> None:
    if as_json:
        json.dump([asdict(f) for f in figures], sys.stdout)
        sys.stdout.write("\n")
        return
    w = max(len(f.figure) for f in figures)
    print(f"{'figure':<{w}}  {'value':>12}  {'unit':<8}  {'baseline':>12}  {'ratio':>8}")
    for f in figures:
        base = "-" if f.baseline is None else f"{f.baseline:12.4g}"
        ratio = "-" if f.ratio is None else f"{f.ratio:8.2f}"
        print(f"{f.figure:<{w}}  {f.value:12.4g}  {f.unit:<8}  {base:>12}  {ratio:>8}")
