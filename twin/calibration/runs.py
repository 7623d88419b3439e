"""Runs of a calibration: points of the parameters' unit cube, each run at its own seed through
the sweep machinery (a resumable store per stage, a local pool or Dask), read back as the
target figures at Ningbo's size."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from datafiles import UserError
from twin.calibration.calibration_file import CalibrationFile
from twin.calibration.history_matching import Space
from twin.experiments import store
from twin.experiments.sweep import run_sweep
from twin.experiments.sweep_file import Design, SweepFile, SweptParameter
from twin.scoring.reach import SCALED

# The run summary's name of a figure where it differs (docs/metrics.md).
METRIC = {"money_paid_yuan": "amount_paid"}


@dataclass
class Runs:
    """Runs done: their points in the unit cube, stage, figures at Ningbo's size and weight
    (their city scale over the calibration's: how much less they vary)."""

    u: np.ndarray
    stage: list[str]
    figures: dict[str, np.ndarray]
    weight: np.ndarray

    @classmethod
    def none(cls, d: int, names) -> Runs:
        return cls(np.zeros((0, d)), [], {n: np.zeros(0) for n in names}, np.zeros(0))

    def __add__(self, other: Runs) -> Runs:
        return Runs(
            np.vstack([self.u, other.u]),
            self.stage + other.stage,
            {n: np.concatenate([v, other.figures[n]]) for n, v in self.figures.items()},
            np.concatenate([self.weight, other.weight]),
        )

    def __len__(self) -> int:
        return len(self.u)


@dataclass
class Runner:
    """Runs points of one calibration into stores under ``out``."""

    spec: CalibrationFile
    space: Space
    scale: float
    out: Path
    jobs: int = 1
    dask: str | int | None = None
    on_run: Callable[[str, int, int], None] | None = None
    run_seconds: float = 0.0  # the wall time of every run read, stored ones included

    def run(
        self, stage: str, u: np.ndarray, *, replications: int = 1, scale: float | None = None
    ) -> Runs:
        """Run each point of ``u`` (``replications`` times, each at its own seed), at the
        calibration's scale or at ``scale``."""
        sweep = self._sweep(stage, u, replications, scale)
        where = self.out / stage
        on_run = (lambda done, todo: self.on_run(stage, done, todo)) if self.on_run else None
        progress = run_sweep(sweep, where, jobs=self.jobs, dask=self.dask, on_run=on_run)
        if progress.failed:
            raise UserError.one(
                f"{progress.failed} runs of stage '{stage}' failed",
                file=str(where / "failed"),
                hint="read their errors there; 'twin calibrate' again resumes where it stopped",
            )
        self.run_seconds += _wall_seconds(where)
        return self._read(stage, sweep, np.repeat(u, replications, axis=0), scale or self.scale)

    def _sweep(
        self, stage: str, u: np.ndarray, replications: int, scale: float | None
    ) -> SweepFile:
        names, values = self.space.names, self.space.values(u)
        points = [
            {**dict(zip(names, row.tolist(), strict=True)), "seed": point_seed(self.spec, stage, i)}
            for i, row in enumerate(values)
        ]
        ranges = {n: SweptParameter(range=(float(lo), float(hi))) for n, lo, hi in
                  zip(names, self.space.low, self.space.high, strict=True)}  # fmt: skip
        return SweepFile(
            name=stage,
            scenario=self.spec.scenario,
            base=self.spec.base if scale is None else {**self.spec.base, "city.scale": scale},
            seed=self.spec.seed,
            replications=replications,
            design=Design(kind="list", points=points),
            parameters=ranges,
            outputs=[METRIC.get(t, t) for t in self.spec.targets],
            retries=1,
        )

    def _read(self, stage: str, sweep: SweepFile, u: np.ndarray, scale: float) -> Runs:
        table = store.read(self.out / stage).sort_by([("point", "ascending"),
                                                      ("replication", "ascending")])  # fmt: skip
        wanted = [dict(p) for p in sweep.design.points for _ in range(sweep.replications)]
        stored = table.select([f"param:{n}" for n in self.space.names]).to_pylist()
        same = len(stored) == len(wanted) and all(
            np.allclose(
                [s[f"param:{n}"] for n in self.space.names],
                [w[n] for n in self.space.names],
                rtol=1e-12,
            )
            for s, w in zip(stored, wanted, strict=False)
        )
        if not same:
            raise UserError.one(
                f"the store of stage '{stage}' holds runs of other parameter values",
                file=str(self.out / stage),
                hint="the calibration file or the runs before it changed: --force starts over",
            )
        figures = {}
        for t in self.spec.targets:
            v = table[METRIC.get(t, t)].to_numpy(zero_copy_only=False).astype(float)
            figures[t] = v / scale if t in SCALED else v
        return Runs(u, [stage] * len(u), figures, np.full(len(u), scale / self.scale))


def point_seed(spec: CalibrationFile, stage: str, i: int) -> int:
    """A run's own seed: from the calibration's seed, its stage and its place in the stage."""
    key = [spec.seed % 2**32, *stage.encode(), i]
    return int(np.random.SeedSequence(key).generate_state(1, np.uint32)[0])


def _wall_seconds(where: Path) -> float:
    """The wall time its runs took, as each recorded it (a resumed stage counts them all)."""
    timing = where / store.TIMING
    return sum(json.loads(f.read_text())["wall_s"] for f in sorted(timing.glob("*.json")))
