"""citytwin: rehearse city policy in a synthetic city whose ground truth is known.

Public API::

    import twin
    scenario = twin.load_scenario("scenarios/skeleton.yaml", {"city.scale": 0.002})
    result = twin.run(scenario)
    print(result.summary_table())
    result.write("runs/my-run")
    summary = twin.score("runs/my-run")     # the same summary, from the folder alone

    sweep = twin.load_sweep("scenarios/sweeps/smoke.yaml")
    twin.run_sweep(sweep, Path("runs/sweeps/smoke"), jobs=2)
    frame = twin.query_results(Path("runs/sweeps/smoke"), "select avg(coverage) from runs")
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import Any

try:
    __version__ = version("citytwin")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"

# Loaded on first use, so that agents/ and sensors/ can import twin's core (clock, rng, city)
# without pulling in the runner.
_API = {
    "load_scenario": "twin.scenario.loader",
    "run": "twin.runs.runner",
    "score": "twin.scoring.folder",
    "build_model": "twin.runs.runner",
    "RunResult": "twin.runs.results",
    "Scenario": "twin.scenario.schema",
    "UserError": "datafiles",
    "load_sweep": "twin.experiments.sweep_file",
    "run_sweep": "twin.experiments.sweep",
    "query_results": "twin.experiments.store",
}
__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    if name in _API:
        return getattr(import_module(_API[name]), name)
    raise AttributeError(f"module 'twin' has no attribute {name!r}")
