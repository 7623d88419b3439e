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

    comparison = twin.run_variants(twin.load_scenario("scenarios/policy-sandbox.yaml"))
    comparison.frame()                      # readable: percentages, days, yuan
    comparison.write("runs/demo"); twin.write_report("runs/demo")

    spec = twin.load_calibration("scenarios/calibration/history.yaml").quick_mode()
    found = twin.calibrate(spec, Path("runs/calibration/quick"), jobs=2)
    twin.calibration_figure(found)          # a matplotlib Figure
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from twin.core.version import citytwin_version

__version__ = citytwin_version()

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
    "run_variants": "twin.runs.compare",
    "readable": "twin.runs.readable",
    "write_report": "twin.report",
    "explain_in_run": "twin.runs.explain",
    "estimate_draft": "twin.runs.sandbox",
    "estimate_figure": "twin.runs.sandbox",
    "estimate_frame": "twin.runs.sandbox",
    "sensitivity": "twin.experiments.analysis",
    "indices_figure": "twin.experiments.analysis",
    "load_calibration": "twin.calibration.calibration_file",
    "calibrate": "twin.calibration.calibrate",
    "calibration_figure": "twin.calibration.figure",
}
__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    if name in _API:
        return getattr(import_module(_API[name]), name)
    raise AttributeError(f"module 'twin' has no attribute {name!r}")
