"""Sweep files: which scenario, which parameters by key path, which design, how many
replications - validated against the scenario before any run starts."""

from __future__ import annotations

import math
import typing
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, model_validator

from datafiles import Problem, Strict, UserError, read_yaml, validate
from datafiles.kinds import expect_kind
from datafiles.roots import confined, data_roots
from datafiles.types import FolderName
from twin.scenario.schema import Scenario


class SweptParameter(Strict):
    """A swept parameter: numeric ``range: [low, high]`` for sampling designs, or ``levels``
    (any values the scenario accepts) for factorial designs."""

    range: tuple[float, float] | None = None
    levels: list[Any] | None = None
    integer: bool = False  # round sampled values (counts, workers)

    @model_validator(mode="after")
    def _one(self) -> SweptParameter:
        if (self.range is None) == (self.levels is None):
            raise ValueError("give either range: [low, high] or levels: [...]")
        if self.range is not None and not self.range[0] < self.range[1]:
            raise ValueError("a range's low must be below its high")
        if self.levels is not None and not self.levels:
            raise ValueError("levels must not be empty")
        return self


class Design(Strict):
    """How points are drawn: full ``factorial`` over levels; ``lhs``, ``sobol`` or ``morris``
    over ranges (SALib, seeded); or an explicit ``list`` of points."""

    kind: Literal["factorial", "lhs", "sobol", "morris", "list"]
    samples: Annotated[int, Field(ge=1)] = 8  # lhs: points; sobol: N; morris: trajectories
    second_order: bool = False  # sobol: N(2D+2) points instead of N(D+2)
    levels: Annotated[int, Field(ge=2)] = 4  # morris grid levels
    points: list[dict[str, Any]] = []


class SweepFile(Strict):
    """A sweep: one scenario, its base overrides, the swept parameters and the design."""

    name: FolderName
    description: str = ""
    scenario: Path
    base: dict[str, Any] = {}
    seed: int
    replications: Annotated[int, Field(ge=1, le=10_000)] = 1
    design: Design
    parameters: dict[str, SweptParameter] = {}
    outputs: Annotated[list[str], Field(min_length=1)]
    retries: Annotated[int, Field(ge=0, le=10)] = 1


def read_naming_a_scenario[M: BaseModel](path: Path, kind: str, model: type[M]) -> tuple[M, dict]:
    """A data file of ``kind`` that names a scenario (sweep, calibration), validated, its
    scenario path resolved from the file's folder and confined (datafiles.roots)."""
    data, origins = read_yaml(path)
    expect_kind(path, data, kind)
    spec = validate(model, data, origins, str(path))
    line = origins.get(("scenario",), (None, None, None))[1]
    scenario = confined(
        path.parent / spec.scenario, data_roots(path), file=str(path), line=line, key="scenario"
    )
    return spec.model_copy(update={"scenario": scenario}), origins


def load_sweep(path: str | Path) -> SweepFile:
    """Read and check a sweep file: keys exist in the scenario schema, values have the types
    the scenario wants, the design can be drawn; every fault named by file and key."""
    path = Path(path)
    spec, origins = read_naming_a_scenario(path, "sweep", SweepFile)
    problems = _check_keys(spec, str(path)) + _within_budget(spec, origins, str(path))
    if problems:
        raise UserError(problems)
    return spec


MAX_RUNS = 100_000  # design points x replications of one sweep: days of runs at a second each


def design_size(spec: SweepFile) -> int:
    """How many points the design draws, counted without drawing them."""
    d, n_vars = spec.design, len(spec.parameters)
    if d.kind == "list":
        return len(d.points)
    if d.kind == "factorial":
        return math.prod(len(p.levels or ()) for p in spec.parameters.values())
    if d.kind == "lhs":
        return d.samples
    if d.kind == "sobol":
        return d.samples * ((2 if d.second_order else 1) * n_vars + 2)
    return d.samples * (n_vars + 1)  # morris: trajectories of D + 1 points


def _within_budget(spec: SweepFile, origins: dict, file: str) -> list[Problem]:
    runs = design_size(spec) * spec.replications
    if runs <= MAX_RUNS:
        return []
    return [
        Problem(
            f"the design draws {runs:,} runs (points x replications), more than the budget of "
            f"{MAX_RUNS:,}",
            file=file,
            line=origins.get(("design",), (None, None))[1],
            key="design",
            hint="fewer levels or samples, or split the sweep into several files",
        )
    ]


def _check_keys(spec: SweepFile, file: str) -> list[Problem]:
    from twin.scoring.metrics import METRICS
    from twin.scoring.summary import COUNT_UNITS

    problems = []
    keys = [*(("base", k) for k in spec.base), *(("parameters", k) for k in spec.parameters)]
    for where, key in keys:
        if not key_exists(Scenario, key.split(".")):
            problems.append(
                Problem(
                    f"the scenario has no key '{key}'",
                    file=file,
                    key=f"{where}.{key}",
                    expected="a key path of the scenario schema, e.g. behaviour.media_per_day",
                    hint="see docs/scenarios.md for every key",
                )
            )
    if spec.design.kind == "factorial":
        problems += [
            Problem(
                "a factorial design needs levels",
                file=file,
                key=f"parameters.{k}",
                hint="write levels: [...] or choose design kind lhs, sobol or morris",
            )
            for k, p in spec.parameters.items()
            if p.levels is None
        ]
    elif spec.design.kind in ("lhs", "sobol", "morris"):
        problems += [
            Problem(
                f"a {spec.design.kind} design samples ranges",
                file=file,
                key=f"parameters.{k}",
                hint="write range: [low, high] or choose design kind factorial",
            )
            for k, p in spec.parameters.items()
            if p.range is None
        ]
        if not spec.parameters:
            problems.append(
                Problem("a sampling design needs parameters", file=file, key="parameters")
            )
    elif not spec.design.points:
        problems.append(Problem("a list design needs points", file=file, key="design.points"))
    unknown = [o for o in spec.outputs if o not in METRICS and o not in COUNT_UNITS]
    problems += [
        Problem(f"no metric '{o}'", file=file, key="outputs", hint="docs/metrics.md lists them")
        for o in unknown
    ]
    return problems


def key_exists(model: type[BaseModel], parts: list[str]) -> bool:
    """Whether a dotted key path names a field of the scenario schema (dict fields take any
    key, then their values' fields)."""
    if not parts:
        return True
    field = model.model_fields.get(parts[0])
    if field is None:
        field = next((f for f in model.model_fields.values() if f.alias == parts[0]), None)
    if field is None:
        return False
    return _fits(field.annotation, parts[1:])


def _fits(ann: Any, rest: list[str]) -> bool:
    if not rest:
        return True
    args = [a for a in typing.get_args(ann) if a is not type(None)]
    origin = typing.get_origin(ann)
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return key_exists(ann, rest)
    if origin is dict:
        return _fits(args[1], rest[1:])
    if origin is typing.Annotated:
        return _fits(args[0], rest)
    return any(_fits(a, rest) for a in args) if args else False
