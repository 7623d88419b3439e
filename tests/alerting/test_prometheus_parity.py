"""The promtool-format suite passes in parity mode, and the same files pass under promtool."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from alerting.rule_tests import expand, run_test_file
from alerting.templates import go_float
from twin.cli import main

SUITE = Path(__file__).parent / "promtool"
TEST_FILES = sorted(SUITE.glob("*-test.yml"))
ROOT = Path(__file__).resolve().parents[2]


def promtool() -> str | None:
    """promtool from PROMTOOL, the project's .tools folder (make test puts it there), or PATH."""
    for candidate in (
        os.environ.get("PROMTOOL"),
        ROOT / ".tools/promtool",
        shutil.which("promtool"),
    ):
        if candidate and Path(candidate).is_file():
            return str(candidate)
    return None


@pytest.mark.parametrize("path", TEST_FILES, ids=lambda p: p.stem)
def test_suite_passes_in_parity_mode(path):
    outcome = run_test_file(path)
    assert outcome.problems == [] and outcome.passed > 5


@pytest.mark.parametrize("path", TEST_FILES, ids=lambda p: p.stem)
def test_suite_passes_under_real_promtool(path):
    tool = promtool()
    if tool is None:
        if os.environ.get("CI"):
            pytest.fail("promtool is missing: `make test` installs it into .tools/")
        pytest.skip("promtool not installed (make test installs it into .tools/)")
    proc = subprocess.run(
        [tool, "test", "rules", path.name],
        cwd=path.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_wrong_expectation_fails_with_its_location(tmp_path, capsys):
    for f in SUITE.glob("*.yml"):
        shutil.copy(f, tmp_path / f.name)
    test = tmp_path / "gas-test.yml"
    test.write_text(test.read_text().replace("gas at 25 %LEL on d1", "gas at 26 %LEL on d1"))
    assert main(["rules", "test", str(test)]) == 2
    err = capsys.readouterr().err
    assert f"{test}:" in err and "alert GasHigh at 3m" in err and "26 %LEL" in err


def test_rule_files_are_checked_with_key_paths(tmp_path, capsys):
    bad = tmp_path / "rules.yml"
    bad.write_text(
        "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: rate(x[5m]) > 1\n"
    )
    assert main(["rules", "check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "groups[0].rules[0].expr" in err and "metric{label" in err
    assert (
        main(
            ["rules", "check", str(SUITE / "gas-rules.yml"), str(ROOT / "scenarios/rules/gas.yaml")]
        )
        == 0
    )


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("avg_over_time(x[0s]) > 1", "longer than 0s"),
        ("avg_over_time(x[5ms]) > 1", "a duration with a unit"),
        ("sum_over_time(x) > 1", "AGG_over_time"),
        ("count by (l) (x > 1) >= 99999999999", "k at most 100000"),
    ],
)
def test_bad_windows_and_counts_are_located_not_crashed(tmp_path, capsys, expr, message):
    bad = tmp_path / "rules.yml"
    bad.write_text(f"groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: {expr}\n")
    assert main(["rules", "check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "rules.yml:5" in err and message in err


def test_expanding_notation():
    assert expand("1+2x3 _x2 stale 5x1 10-5x2") == [1, 3, 5, 7, None, None, "stale", 5, 5, 10, 5, 0]


@pytest.mark.parametrize(
    "value, text",
    [
        (25.0, "25"),
        (0.5, "0.5"),
        (1e6, "1e+06"),
        (123456789.0, "1.23456789e+08"),
        (999999.0, "999999"),
        (1.2e-05, "1.2e-05"),
        (0.0001, "0.0001"),
        (-3.5, "-3.5"),
    ],
)
def test_values_print_as_go_prints_them(value, text):
    assert go_float(value) == text
