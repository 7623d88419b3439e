"""Run a scenario: load its policy and rule files, build the model, run it, score it."""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa

from twin.scenario.inputs import load_inputs
from twin.world.model import CityModel
from twin.runs.results import RunResult
from twin.scenario.schema import Scenario
from twin.scoring.summary import daily, score


def build_model(scenario: Scenario, *, on_day: Callable[[int], None] | None = None) -> CityModel:
    """The city model of a scenario, set up but not run: to inspect or to step by hand."""
    return CityModel(scenario, load_inputs(scenario), on_day=on_day)


def run(scenario: Scenario, *, on_day: Callable[[int], None] | None = None) -> RunResult:
    """Run one scenario to its end and score it; ``on_day(n)`` is called as day n begins."""
    model = build_model(scenario, on_day=on_day)
    model.run()
    tables = {name: log.to_arrow() for name, log in model.logs.items()}
    calls = model.desk.log
    tables["calls"] = pa.table(
        {
            "arrived": calls.arrived,
            "answered": calls.answered,
            "finished": calls.finished,
            "outcome": calls.outcome,
        },
        schema=pa.schema(
            [
                ("arrived", pa.float64()),
                ("answered", pa.float64()),
                ("finished", pa.float64()),
                ("outcome", pa.string()),
            ]
        ),
    )
    tables.update(model.sensing.tables())
    return RunResult(scenario, score(model, tables), daily(model, tables), tables)
