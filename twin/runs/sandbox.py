"""The policy sandbox: a draft estimated over a scenario's synthetic city, scaled to the city."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from matplotlib.figure import Figure

from datafiles import UserError, did_you_mean
from matching import Estimate, Table, estimate, load_policy
from twin.scenario.inputs import load_inputs
from twin.scenario.schema import Scenario
from twin.world.model import CityModel


def estimate_draft(
    scenario: Scenario,
    draft_path: str | Path,
    *,
    by: Sequence[str] = ("district",),
    on: dt.date | None = None,
) -> Estimate:
    """Estimate a draft over the scenario's library on a date, weighted up to the whole city.

    The scenario's policies form the catalogue the draft reuses and is compared with.
    """
    inputs = load_inputs(scenario)
    draft = load_policy(draft_path, inputs.registries)
    registry = inputs.registries[draft.target]
    groups = ["age_band", *(n for n, f in registry.fields.items() if f.type == "code")]
    for name in by:
        if name not in groups:
            raise UserError.one(
                f"cannot break down by '{name}'",
                file="--by",
                key=name,
                expected="a coded field or age_band: " + ", ".join(groups),
                hint=did_you_mean(name, groups) or "break down by a coded field or age_band",
            )
    model = CityModel(scenario, inputs)
    on = on or max(scenario.start, draft.spec.valid_from)
    library = model.libraries[draft.target]
    table = Table(library.values, library.known)
    found = model.matcher.match(table, draft.target, on, keep_leaves=True)
    catalogue = model.matcher.catalogue(draft.target, on)
    return estimate(
        catalogue,
        found,
        draft,
        table,
        inputs.registries[draft.target],
        on,
        weights=1.0 / scenario.city.scale,
        by=by,
    )


def estimate_figure(result: Estimate) -> Figure:
    """One panel per breakdown: eligible and needs-review counts by group."""
    n = len(result.breakdowns)
    fig = Figure(figsize=(6 * n, 4), layout="constrained")
    axes = fig.subplots(1, n, squeeze=False)
    for ax, (name, groups) in zip(axes[0], result.breakdowns.items(), strict=True):
        labels = [g.label for g in groups]
        ax.barh(labels, [g.eligible for g in groups], label="eligible")
        ax.barh(
            labels,
            [g.review for g in groups],
            left=[g.eligible for g in groups],
            label="needs review",
        )
        ax.set(title=f"by {name}", xlabel="entities (whole city)")
        ax.invert_yaxis()
        ax.legend()
    fig.suptitle(
        f"Sandbox estimate: {result.policy_id} on {result.on}, "
        f"budget {result.budget / 1e4:,.0f} x 10k yuan"
    )
    return fig


def estimate_frame(result: Estimate):
    """The estimate's breakdowns as a pandas table a department reads: whole-city counts with
    separators, the budget in 万元, reach as a percentage."""
    import pandas as pd

    from twin.runs.readable import SHARE, YUAN, readable

    rows = [
        {
            "breakdown": name,
            "group": g.label,
            "eligible": f"{g.eligible:,.0f}",
            "needs review": f"{g.review:,.0f}",
            "budget": readable(g.budget, YUAN),
            "reach": readable(g.reach, SHARE),
        }
        for name, groups in result.breakdowns.items()
        for g in groups
    ]
    return pd.DataFrame(rows).set_index(["breakdown", "group"])
