"""The regression suite file: cases, their scenarios, and per figure the tolerance that matters."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BeforeValidator, Field, PrivateAttr

from datafiles import Strict, read_yaml, validate
from datafiles.roots import confined, data_roots
from datafiles.units import parse_duration


def _amount(value: object) -> object:
    """A tolerance is a number in the figure's unit, or a duration ("6h") for times in s."""
    return parse_duration(value) if isinstance(value, str) else value


Tolerance = Annotated[float, BeforeValidator(_amount), Field(gt=0)]


class Case(Strict):
    scenario: Path
    #: per key figure, the smallest change a planner would care about, in its unit
    tolerances: Annotated[dict[str, Tolerance], Field(min_length=1)]


class Suite(Strict):
    seed: int  # root of the replications' seeds (the exact level uses each scenario's own)
    replications: Annotated[int, Field(ge=10, le=200)] = 10
    confidence: Annotated[float, Field(gt=0.5, lt=1)] = 0.99
    cases: Annotated[dict[str, Case], Field(min_length=1)]
    _folder: Path = PrivateAttr(default=Path("."))  # the suite file's folder

    def snapshot_file(self, case: str) -> Path:
        return self._folder / "snapshots" / f"{case}.json"

    def baseline_file(self, case: str) -> Path:
        return self._folder / "baselines" / f"{case}.json"


def load_suite(path: Path) -> Suite:
    data, origins = read_yaml(path)
    suite = validate(Suite, data, origins, str(path))
    roots = data_roots(path)
    cases = {
        k: c.model_copy(update={"scenario": _scenario(path, k, c.scenario, roots, origins)})
        for k, c in suite.cases.items()
    }
    suite = suite.model_copy(update={"cases": cases})
    suite._folder = path.parent
    return suite


def _scenario(path: Path, case: str, name: Path, roots: tuple[Path, ...], origins: dict) -> Path:
    """A case's scenario file, confined to the suite's data roots like every file a file names."""
    line = origins.get(("cases", case, "scenario"), (None, None, None))[1]
    key = f"cases.{case}.scenario"
    return confined(path.parent / name, roots, file=str(path), line=line, key=key)
