"""Last year's values in the libraries (``last_year(revenue)``): drawn at the start, turned over
on 1 January, observed by the libraries with their field's quality, read by policies."""

import datetime as dt

import numpy as np
import pytest

import twin
from agents.year_end import KEPT
from tests.conftest import SCENARIOS
from twin.core.units import DAY
from twin.runs.runner import build_model

BASE = {"city.scale": 0.002, "sensing.enabled": False, "start": "2022-12-20",
        "policies": [str(SCENARIOS / "policies/revenue-drop-relief.yaml")]}  # fmt: skip


def test_on_1_january_this_year_becomes_last_year():
    model = build_model(twin.load_scenario(SCENARIOS / "library.yaml", {**BASE, "duration": "14d"}))
    firms = model.population.enterprises
    env = model.clock.env
    env.run(until=11 * DAY + 1)  # the days to 31 December
    assert model.clock.today == dt.date(2022, 12, 31)
    assert not np.array_equal(firms.last_year["revenue"], firms.revenue)  # drawn at the start
    december, trading = firms.revenue.copy(), firms.active.copy()
    env.run(until=12 * DAY + 1)  # 1 January: the year turns before the month's life events
    assert np.array_equal(firms.last_year["revenue"][trading], december[trading])
    assert (firms.last_year["revenue"][firms.active & ~trading] == 0).all()  # founded today
    library = model.policies.libraries["enterprise"]
    assert (
        "revenue@last_year" in library.values
        and "income@last_year" in model.policies.libraries["person"].values
    )


def test_the_drawn_history_has_firms_shrinking_and_growing():
    model = build_model(twin.load_scenario(SCENARIOS / "library.yaml", {**BASE, "duration": "2d"}))
    firms = model.population.enterprises
    live = firms.active & (firms.last_year["revenue"] > 0)
    change = firms.revenue[live] / firms.last_year["revenue"][live]
    assert 1.0 < np.median(change) < 1.1  # median growth +5% a year (agents/year_end.py)
    assert 0.02 < np.mean(change <= 0.7) < 0.1  # about 5% fell by 30% or more
    assert set(KEPT) == {"person", "enterprise"}


def test_a_policy_on_the_year_on_year_fall_pays_those_who_fell():
    result = twin.run(twin.load_scenario(SCENARIOS / "library.yaml", {**BASE, "duration": "20d"}))
    metrics = result.summary["metrics"]
    assert metrics["eligible"]["value"] > 0 and metrics["coverage"]["value"] > 0.5


def test_a_field_without_history_is_refused_with_the_fields_that_have_one(tmp_path):
    from datafiles import UserError
    from matching import load_policy, load_registry

    src = (SCENARIOS / "policies/revenue-drop-relief.yaml").read_text()
    path = tmp_path / "p.yaml"
    path.write_text(src.replace("last_year(revenue)", "last_year(tax_paid)"))
    registry = load_registry(SCENARIOS / "fields/enterprise.yaml")
    with pytest.raises(UserError) as err:
        load_policy(path, {"enterprise": registry, "person": registry})
    problem = err.value.problems[0]
    assert "keeps no history of 'tax_paid'" in problem.message
    assert problem.hint == "fields with history: employees, revenue, rd_spend"
