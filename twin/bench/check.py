"""The benchmarks as a gate: each one's quick mode, its ratios held against floors.

Absolute times on a shared machine wander from run to run; a ratio against a baseline measured
in the same run wanders much less. ``benchmarks/floors.yaml`` gives, for every ratio figure a
benchmark's ``--quick`` mode reports, the floor below which the check fails. Every benchmark in
the folder runs; a ratio figure without a floor fails too, so no new figure goes unguarded, and
so does output that breaks the convention (one JSON list of figures).

    python -m twin.bench.check [--floors benchmarks/floors.yaml] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import Field, RootModel

from datafiles import Strict, UserError, read_yaml, validate
from twin.bench.convention import Figure

QUICK_TIMEOUT_S = 300.0  # a quick mode that takes longer than this has stopped being quick


class Floor(Strict):
    """The lowest acceptable ratio of one figure, and what was measured when it was set."""

    floor: Annotated[float, Field(gt=0)]
    measured: str  # the range seen when the floor was set: runs, machine, date


class Floors(RootModel[dict[str, dict[str, Floor]]]):
    """Benchmark name (its file's stem) -> figure -> floor."""


@dataclass(frozen=True)
class Verdict:
    benchmark: str
    figure: str
    ratio: float | None
    floor: float | None

    @property
    def ok(self) -> bool:
        return self.ratio is not None and self.floor is not None and self.ratio >= self.floor

    def line(self) -> str:
        if self.floor is None:
            why = "has no floor in floors.yaml: add one"
        elif self.ratio is None:
            why = "was not reported by the benchmark"
        else:
            why = f"ratio {self.ratio:,.3g} against floor {self.floor:,.3g}"
        status = "ok" if self.ok else "FAIL"
        return f"{status:<4}  {self.benchmark + '/' + self.figure:<40} {why}"


def load_floors(path: Path) -> dict[str, dict[str, Floor]]:
    data, origins = read_yaml(path)
    return validate(Floors, data, origins, str(path)).root


def measure(benchmark: Path, command: list[str] | None = None) -> list[Figure]:
    """The figures of one benchmark's quick mode, run in a fresh process."""
    cmd = command or [sys.executable, str(benchmark), "--quick", "--json"]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=QUICK_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise UserError.one(
            f"benchmark {benchmark.name} ran for over {QUICK_TIMEOUT_S:.0f} s in quick mode",
            hint="a quick mode runs in seconds: make its sizes smaller",
        ) from None
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-1:] or ["(no output)"]
        raise UserError.one(f"benchmark {benchmark.name} failed", found=tail[0])
    lines = done.stdout.strip().splitlines()
    try:
        figures = [Figure(**f) for f in json.loads(lines[-1])]
    except (IndexError, TypeError, ValueError) as exc:
        raise UserError.one(
            f"benchmark {benchmark.name} broke the --json convention",
            expected='one list of {"figure", "value", "unit", "baseline", "ratio"}',
            found=str(exc)[:200],
        ) from None
    for f in figures:
        if (f.baseline is None) != (f.ratio is None) or not f.unit:
            raise UserError.one(
                f"benchmark {benchmark.name}: figure '{f.figure}' is malformed",
                expected="a unit, and a ratio exactly when there is a baseline",
                found=str(f),
            )
    return figures


def verdicts(name: str, figures: list[Figure], floors: dict[str, Floor]) -> list[Verdict]:
    """One verdict per ratio figure reported and per floor set."""
    ratios = {f.figure: f.ratio for f in figures if f.ratio is not None}
    names = list(dict.fromkeys([*ratios, *floors]))
    return [
        Verdict(name, n, ratios.get(n), floors[n].floor if n in floors else None) for n in names
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--floors", type=Path, default=Path("benchmarks/floors.yaml"))
    parser.add_argument("--only", nargs="+", metavar="NAME", help="these benchmarks only")
    args = parser.parse_args(argv)
    folder = args.floors.parent
    try:
        floors = load_floors(args.floors)
        found = sorted(p.stem for p in folder.glob("*.py") if not p.name.startswith("_"))
        names = args.only or found
        missing = [n for n in [*names, *floors] if n not in found]
        if missing:
            raise UserError.one(
                f"no benchmark {missing[0]}.py in {folder}",
                file=str(args.floors),
                hint=f"the benchmarks are: {', '.join(found)}",
            )
        started, verdict_list = time.perf_counter(), []
        for name in names:
            t0 = time.perf_counter()
            figures = measure(folder / f"{name}.py")
            print(f"{name}: quick mode in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
            for v in verdicts(name, figures, floors.get(name, {})):
                print(v.line(), flush=True)
                verdict_list.append(v)
    except UserError as exc:
        print(exc, file=sys.stderr)
        return 2
    failed = sum(not v.ok for v in verdict_list)
    print(
        f"{failed} of {len(verdict_list)} ratios below their floors "
        f"({time.perf_counter() - started:.0f} s)"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
