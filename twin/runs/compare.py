"""Variants of one scenario run side by side, with common random numbers, over replications.

Each variant is the scenario with a few overrides and the same seed, so every random stream -
the city, the people, their hearing and deciding - is the same until the variants' own choices
make them differ: differences between variants are the policy's, not noise. Replications run
every variant again at other seeds (twin/runs/replications.py), so that each figure gets a
confidence interval and each difference to the first variant a paired one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from datafiles import UserError
from twin.core.atomic import write_text_atomic
from twin.core.folders import seal, whole_folder
from twin.runs.intervals import CONFIDENCE
from twin.runs.plots import comparison
from twin.runs.provenance import write_provenance
from twin.runs.replications import Figure, Replicated, figure_of, replication_seed
from twin.runs.results import RunResult
from twin.runs.runner import run
from twin.scenario.schema import Scenario
from twin.scenario.variants import with_overrides

VARIANTS = "variants.yaml"  # the question a comparison answers: its description and levers
SHOWN = (
    "coverage",
    "payout_rate",
    "precision",
    "fairness",
    "convenience",
    "awareness",
    "effort_hours_per_paid",
    "calls_per_paid",
    "amount_paid",
    "time_to_money_from_eligible_p50",
    "time_to_money_from_match_p50",
)
RUN_WIDE = ("applications", "reviewed", "calls", "desk_abandoned")
SENSING = (
    "incidents",
    "incident_recall",
    "incident_precision",
    "detection_delay_p50",
    "on_site_delay_p50",
    "false_alarms_per_1000_device_days",
    "events",
    "alerts_per_worker_10min",
    "alarm_flood_share",
    "worker_wait_p95",
    "hardest_hit_events_per_worker_10min",
    "hardest_hit_peak_per_worker_10min",
    "hardest_hit_worker_wait_p95",
    "disposal_rate",
    "notifications_maintenance",
    "maintenance_visits",
    "wasted_visits",
    "visit_wait_p95",
    "offline_detection_delay_p50",
)


@dataclass(frozen=True)
class Comparison:
    """Variants over replications: replication 0's whole run of each variant, and every
    replication's summary; replication r ran every variant at ``seeds[r]``."""

    scenario: Scenario
    results: dict[str, RunResult]  # replication 0 of each variant
    summaries: dict[str, list[dict]]  # each variant's summary per replication, 0 first
    seeds: tuple[int, ...]
    confidence: float = CONFIDENCE

    def rows(self) -> list[tuple[str, list]]:
        """(label, replication 0's value per variant): each policy's indicators, the run-wide
        loads, and the sensing side's scores when it ran; None where a summary lacks it."""
        return [
            (label, [_value(r.summary, key, pid) for r in self.results.values()])
            for label, key, pid in self._shown()
        ]

    def replicated(self) -> Replicated:
        """Every shown figure per variant and replication, with its statistics."""
        figures = [self._figure(label, key, pid) for label, key, pid in self._shown()]
        run_seeds = {v: tuple(s["seed"] for s in ss) for v, ss in self.summaries.items()}
        return Replicated(self.scenario.name, figures, self.seeds, run_seeds, self.confidence)

    def table(self) -> str:
        return self.replicated().table()

    def frame(self):
        """The comparison as a pandas table of readable cells (figures down, variants across)."""
        return self.replicated().frame()

    def figure(self):
        """The variants side by side on their share indicators (None if none is a share)."""
        return comparison(self.replicated())

    def write(
        self, out: str | Path, *, replace: bool = False, provenance: dict | None = None
    ) -> Path:
        """Write, whole or not at all: replication 0's run folder per variant, the comparison
        (comparison.json, replications.parquet, comparison.png) and the question
        (variants.yaml); an existing folder holding files is refused unless ``replace``."""
        out = Path(out)
        with whole_folder(out, replace=replace) as staging:
            for name, result in self.results.items():
                (staging / name).mkdir()
                result.write_files(staging / name, variant=name)
                seal(staging / name)
            self.replicated().write(staging)
            question = {
                "scenario": self.scenario.name,
                "description": self.scenario.description,
                "variants": self.scenario.to_json_dict().get("variants") or {},
            }
            text = yaml.safe_dump(question, sort_keys=False, allow_unicode=True)
            write_text_atomic(staging / VARIANTS, text)
            if provenance is not None:
                write_provenance(staging, provenance)
        return out

    def _shown(self) -> list[tuple[str, str, str | None]]:
        """(label, figure, policy) of every row, from SHOWN, RUN_WIDE and SENSING."""
        first = next(iter(self.results.values()))
        policies = list(first.summary["policies"])
        out = [(f"{pid}: {key}", key, pid) for pid in policies for key in SHOWN]
        shown = RUN_WIDE if policies else ()
        if first.scenario.sensing.enabled:
            shown += SENSING
        return out + [(key, key, None) for key in shown]

    def _figure(self, label: str, key: str, policy: str | None) -> Figure:
        found = [figure_of(s, key, policy) for ss in self.summaries.values() for s in ss]
        unit = next((f["unit"] for f in found if f is not None), None)
        values = {v: [_value(s, key, policy) for s in ss] for v, ss in self.summaries.items()}
        return Figure(label, unit, values)


def run_variants(
    scenario: Scenario,
    *,
    replications: int | None = None,
    confidence: float = CONFIDENCE,
    on_day: Callable[[str, int], None] | None = None,
) -> Comparison:
    """Run every variant of the scenario (a scenario without variants is its own one) in each
    replication - the scenario's ``replications`` unless given - and compare them. Within a
    replication every variant runs at the same seed; ``on_day(variant, n)`` as day n begins."""
    n = scenario.replications if replications is None else replications
    if n < 1:
        raise UserError.one("replications must be at least 1", found=str(n))
    overrides = scenario.variants or {scenario.name: {}}
    variants = {name: with_overrides(scenario, o, name) for name, o in overrides.items()}
    results, summaries = {}, {name: [] for name in variants}
    for r in range(n):
        for name, variant in variants.items():
            seeded = variant.model_copy(update={"seed": replication_seed(variant.seed, r)})
            result = run(
                seeded, on_day=None if on_day is None else (lambda d, name=name: on_day(name, d))
            )
            results.setdefault(name, result)  # replication 0: the whole run is kept
            summaries[name].append(result.summary)
    seeds = tuple(replication_seed(scenario.seed, r) for r in range(n))
    return Comparison(scenario, results, summaries, seeds, confidence)


def _value(summary: dict, key: str, policy: str | None) -> float | int | None:
    found = figure_of(summary, key, policy)
    return None if found is None else found["value"]
