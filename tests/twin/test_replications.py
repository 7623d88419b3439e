"""Replications of a comparison: intervals, paired differences, seeds, files and the table."""

import json
import math

import numpy as np
import pyarrow.parquet as pq
import pytest
from scipy import stats

import twin
from tests.conftest import SCENARIOS
from twin.cli import main
from twin.runs.compare import run_variants, with_overrides
from twin.runs.intervals import Estimate, mean_interval, paired_difference, unpaired_difference
from twin.runs.readable import readable, readable_difference, readable_estimate
from twin.runs.replications import Figure, Replicated, replication_seed

POLICIES = SCENARIOS / "regression" / "policies.yaml"
T_975_2 = 4.302653  # Student t, 97.5% quantile, 2 degrees of freedom (from a table)
T_975_1 = 12.706205  # ... 1 degree of freedom
TINY = {"duration": "7d"}
VARIANTS = {"variants": {"quiet": {}, "loud": {"behaviour.media_per_day": 0.05}}}


# -- statistics, on hand-computed numbers ----------------------------------------------------


def test_a_figure_that_cannot_be_negative_has_no_negative_interval():
    skewed = [0.0, 0.0, 30.0]  # a time to money over three runs
    assert mean_interval(skewed).low < 0
    cut = mean_interval(skewed, figure=True)
    assert cut.low == 0.0 and cut.high == mean_interval(skewed).high
    assert mean_interval([-1.0, 0.0, 30.0], figure=True).low < 0  # a signed figure is not cut
    assert paired_difference([0.0, 0.0, 0.0], [0.0, 0.0, 30.0]).low < 0  # nor a difference


def test_a_mean_interval_is_t_times_sd_over_root_n():
    est = mean_interval([1, 2, 3])  # sd 1
    h = T_975_2 * 1 / math.sqrt(3)
    assert (est.n, est.mean) == (3, 2.0)
    assert est.low == pytest.approx(2 - h, abs=1e-5) and est.high == pytest.approx(2 + h, abs=1e-5)


def test_the_confidence_level_is_a_parameter():
    wide, narrow = mean_interval([1, 2, 3], 0.99), mean_interval([1, 2, 3], 0.8)
    assert wide.high - wide.low > narrow.high - narrow.low


def test_a_paired_difference_is_the_interval_of_the_differences():
    d = paired_difference([1, 2, 3], [2, 4, 5])  # differences 1, 2, 2: mean 5/3, sd sqrt(1/3)
    h = T_975_2 * math.sqrt(1 / 3) / math.sqrt(3)
    assert d.n == 3 and d.mean == pytest.approx(5 / 3)
    assert (d.low, d.high) == pytest.approx((5 / 3 - h, 5 / 3 + h), abs=1e-5)
    assert d.covers_zero is False


def test_pairing_is_tighter_than_comparing_two_means_when_the_runs_move_together():
    rng = np.random.default_rng(1)
    shared = rng.normal(100, 10, 10)  # what both variants draw alike
    base, other = shared, shared + 2 + rng.normal(0, 0.5, 10)
    paired = paired_difference(list(base), list(other))
    unpaired = stats.ttest_ind(other, base).confidence_interval(0.95)
    assert paired.high - paired.low < (unpaired.high - unpaired.low) / 5
    assert paired.covers_zero is False and unpaired.low < 0 < unpaired.high


def test_runs_that_share_nothing_are_compared_by_welchs_interval():
    d = unpaired_difference([1, 2, 3], [2, 4, 6])  # means 2 and 4, variances 1 and 4
    se, df = math.sqrt(1 / 3 + 4 / 3), 50 / 17  # Welch-Satterthwaite: (5/3)^2 / (17/18)
    h = stats.t.ppf(0.975, df) * se
    assert d.mean == 2.0 and (d.low, d.high) == pytest.approx((2 - h, 2 + h))
    assert unpaired_difference([1, 1], [3, 3]) == Estimate(2, 2.0, 2.0, 2.0)
    assert unpaired_difference([1, None], [2, 3]) == Estimate(1, 1.5)  # one value: no interval


def test_undefined_values_are_left_out_and_pairs_need_both():
    assert mean_interval([1.0, None, 3.0]) == mean_interval([1.0, 3.0])
    assert mean_interval([None, None]) == Estimate(0, None)
    assert mean_interval([5, None]) == Estimate(1, 5.0)  # one value: no interval
    d = paired_difference([1, None, 3, 4], [2, 5, None, 6])  # pairs (1, 2) and (4, 6)
    h = T_975_1 * math.sqrt(0.5) / math.sqrt(2)
    assert (d.n, d.mean) == (2, 1.5)
    assert d.high == pytest.approx(1.5 + h, abs=1e-5) and d.covers_zero is True
    assert paired_difference([1, None], [None, 2]).covers_zero is None
    with pytest.raises(ValueError, match="as many replications"):
        paired_difference([1, 2], [1])


# -- figures in a planner's units ------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (0.254, "share", "25.4%"),
        (0.0096, "share", "0.96%"),
        (8.2 * 86_400, "s", "8.2 d"),
        (3.5 * 3_600, "s", "3.5 h"),
        (12 * 60, "s", "12 min"),
        (45.0, "s", "45 s"),
        (0.0, "h", "0 h"),
        (31_900.0, "yuan", "31,900 yuan"),
        (17_910_000.0, "yuan", "1,791.0 万元"),
        (1234, "calls", "1,234"),
        (1.9e-05, "alerts per 1,000 device-days", "0.000019"),
        (None, "share", "-"),
    ],
)
def test_values_read_in_real_units_never_in_scientific_notation(value, unit, text):
    assert readable(value, unit) == text


def test_intervals_and_differences_read_in_one_scale():
    assert readable_estimate(Estimate(3, 0.254, 0.231, 0.277), "share") == "25.4% [23.1, 27.7]"
    assert readable_estimate(Estimate(1, 7200.0), "s") == "2.0 h"
    assert readable_estimate(Estimate(3, 0.99, 0.97, 1.013), "share") == "99.0% [97.0, 100.0]"
    d = Estimate(3, 0.032, 0.010, 0.054)
    assert readable_difference(d, "share") == "+3.2 pp [1.0, 5.4]"
    d = Estimate(3, -2.1 * 86_400, -2.5 * 86_400, -1.7 * 86_400)
    assert readable_difference(d, "s") == "-2.1 d [-2.5, -1.7]"


def test_the_table_marks_differences_that_cover_zero_and_figures_a_run_left_undefined():
    figures = [
        Figure("clear", "share", {"a": [0.5, 0.6, 0.7], "b": [0.6, 0.71, 0.79]}),
        Figure("unclear", "share", {"a": [0.5, 0.6, 0.7], "b": [0.6, 0.5, 0.8]}),
        Figure("same", "s", {"a": [60.0, 90.0, 120.0], "b": [60.0, 90.0, 120.0]}),
        Figure("gaps", "yuan", {"a": [1000, None, 3000], "b": [1100, 2000, None]}),
    ]
    seeds = (1, 2, 3)
    table = Replicated("t", figures, seeds, {"a": seeds, "b": seeds}, 0.95).table()
    lines = table.splitlines()[6:]  # after the heading (3 lines), a blank line, header, rule
    cells = dict(zip([f.label for f in figures], lines[0::2], strict=True))
    diffs = dict(zip([f.label for f in figures], lines[1::2], strict=True))
    assert "60.0% [35.2, 84.8]" in cells["clear"]  # sd 10 pp: 60 ± 4.303 * 10 / sqrt(3)
    assert diffs["clear"].endswith("+10.0 pp [7.5, 12.5]")  # sd 1 pp: 10 ± 4.303 / sqrt(3)
    assert diffs["unclear"].endswith("≈") and diffs["same"].endswith("identical")
    assert "2,000 yuan [0, 14,706] (n=2)" in cells["gaps"]  # money: cut at 0, not -10,706
    assert diffs["gaps"].endswith("+100 yuan (n=1)")  # one pair: no interval


# -- replicated runs -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def days_run():
    """(variant, day) as each run reports its days: what drives the progress bar."""
    return []


@pytest.fixture(scope="module")
def replicated(days_run):
    scenario = twin.load_scenario(POLICIES, {**TINY, **VARIANTS})
    return run_variants(scenario, replications=3, on_day=lambda v, n: days_run.append((v, n)))


def test_every_variant_reports_its_days_in_every_replication(replicated, days_run):
    assert len(days_run) == 2 * 3 * replicated.scenario.days
    assert days_run.count(("loud", days_run[0][1])) == 3


def test_replication_seeds_differ_and_every_variant_shares_them(replicated):
    seeds = {v: [s["seed"] for s in ss] for v, ss in replicated.summaries.items()}
    assert seeds["quiet"] == seeds["loud"] == list(replicated.seeds)
    assert len(set(seeds["quiet"])) == 3
    assert replicated.seeds[0] == replicated.scenario.seed  # replication 0: the scenario's own
    assert replicated.seeds[1] == replication_seed(replicated.scenario.seed, 1)


def test_replication_zero_is_the_single_run_exactly(replicated):
    scenario = replicated.scenario
    single = twin.run(with_overrides(scenario, scenario.variants["loud"], "loud"))
    assert json.dumps(replicated.results["loud"].summary) == json.dumps(single.summary)
    one = run_variants(scenario, replications=1)
    assert json.dumps(one.summaries["loud"]) == json.dumps([single.summary])
    assert "[" not in one.table() and "N = 1" in one.table()


def test_the_table_states_n_and_the_confidence_and_gives_intervals(replicated):
    table = replicated.table()
    assert (
        "N = 3 replications, each with every variant at the same seed" in table
        and "95% confidence interval" in table
    )
    assert "Δ vs quiet" in table and "identical" in table  # sme-relief: media do not matter
    row = next(line for line in table.splitlines() if "sme-relief: coverage" in line)
    assert row.count("%") == 2 and row.count("[") == 2


def test_the_run_folder_holds_replication_zero_and_every_replication(replicated, tmp_path):
    out = replicated.write(tmp_path / "rep")
    assert {p.name for p in out.iterdir()} == {
        "quiet",
        "loud",
        "comparison.json",
        "replications.parquet",
        "comparison.png",
        "variants.yaml",
        "manifest.json",
    }
    again = Replicated.read(out)  # what a report reads back: the same figures, in order
    assert again.variants == replicated.replicated().variants
    assert again.cells() == replicated.replicated().cells()
    tidy = pq.read_table(out / "replications.parquet").to_pylist()
    figures = {row["figure"] for row in tidy}
    assert len(tidy) == len(figures) * 2 * 3
    coverage = [r for r in tidy if r["figure"] == "sme-relief: coverage" and r["variant"] == "loud"]
    assert [r["seed"] for r in coverage] == list(replicated.seeds)
    assert {r["unit"] for r in coverage} == {"share"}
    data = json.loads((out / "comparison.json").read_text())
    assert (data["replications"], data["confidence"], data["baseline"]) == (3, 0.95, "quiet")
    loud = data["figures"]["sme-relief: coverage"]["variants"]["loud"]
    values = [r["value"] for r in coverage]
    assert loud["n"] == 3 and loud["mean"] == pytest.approx(sum(values) / 3)
    assert loud["low"] < loud["mean"] < loud["high"]
    assert set(loud["difference"]) == {"n", "mean", "low", "high", "covers_zero"}
    assert "difference" not in data["figures"]["sme-relief: coverage"]["variants"]["quiet"]


def test_a_figure_missing_from_a_summary_shows_as_a_dash(replicated, monkeypatch):
    monkeypatch.setattr("twin.runs.compare.RUN_WIDE", ("calls", "no_such_figure"))
    assert ("no_such_figure", [None, None]) in replicated.rows()
    row = next(line for line in replicated.table().splitlines() if "no_such_figure" in line)
    assert row.split()[-1] == "-"


# -- the command -----------------------------------------------------------------------------


def test_twin_run_replicates_a_scenario_and_prints_intervals(tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["run", str(POLICIES), "--set", "duration=7d", "--replications", "2", "--quiet"]
    assert main([*argv, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "N = 2 replications" in printed and "95%" in printed and "% [" in printed
    assert (out / "regression-policies" / "summary.json").exists()
    recorded = (out / "regression-policies" / "scenario.yaml").read_text()
    assert "replications" not in recorded  # not a parameter of one run
    assert (out / "replications.parquet").exists()


@pytest.mark.parametrize("n", ["0", "-1", "two", "1.5"])
def test_a_bad_number_of_replications_is_a_usage_error(n, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["run", str(POLICIES), "--replications", n])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "at least 1" in err and "hint" in err


def test_replications_in_the_scenario_file_are_checked(capsys):
    assert main(["run", str(POLICIES), "--set", "replications=0"]) == 2
    assert "replications" in capsys.readouterr().err
