"""The benchmark gate: ratios below their floors fail, named, and a real slowdown trips it."""

import subprocess
import sys

from tests.conftest import ROOT
from twin.bench import check as bench_check
from twin.bench.check import Floor, Verdict, load_floors, measure, verdicts
from twin.bench.convention import Figure

FLOORS = ROOT / "benchmarks/floors.yaml"


def test_a_ratio_below_its_floor_fails_naming_figure_value_and_floor():
    floors = {"tick_ms": Floor(floor=200, measured="x"), "gone": Floor(floor=1, measured="x")}
    figures = [
        Figure("tick_ms", 10.0, "ms", 1500.0, 150.0),
        Figure("new_ms", 1.0, "ms", 2.0, 2.0),
        Figure("devices", 5.0, "count"),
    ]
    got = {v.figure: v for v in verdicts("alerting", figures, floors)}
    assert set(got) == {"tick_ms", "new_ms", "gone"}  # figures without ratios are not judged
    assert not got["tick_ms"].ok
    assert got["tick_ms"].line() == (
        "FAIL  alerting/tick_ms" + " " * 24 + " ratio 150 against floor 200"
    )
    assert not got["new_ms"].ok and "has no floor" in got["new_ms"].line()
    assert not got["gone"].ok and "not reported" in got["gone"].line()
    assert Verdict("a", "b", 200.0, 200.0).ok  # the floor itself passes


def test_every_floor_is_set_with_what_was_measured():
    floors = load_floors(FLOORS)
    benchmarks = {p.stem for p in (ROOT / "benchmarks").glob("*.py")}
    assert set(floors) <= benchmarks
    assert all(f.measured for figures in floors.values() for f in figures.values())


def test_a_bad_floors_file_is_a_located_error(tmp_path, capsys):
    bad = tmp_path / "floors.yaml"
    bad.write_text("alerting:\n  tick_ms: {floor: -1, measured: today}\n")
    assert bench_check.main(["--floors", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "floors.yaml:2" in err and "alerting.tick_ms.floor" in err


def test_the_engine_slowed_on_purpose_fails_the_gate(tmp_path):
    """A sort over the whole fleet on every tick - the cause of a 14x slowdown once - brings
    the alerting ratios far below their floors. A stable argsort: numpy's vectorised float sort
    takes 2 ms for 200k values on a machine with AVX2, too little to stand for that slowdown."""
    bench = ROOT / "benchmarks/alerting.py"
    slowed = tmp_path / "slowed.py"
    slowed.write_text(
        "import runpy, sys\n"
        "import numpy as np\n"
        "import alerting.engine as engine\n"
        "fast = engine.AlertEngine._candidates\n"
        "def slow(self, vs, pos):\n"
        "    np.argsort(self.last_value, kind='stable')\n"
        "    return fast(self, vs, pos)\n"
        "engine.AlertEngine._candidates = slow\n"
        f"sys.argv = [{str(bench)!r}, '--quick', '--json']\n"
        f"runpy.run_path({str(bench)!r}, run_name='__main__')\n"
    )
    figures = measure(bench, [sys.executable, str(slowed)])
    got = {v.figure: v for v in verdicts("alerting", figures, load_floors(FLOORS)["alerting"])}
    assert not got["tick_ms"].ok and not got["tick_some_silent_ms"].ok


def test_the_gate_runs_as_a_command_and_exits_nonzero_on_failure(tmp_path):
    floors = tmp_path / "benchmarks/floors.yaml"
    floors.parent.mkdir()
    (floors.parent / "alerting.py").write_text((ROOT / "benchmarks/alerting.py").read_text())
    floors.write_text("alerting:\n  tick_ms: {floor: 1.0e+9, measured: impossible}\n")
    proc = subprocess.run(
        [sys.executable, "-m", "twin.bench.check", "--floors", str(floors)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 1
    assert "FAIL  alerting/tick_ms" in proc.stdout and "floor 1e+09" in proc.stdout
    assert "alerting/tick_some_silent_ms" in proc.stdout and "has no floor" in proc.stdout
