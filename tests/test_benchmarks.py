"""Every benchmark runs alone in quick mode and speaks the JSON convention."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = sorted(
    p
    for p in (Path(__file__).resolve().parent.parent / "benchmarks").glob("*.py")
    if not p.name.startswith("_")
)


@pytest.mark.parametrize("path", BENCHMARKS, ids=lambda p: p.stem)
def test_benchmark_quick_json(path):
    proc = subprocess.run(
        [sys.executable, str(path), "--quick", "--json"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    figures = json.loads(proc.stdout)
    assert figures and isinstance(figures, list)
    for f in figures:
        assert set(f) == {"figure", "value", "unit", "baseline", "ratio"}
        assert isinstance(f["value"], int | float) and f["unit"]
        assert (f["baseline"] is None) == (f["ratio"] is None)
