"""Regression baselines: recorded from replications, reproduced exactly, and a move is shown."""

import json

import pytest

from datafiles import UserError
from tests.conftest import SCENARIOS
from twin.cli import main
from twin.regress import run_suite


@pytest.fixture
def suite(write):
    write(
        "tiny.yaml",
        f"extends: {SCENARIOS / 'skeleton.yaml'}\nname: tiny\ncity: {{scale: 0.0003}}\n"
        "duration: 5d\nsensing: {enabled: false}\nlife: {enabled: false}\n",
    )
    return write(
        "suite.yaml",
        "seed: 3\nreplications: 2\ncases:\n  tiny: {scenario: tiny.yaml, kpis: [coverage, paid]}\n",
    )


def test_a_recorded_baseline_is_reproduced_and_a_move_is_reported(suite, capsys):
    with pytest.raises(UserError, match="no baseline"):
        run_suite(suite)
    rows = run_suite(suite, update=True)
    assert all(r.ok for r in rows) and {r.kpi for r in rows} == {"coverage", "paid"}
    assert all(r.ok and r.now == r.baseline for r in run_suite(suite))
    file = suite.parent / "baselines/tiny.json"
    data = json.loads(file.read_text())
    data["kpis"]["coverage"].update(mean=0.1, low=0.05, high=0.15)  # as if the model changed
    file.write_text(json.dumps(data))
    assert main(["regress", "--suite", str(suite)]) == 1
    out = capsys.readouterr().out
    assert "MOVED" in out and "coverage" in out and "1 of 2 figures moved" in out
