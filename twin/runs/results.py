"""A run's results: the summary, the daily table and one table per event kind, on disk."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import yaml
from matplotlib.figure import Figure

from twin.core.folders import whole_folder
from twin.runs.plots import overview
from twin.runs.provenance import write_provenance
from twin.runs.readable import SHARE, TIMES, YUAN, readable
from twin.scenario.schema import Scenario


@dataclass(frozen=True)
class RunResult:
    """What one run produced. ``tables``: matches, payments, alerts, dispatches, incidents."""

    scenario: Scenario
    summary: dict
    daily: pa.Table
    tables: dict[str, pa.Table]

    def metric(self, name: str, policy: str | None = None) -> float | int | None:
        block = self.summary["policies"][policy] if policy else self.summary["metrics"]
        return block[name]["value"]

    def summary_rows(self) -> list[tuple[str, str, str]]:
        """(metric, value, unit) rows, overall then per policy."""
        return summary_rows(self.summary)

    def summary_table(self) -> str:
        return format_summary(self.summary)

    def summary_frame(self):
        """The summary as a pandas table of readable values and units."""
        import pandas as pd

        rows = self.summary_rows()
        index = pd.Index([r[0] for r in rows], name="figure")
        return pd.DataFrame([r[1:] for r in rows], index=index, columns=["value", "unit"])

    def notes(self) -> list[str]:
        """What a reader of this run's figures should know: capacities the scale could not
        staff faithfully (docs/capacity.md)."""
        return staffing_notes(self.tables.get("staffing"), self.scenario.city.scale)

    def figure(self, variant: str | None = None) -> Figure:
        """The overview figure (twin/runs/plots.py), titled with ``variant`` if given."""
        return overview(self.tables, self.daily, self.scenario, variant)

    def write(
        self,
        out: str | Path,
        variant: str | None = None,
        *,
        replace: bool = False,
        provenance: dict | None = None,
    ) -> Path:
        """Write the run folder whole or not at all (docs/robustness.md): an existing folder
        holding files is refused unless ``replace``."""
        out = Path(out)
        with whole_folder(out, replace=replace) as staging:
            self.write_files(staging, variant)
            if provenance is not None:
                write_provenance(staging, provenance)
        return out

    def write_files(self, folder: Path, variant: str | None = None) -> None:
        """The run's files into an existing folder: scenario.yaml, summary.json, daily and
        event Parquet, the overview PNG."""
        (folder / "scenario.yaml").write_text(
            yaml.safe_dump(self.scenario.to_json_dict(), sort_keys=False), encoding="utf-8"
        )
        (folder / "summary.json").write_text(
            json.dumps(self.summary, indent=2) + "\n", encoding="utf-8"
        )
        pq.write_table(self.daily, folder / "daily.parquet")
        for name, table in self.tables.items():
            pq.write_table(table, folder / f"{name}.parquet")
        fig = self.figure(variant)
        fig.savefig(folder / "overview.png", dpi=100, metadata={"Software": None})


def staffing_notes(staffing: pa.Table | None, scale: float) -> list[str]:
    """One line per capacity rounded by more than a quarter of its share at ``scale``; units of
    one capacity staffed alike (the reviewers of many policies) share one line."""
    if staffing is None:
        return []
    alike: dict[tuple, list[str]] = {}
    for row in staffing.to_pylist():
        if row["rounded_beyond_25pct"]:
            per_unit = row["at_scale_1"] / row["units"]
            key = (row["capacity"], row["exact"], row["staffed"], per_unit)
            alike.setdefault(key, []).append(row["unit"])
    return [
        f"note: {capacity} ({_units(units)}): {exact:,.2f} people at city.scale {scale:g}, "
        f"staffed {staffed:,}; faithful from city.scale {min(1.0, 2.0 / per_unit):.2g} "
        "(docs/capacity.md)"
        for (capacity, exact, staffed, per_unit), units in alike.items()
    ]


def _units(units: list[str]) -> str:
    return units[0] if len(units) == 1 else f"{units[0]} and {len(units) - 1:,} more alike"


LISTED_POLICIES = 12  # beyond this many policies a summary lists the run's figures alone


def summary_rows(summary: dict) -> list[tuple[str, str, str]]:
    """(metric, value in its readable unit, what it counts) rows of a summary, overall then per
    policy when the run has at most LISTED_POLICIES: shares as percentages, times in minutes to
    days, money in yuan or 万元."""
    rows = [(k, *_cells(v)) for k, v in summary["metrics"].items()]
    if len(summary["policies"]) > LISTED_POLICIES:
        return rows
    keys = ("eligible", "paid", "coverage", "exclusion_error", "inclusion_error")
    for pid, block in summary["policies"].items():
        for key in (*keys, "time_to_money_from_eligible_p50"):
            rows.append((f"{pid}: {key}", *_cells(block[key])))
    return rows


def _cells(metric: dict) -> tuple[str, str]:
    """The value as a reader reads it, and the unit when the value does not carry it."""
    unit = metric["unit"]
    return readable(metric["value"], unit), "" if unit in SUFFIXED else unit


def format_summary(summary: dict) -> str:
    rows = summary_rows(summary)
    w = max(len(r[0]) for r in rows)
    head = f"{'metric':<{w}}  {'value':>14}  unit"
    lines = [head, "-" * len(head)] + [f"{k:<{w}}  {v:>14}  {u}" for k, v, u in rows]
    n = len(summary["policies"])
    if n > LISTED_POLICIES:
        lines.append(f"({n:,} policies: each one's figures are in summary.json and the report)")
    return "\n".join(lines)


SUFFIXED = {SHARE, YUAN, *TIMES}  # units whose readable values say their unit
