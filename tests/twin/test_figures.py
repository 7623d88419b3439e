"""The overview figure fits the run: panels only for what ran, calendar dates, y axes from
zero, hourly bins under a week, the variant in the title - checked on its structure."""

import matplotlib.dates as mdates
import pytest
from matplotlib.container import BarContainer

import twin
from tests.conftest import SCENARIOS, SKELETON
from twin.runs.compare import run_variants, with_overrides
from twin.runs.plots import comparison


def panels(fig):
    return {ax.get_title(): ax for ax in fig.axes}


def drawn(ax) -> bool:
    return bool(ax.lines or ax.patches or ax.texts)


@pytest.fixture(scope="module")
def skeleton():
    return twin.run(twin.load_scenario(SKELETON, {"duration": "5d"}))


def test_a_run_of_both_sides_has_money_time_to_money_and_incidents(skeleton):
    fig = skeleton.figure("as planned")
    p = panels(fig)
    assert list(p) == ["Money paid", "From match to money", "Incidents (truth) and alerts"]
    assert all(drawn(ax) for ax in p.values())
    assert all(ax.get_ylim()[0] == 0 for ax in p.values())
    assert p["From match to money"].get_xlim()[0] == 0
    for name in ("Money paid", "Incidents (truth) and alerts"):
        formatter = p[name].xaxis.get_major_formatter()
        assert isinstance(formatter, mdates.ConciseDateFormatter)  # calendar dates, not day 3
    assert p["Incidents (truth) and alerts"].get_ylabel() == "per hour"  # under a week
    title = fig.get_suptitle()
    assert title.startswith("skeleton: as planned") and "city.scale 0.001" in title
    assert all(ax.get_ylabel() for ax in p.values())  # a unit on every value axis


def test_a_policy_only_run_shows_no_alarm_panel():
    scenario = twin.load_scenario(
        SCENARIOS / "policy-sandbox.yaml", {"duration": "10d", "city.scale": 0.001}
    )
    result = twin.run(with_overrides(scenario, dict(scenario.variants["push"]), "push"))
    p = panels(result.figure())
    assert list(p) == ["Money paid", "From match to money"]
    assert "delivery push" in result.figure().get_suptitle()


def test_a_sensing_only_run_shows_no_money_panels():
    scenario = twin.load_scenario(
        SCENARIOS / "typhoon-flood.yaml", {"duration": "1d", "city.scale": 0.002}
    )
    p = panels(twin.run(scenario).figure())
    assert list(p) == ["Incidents (truth) and alerts"]
    assert p["Incidents (truth) and alerts"].get_ylim()[0] == 0


def test_a_run_of_a_week_or_more_bins_by_the_day():
    scenario = twin.load_scenario(SKELETON, {"duration": "8d", "city.scale": 0.0003})
    p = panels(twin.run(scenario).figure())
    assert p["Incidents (truth) and alerts"].get_ylabel() == "per day"


def test_the_comparison_figure_puts_the_variants_side_by_side_with_intervals():
    scenario = twin.load_scenario(
        SCENARIOS / "policy-sandbox.yaml", {"duration": "10d", "city.scale": 0.001}
    )
    rep = run_variants(scenario, replications=2).replicated()
    fig = comparison(rep)
    [ax] = fig.axes
    shares = [f for f in rep.figures if f.unit == "share"][:8]
    assert len(ax.patches) == len(shares) * len(rep.variants)  # a bar per indicator and variant
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["apply", "push", "auto"]
    assert ax.get_ylim()[0] == 0 and "%" in ax.get_ylabel()
    assert "2 replications, 95% intervals" in fig.get_suptitle()
    bars = [c for c in ax.containers if isinstance(c, BarContainer)]
    assert len(bars) == 3 and all(c.errorbar is not None for c in bars)  # intervals drawn
