"""The shipped calibration's quick mode, end to end through the CLI: waves, the out-of-sample
check, the checks at the central values, the files; a second call resumes without a run and
gives the same answer (docs/calibration.md)."""

import json

import numpy as np
import pyarrow.parquet as pq
import pytest

from tests.conftest import SCENARIOS
from twin.calibration.calibrate import Fit, central_checks
from twin.cli import main

SHIPPED = SCENARIOS / "calibration" / "history.yaml"
REFOCUSED = SCENARIOS / "calibration" / "history-refocused.yaml"


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    out = tmp_path_factory.mktemp("calibration") / "history-quick"
    code = main(["calibrate", str(SHIPPED), "--quick", "--out", str(out), "-j", "1", "--quiet"])
    return code, out


def test_the_quick_calibration_runs_every_stage_and_writes_its_files(quick):
    code, out = quick
    assert code == 0  # a fit within the quick mode's 30% tolerances
    for name in ("calibration.md", "calibration.json", "posterior.parquet", "calibration.png"):
        assert (out / name).stat().st_size > 0
    s = json.loads((out / "calibration.json").read_text())
    # one wave of 8 on four figures, the held-out check, one wave on all five, two of 2 at
    # twice the scale, each checked at its central values, the final checks at that scale
    waves = [(w["runs"], w["scale"]) for w in s["waves"]]
    assert waves == [(8, 0.0005), (8, 0.0005), (2, 0.001), (2, 0.001)]
    assert s["waves"][0]["targets"] == [t for t in s["targets"] if t != "persons_paid"]
    assert s["runs"] == 8 + 1 + 8 + (2 + 1) + (2 + 1) + 2 and s["check_scale"] == 0.001
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == [
        "central-after-wave-3-at-0.001",  # the first refined wave's check, learnt from
        "central-after-wave-4-at-0.001",
        "holdout",
        "predictive-after-wave-4-at-0.001",
        "wave-1",
        "wave-2",
        "wave-3-at-0.001",
        "wave-4-at-0.001",
    ]
    assert s["holdout"]["figure"] == "persons_paid" and s["holdout"]["found"]
    assert s["targets"]["policies_online"]["central_runs"] == [100.0]  # the catalogue's own
    for name, p in s["parameters"].items():
        low, high = p["prior"]
        assert low <= p["q05"] <= p["q50"] <= p["q95"] <= high, name
    posterior = pq.read_table(out / "posterior.parquet")
    assert posterior.num_rows >= 1 and "implausibility" in posterior.column_names
    assert max(posterior["implausibility"].to_pylist()) <= 3.0
    md = (out / "calibration.md").read_text()
    assert "## Out of sample" in md and "Emulator validation" in md and "e+" not in md


def test_a_second_call_resumes_every_stage_and_finds_the_same(quick, capsys):
    code, out = quick
    before = json.loads((out / "calibration.json").read_text())
    stamps = {p: p.stat().st_mtime_ns for p in out.glob("*/runs/*.parquet")}
    assert main(["calibrate", str(SHIPPED), "--quick", "--out", str(out), "-j", "1"]) == code
    after = json.loads((out / "calibration.json").read_text())
    assert {p: p.stat().st_mtime_ns for p in out.glob("*/runs/*.parquet")} == stamps
    before.pop("seconds"), after.pop("seconds")
    assert after == before


def test_the_refocused_stage_runs_without_a_held_out_figure_and_checks_twice(tmp_path):
    """The second stage holds nothing out and refines nothing: its wave, a check at the
    central values, the fit refitted with that check's run and checked again, at its scale."""
    out = tmp_path / "refocused-quick"
    assert main(["calibrate", str(REFOCUSED), "--quick", "--out", str(out), "-j", "1",
                 "--quiet"]) in (0, 1)  # fmt: skip
    s = json.loads((out / "calibration.json").read_text())
    assert s["holdout"] is None and [w["runs"] for w in s["waves"]] == [8]
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == [
        "central-after-wave-1",
        "central-after-wave-1-check-2",
        "predictive-after-wave-1",
        "wave-1",
    ]
    assert s["runs"] == 8 + 1 + 1 + 2  # the first check's run joined the emulators' runs
    second = pq.read_table(out / "central-after-wave-1-check-2" / "runs").to_pylist()
    scale = 0.0005  # runs are stored at the city's scale, the summary at Ningbo's
    assert s["targets"]["visits"]["central_runs"] == [pytest.approx(second[0]["visits"] / scale)]
    first = pq.read_table(out / "central-after-wave-1" / "runs").to_pylist()
    assert first[0]["param:visits.per_query"] != second[0]["param:visits.per_query"]
    assert "## Out of sample" not in (out / "calibration.md").read_text()


def _fit(points: int) -> Fit:
    return Fit([], {}, np.zeros((points, 2)), np.zeros(points), 1.0)


def test_a_check_whose_refit_rules_out_every_value_is_counted_once():
    """Two checks, and the refit after the first rules out every value: that check's runs
    are among the fit's runs and not also the report's central runs."""
    runs, fit, central = central_checks(
        2, ["wave"], _fit(3), run_check=lambda f, n: [f"check {n}"], refit=lambda r, n: _fit(0)
    )
    assert runs == ["wave", "check 1"] and central is None and not len(fit.pool)


def test_the_last_check_is_reported_and_the_earlier_ones_fitted():
    runs, _, central = central_checks(
        3, ["wave"], _fit(3), run_check=lambda f, n: [f"check {n}"], refit=lambda r, n: _fit(3)
    )
    assert runs == ["wave", "check 1", "check 2"] and central == ["check 3"]
