"""Calibration files: which scenario, which parameters (each a prior with its justification),
which target figures with their tolerances, and how many waves of runs - validated against the
scenario before any run starts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from datafiles import Problem, Strict, UserError
from datafiles.types import FolderName
from twin.experiments.sweep_file import key_exists, read_naming_a_scenario
from twin.scenario.schema import Scenario
from twin.scoring.reach import FIGURES


class Prior(Strict):
    """A parameter's prior: uniform over ``range`` (on a log scale with ``log: true``, for a
    factor whose order of magnitude is the unknown), and why that range."""

    range: tuple[float, float]
    log: bool = False
    justification: Annotated[str, Field(min_length=1)]

    @model_validator(mode="after")
    def _ordered(self) -> Prior:
        low, high = self.range
        if not low < high:
            raise ValueError("a range's low must be below its high")
        if self.log and low <= 0:
            raise ValueError("a log-scale range must be above 0")
        return self


class Target(Strict):
    """A figure the calibrated run must reproduce: its value at Ningbo's size on the run's last
    day, the relative ``tolerance`` within which a run counts as a fit, and where it comes from."""

    value: Annotated[float, Field(gt=0)]
    tolerance: Annotated[float, Field(gt=0, le=1)] = 0.10
    source: Annotated[str, Field(min_length=1)]


class Refine(Strict):
    """Waves at a larger city scale after all the others (``design.refine``): a run there
    varies less, so a few of them place the central values more tightly than many cheap runs
    can; the checks then run at that scale too."""

    scale: Annotated[float, Field(gt=0, le=1)]
    waves: Annotated[int, Field(ge=1, le=10)] = 1
    runs: Annotated[int, Field(ge=2, le=500)] = 10


class Waves(Strict):
    """The history matching: ``runs`` per wave, ``waves`` of them on every target but the
    held-out one, ``final_waves`` more on every target, ``refine`` waves at a larger scale,
    and the checks' runs: ``central_checks`` at the central values, each refitted with the
    last one's runs (a few precise runs where the fit missed move it most)."""

    waves: Annotated[int, Field(ge=1, le=10)] = 3
    final_waves: Annotated[int, Field(ge=1, le=10)] = 1  # after the out-of-sample check
    runs: Annotated[int, Field(ge=4, le=500)] = 16
    cutoff: Annotated[float, Field(gt=0)] = 3.0  # implausibility: Pukelsheim's three sigma
    candidates: Annotated[int, Field(ge=100, le=1_000_000)] = 20_000
    check_runs: Annotated[int, Field(ge=1, le=200)] = 6  # runs at points drawn from the fit
    central_runs: Annotated[int, Field(ge=1, le=200)] = 3  # replications at the central point
    central_checks: Annotated[int, Field(ge=1, le=5)] = 1  # each after the first learns the last
    refine: Refine | None = None


class Quick(Strict):
    """The quick mode (CI): cheaper runs and fewer of them, to show the whole chain works."""

    base: dict[str, Any] = {}
    targets: dict[str, Target] = {}
    waves: Waves = Waves(waves=1, runs=6, check_runs=2, central_runs=1)


class CalibrationFile(Strict):
    """A calibration: one scenario, its base overrides, priors, targets and waves."""

    name: FolderName
    description: str = ""
    scenario: Path
    base: dict[str, Any] = {}
    seed: int
    parameters: Annotated[dict[str, Prior], Field(min_length=1)]
    targets: Annotated[dict[str, Target], Field(min_length=1)]
    holdout: str | None = None  # fitted without it first, then predicted out of sample
    method: Literal["history_matching"] = "history_matching"
    design: Waves = Waves()
    quick: Quick = Quick()

    def quick_mode(self) -> CalibrationFile:
        """The same calibration in its quick mode: the quick base on top, its targets and waves."""
        return self.model_copy(
            update={
                "name": f"{self.name}-quick",
                "base": {**self.base, **self.quick.base},
                "targets": {**self.targets, **self.quick.targets},
                "design": self.quick.waves,
            }
        )


def load_calibration(path: str | Path) -> CalibrationFile:
    """Read and check a calibration file: parameter keys exist in the scenario schema, targets
    are figures the twin counts, the held-out figure is a target; every fault located."""
    path = Path(path)
    spec, origins = read_naming_a_scenario(path, "calibration", CalibrationFile)
    problems = _check(spec, str(path), origins)
    if problems:
        raise UserError(problems)
    return spec


def _check(spec: CalibrationFile, file: str, origins: dict) -> list[Problem]:
    def at(*key: str) -> int | None:
        return origins.get(key, (None, None))[1]

    problems = [
        Problem(
            f"the scenario has no key '{key}'",
            file=file,
            line=at(where, key),
            key=f"{where}.{key}",
            expected="a key path of the scenario schema, e.g. behaviour.intercept",
            hint="see docs/scenarios.md for every key",
        )
        for where, keys in (("base", spec.base), ("parameters", spec.parameters))
        for key in keys
        if not key_exists(Scenario, key.split("."))
    ]
    for where, targets in (("targets", spec.targets), ("quick.targets", spec.quick.targets)):
        problems += [
            Problem(
                f"no figure '{name}' to calibrate to",
                file=file,
                line=at(*where.split("."), name),
                key=f"{where}.{name}",
                expected=", ".join(FIGURES),
                hint="the seed's figures, as docs/reach.md counts them",
            )
            for name in targets
            if name not in FIGURES
        ]
    if spec.holdout is not None and spec.holdout not in spec.targets:
        problems.append(
            Problem(
                f"the held-out figure '{spec.holdout}' is not a target",
                file=file,
                line=at("holdout"),
                key="holdout",
                expected=", ".join(spec.targets),
                hint="name one of the targets, or leave holdout out",
            )
        )
    if spec.holdout is not None and len(spec.targets) < 2:
        problems.append(
            Problem("holding one figure out needs two targets or more", file=file, key="holdout")
        )
    return problems
