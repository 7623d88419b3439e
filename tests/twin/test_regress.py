"""Regression scenarios: an exact snapshot that any change to the model breaks, and a
replicated level that tells a move beyond the model's noise from one within it."""

import json
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import agents.residents
from datafiles import UserError
from tests.conftest import SCENARIOS
from twin.cli import main
from twin.experiments.regression import load_suite, run_exact, run_statistical
from twin.experiments.regression.figures import SummaryFigure, outside_limits
from twin.experiments.regression.statistical import (
    MOVED,
    SAME,
    TOO_WIDE,
    UNIT,
    WITHIN,
    half_width,
    judge,
)


@pytest.fixture
def suite(write):
    write(
        "tiny.yaml",
        f"extends: {SCENARIOS / 'skeleton.yaml'}\nname: tiny\ncity: {{scale: 0.0003}}\n"
        "duration: 5d\nsensing: {enabled: false}\nlife: {enabled: false}\n",
    )
    return write(
        "suite.yaml",
        "seed: 3\nreplications: 10\ncases:\n"
        "  tiny:\n    scenario: tiny.yaml\n"
        "    tolerances: {metrics.coverage: 0.2, metrics.time_to_money_from_eligible_p50: 2d}\n",
    )


def test_the_exact_level_reproduces_its_snapshot_and_lists_what_a_changed_constant_moved(
    suite, monkeypatch, capsys
):
    s = load_suite(suite)
    assert run_exact(s)[0].missing
    assert main(["regress", "--suite", str(suite), "--quiet"]) == 1
    assert "run 'twin regress --update'" in capsys.readouterr().out
    assert run_exact(s, update=True)[0].ok
    assert run_exact(s)[0].ok and main(["regress", "--suite", str(suite), "--quiet"]) == 0
    snapshot = json.loads((suite.parent / "snapshots/tiny.json").read_text())["figures"]
    assert snapshot["metrics.coverage"]["unit"] == "share" and len(snapshot) > 20

    # a changed model constant: half the residents' bank accounts are invalid
    monkeypatch.setattr(agents.residents, "BANK_ACCOUNT_VALID", 0.5)
    result = run_exact(s)[0]
    moved = {c.figure: c for c in result.changes}
    assert not result.ok and "metrics.payout_rate" in moved
    change = moved["metrics.payout_rate"]
    assert change.new < change.old and change.difference == change.new - change.old
    junit = suite.parent / "regress.xml"
    assert main(["regress", "--suite", str(suite), "--quiet", "--junit", str(junit)]) == 1
    out = capsys.readouterr().out
    assert "tiny: " in out and "figures moved" in out and "metrics.payout_rate" in out
    case = ET.parse(junit).getroot().find("testsuite/testcase")
    assert case.get("name") == "tiny" and "metrics.payout_rate" in case.find("failure").text


def test_a_number_that_differs_in_its_last_bits_has_not_moved(suite):
    s = load_suite(suite)
    run_exact(s, update=True)
    file = suite.parent / "snapshots/tiny.json"
    data = json.loads(file.read_text())
    data["figures"]["metrics.coverage"]["value"] *= 1 + 1e-12
    file.write_text(json.dumps(data))
    assert run_exact(s)[0].ok
    data["figures"]["metrics.coverage"]["value"] *= 1 + 1e-6
    file.write_text(json.dumps(data))
    assert [c.figure for c in run_exact(s)[0].changes] == ["metrics.coverage"]


def test_the_statistical_level_tells_a_real_move_from_no_move(suite, monkeypatch, capsys):
    s = load_suite(suite)
    with pytest.raises(UserError, match="no replicated baseline"):
        run_statistical(s)
    recorded = run_statistical(s, update=True)[0]
    assert recorded.ok and {k.status for k in recorded.kpis} == {SAME}
    assert main(["regress", "--suite", str(suite), "--replications", "--quiet"]) == 0
    capsys.readouterr()
    monkeypatch.setattr(agents.residents, "BANK_ACCOUNT_VALID", 0.3)
    coverage = run_statistical(s)[0].kpis[0]
    assert coverage.kpi == "metrics.coverage" and coverage.status == MOVED
    assert coverage.now < coverage.baseline
    assert main(["regress", "--suite", str(suite), "--replications", "--quiet"]) == 1
    out = capsys.readouterr().out
    assert "metrics.coverage" in out and "moved beyond noise" in out and "FAIL" in out
    monkeypatch.undo()
    file = suite.parent / "baselines/tiny.json"
    data = json.loads(file.read_text())
    data["kpis"]["metrics.coverage"]["unit"] = "percent"
    file.write_text(json.dumps(data))
    assert run_statistical(s)[0].kpis[0].status == UNIT


def test_a_tolerance_narrower_than_the_band_asks_for_more_replications(suite):
    text = suite.read_text().replace("metrics.coverage: 0.2", "metrics.coverage: 0.001")
    suite.write_text(text)
    kpi = run_statistical(load_suite(suite), update=True)[0].kpis[0]
    assert kpi.status == TOO_WIDE and not kpi.ok
    assert kpi.replications_needed == int(np.ceil(10 * (kpi.band / 0.001) ** 2))


def test_judging_paired_replications_by_hand():
    base = [0.50, 0.52, 0.48, 0.51, 0.49, 0.50, 0.53, 0.47, 0.50, 0.50]
    assert judge(base, base, 0.1, 0.99)[0] == SAME
    # a constant shift has no spread and is a move, however small
    assert judge(base, [b + 0.001 for b in base], 0.1, 0.99)[0] == MOVED
    # differences +-0.01 alternating: mean 0, so within noise
    wobble = [b + (0.01 if i % 2 else -0.01) for i, b in enumerate(base)]
    status, band, noise = judge(base, wobble, 0.1, 0.99)
    assert status == WITHIN and noise == pytest.approx(3.2498 * 0.0105409 / np.sqrt(10), 1e-3)
    # t(0.995, 9) = 3.2498; sd of base = 0.017638 -> half-width 0.018127; the band is the
    # noise of a change that reshuffles every draw: sqrt(2) times that
    assert half_width(np.array(base), 0.99) == pytest.approx(0.018127, abs=1e-5)
    assert band == pytest.approx(np.sqrt(2) * 0.018127, abs=1e-5)
    assert judge(base, base, 0.02, 0.99)[0] == TOO_WIDE
    # absent figures (None, NaN) are compared where they exist on both sides
    assert judge([None] * 2, [None] * 2, 1, 0.99)[0] == SAME
    assert judge([None, 1.0], [None, 2.0], 1, 0.99)[0] == MOVED
    assert judge([None, *base], [float("nan"), *base], 1, 0.99)[0] == SAME
    assert judge([None, *base], [0.5, *base], 1, 0.99)[0] == MOVED


def test_physical_limits():
    figures = {
        "metrics.coverage": SummaryFigure(1.2, "share"),
        "metrics.time_to_money_from_eligible_p50": SummaryFigure(-5.0, "s"),
        "metrics.paid": SummaryFigure(-1, "entities"),
        "metrics.amount_paid": SummaryFigure(float("nan"), "yuan"),
        "metrics.fairness": SummaryFigure(None, "share"),
        "scenario": SummaryFigure("tiny", None),
        "metrics.payout_rate": SummaryFigure(1.0, "share"),
    }
    assert outside_limits(figures) == [
        "metrics.coverage = 1.2 is a share outside [0, 1]",
        "metrics.time_to_money_from_eligible_p50 = -5 s is negative",
        "metrics.paid = -1 entities is negative",
        "metrics.amount_paid = nan is not a finite number",
    ]


def test_a_suite_needs_ten_replications_and_tolerances(write):
    bad = write("suite.yaml", "seed: 1\nreplications: 3\ncases:\n  a: {scenario: x.yaml}\n")
    with pytest.raises(UserError) as info:
        load_suite(bad)
    text = str(info.value)
    assert "suite.yaml:2" in text and "replications" in text and "tolerances" in text
