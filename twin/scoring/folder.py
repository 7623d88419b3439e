"""Scoring a saved run: the run folder holds every table scoring needs and the scenario it
ran, so a run can be re-scored - and a new metric computed - without running it again.

>>> import twin  # doctest: +SKIP
>>> summary = twin.score("runs/demo/auto")  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from datafiles import UserError, read_yaml, validate
from twin.core.folders import require_manifest
from twin.scenario.schema import Scenario
from twin.scoring.summary import score as score_tables

NOT_SCORED = {"daily", "missed", "reach"}  # tables scoring produces from the others


def read_run(folder: str | Path) -> tuple[Scenario, dict[str, pa.Table]]:
    """The scenario a run folder records and its tables."""
    folder = Path(folder)
    file = folder / "scenario.yaml"
    if not file.is_file():
        hint = "a run folder is what 'twin run --out FOLDER' writes"
        if (folder / "comparison.json").is_file():
            hint = "this folder compares variants: read one of its sub-folders"
        raise UserError.one("not a run folder: it has no scenario.yaml", file=str(folder),
                            hint=hint)  # fmt: skip
    require_manifest(folder)
    data, origins = read_yaml(file)
    scenario = validate(Scenario, data, origins, str(file))
    tables = {
        p.stem: pq.read_table(p)
        for p in sorted(folder.glob("*.parquet"))
        if p.stem not in NOT_SCORED
    }
    return scenario, tables


def score(folder: str | Path) -> dict:
    """The summary of a saved run, recomputed from its folder alone."""
    scenario, tables = read_run(folder)
    missing = sorted(_NEEDED - set(tables))
    if missing:
        raise UserError.one(
            f"{folder} lacks tables scoring needs: {', '.join(missing)}",
            hint="the run was written by an older citytwin; run it again",
        )
    return score_tables(tables, scenario)


_NEEDED = {
    "matches", "payments", "reviews", "applications", "decisions", "review_queue", "truth",
    "calls", "actions", "policies", "awareness", "persons", "enterprises", "alerts", "jobs",
    "merges", "notifications", "incidents", "witnesses", "devices", "device_types", "workers",
    "outages", "battery_deaths", "repairs", "technicians",
}  # fmt: skip
