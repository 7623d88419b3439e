"""Run a scenario: load its policy and rule files, build the model, run it, score its tables."""

from __future__ import annotations

import gc
from collections.abc import Callable

from twin.runs.results import RunResult
from twin.scenario.inputs import load_inputs
from twin.scenario.schema import Scenario
from twin.scoring.missed import missed
from twin.scoring.reach import reach
from twin.scoring.summary import daily, score
from twin.world.model import CityModel


def build_model(scenario: Scenario, *, on_day: Callable[[int], None] | None = None) -> CityModel:
    """The city model of a scenario, set up but not run: to inspect or to step by hand."""
    return CityModel(scenario, load_inputs(scenario), on_day=on_day)


def run(scenario: Scenario, *, on_day: Callable[[int], None] | None = None) -> RunResult:
    """Run one scenario to its end and score it; ``on_day(n)`` is called as day n begins."""
    model = build_model(scenario, on_day=on_day)
    model.run()
    tables = model.tables()
    collected = model.datacollector.get_model_vars_dataframe()
    del model  # the offices' state, as large as the tables: gone before scoring adds its own
    gc.collect()
    tables["missed"] = missed(tables)
    tables["reach"] = reach(tables, scenario)
    return RunResult(scenario, score(tables, scenario), daily(scenario, tables, collected), tables)
