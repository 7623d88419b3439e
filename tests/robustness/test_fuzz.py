"""Mutants of every shipped file kind - keys dropped, values of the wrong type, bad scalars,
extreme numbers, dates that do not exist, huge lists - through the command that reads them:
each ends in success or exit 2 naming the file, without a traceback, in a few seconds, and
writes nothing outside its folder (docs/robustness.md)."""

from __future__ import annotations

import copy
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT, SCENARIOS
from twin.cli import main

PROMTOOL = ROOT / "tests" / "alerting" / "promtool"
# (shipped file, the command that reads it: {file} is the mutant, {dir} its folder)
KINDS = {
    "scenario": (SCENARIOS / "skeleton.yaml", ["validate", "{file}"]),
    "policy": (
        SCENARIOS / "policies" / "elderly-care-allowance.yaml",
        ["policy", "check", "{file}", "--fields", str(SCENARIOS / "fields")],
    ),
    "rules": (SCENARIOS / "rules" / "city.yaml", ["rules", "check", "{file}"]),
    "routing": (SCENARIOS / "rules" / "routing.yaml", ["rules", "check", "{file}"]),
    "rule test": (PROMTOOL / "edge-test.yml", ["rules", "test", "{file}"]),
    "sweep": (
        SCENARIOS / "sweeps" / "smoke.yaml",
        ["sweep", "{file}", "--out", "{dir}/store", "-j", "1", "--quiet"],
    ),
}
BAD = st.sampled_from(
    [-1, 0, 10**30, -(10**30), 1e308, "", "x" * 300, [], {}, None, True, "2022-02-30",
     ".inf", "-1s", "0s", "99999999999w", "25:99", "../../etc/passwd", [1, 2, 3] * 400,
     {"nested": {"deeper": {"deepest": []}}}]
)  # fmt: skip
SECONDS = 10


def _absolute(value: Any, base: Path) -> Any:
    """Paths in the shipped file made absolute, so the mutant reads the same files from tmp."""
    if isinstance(value, dict):
        return {k: _absolute(v, base) for k, v in value.items()}
    if isinstance(value, list):
        return [_absolute(v, base) for v in value]
    looks = isinstance(value, str) and value.endswith((".yaml", ".yml", ".csv", ".parquet"))
    if looks and not value.startswith("/") and (base / value).exists():
        return str((base / value).resolve())
    return value


def _paths(data: Any, prefix: tuple = ()) -> list[tuple]:
    """Every key path of the data, to pick one to mutate."""
    out = [prefix] if prefix else []
    if isinstance(data, dict):
        for k, v in data.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(data, list):
        for i, v in enumerate(data[:5]):
            out += _paths(v, (*prefix, i))
    return out


def _mutate(data: Any, path: tuple, how: str, value: Any) -> Any:
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if how == "drop" and isinstance(parent, dict):
        del parent[last]
    elif how == "wrap":
        parent[last] = [parent[last]]
    else:
        parent[last] = value
    return data


@pytest.mark.parametrize("kind", list(KINDS))
@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_a_mutant_is_read_or_refused_with_its_file_named(kind, data, tmp_path_factory, capsys):
    shipped, command = KINDS[kind]
    original = _absolute(yaml.safe_load(shipped.read_text()), shipped.parent)
    mutant = original
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        paths = _paths(mutant)
        if not paths:
            break
        path = data.draw(st.sampled_from(paths), label="key path")
        how = data.draw(st.sampled_from(["drop", "wrap", "value"]), label="mutation")
        mutant = _mutate(mutant, path, how, copy.deepcopy(data.draw(BAD, label="value")))
    folder = tmp_path_factory.mktemp("fuzz") / "mutant"
    folder.mkdir()
    if kind == "rule test":  # its rule files beside it: a rule test reads only its own tree
        for name in yaml.safe_load(shipped.read_text())["rule_files"]:
            shutil.copy(PROMTOOL / name, folder / name)
    file = folder / shipped.name
    file.write_text(yaml.safe_dump(mutant, allow_unicode=True), encoding="utf-8")
    if kind == "sweep" and _loads_sweep(file):
        return  # a valid sweep would run for minutes; its loading is what is fuzzed
    args = [a.format(file=file, dir=folder) for a in command]
    capsys.readouterr()
    started = time.perf_counter()
    code = main(args)
    took = time.perf_counter() - started
    err = capsys.readouterr().err
    assert code in (0, 2), (code, err)
    assert took < SECONDS, f"{took:.1f} s"
    assert "Traceback" not in err
    if code == 2:
        assert "error:" in err and ("/" in err or "--" in err), err  # a file or option named
    beside = [p.name for p in folder.parent.iterdir()]
    assert beside == ["mutant"], beside  # nothing written or half-written beside the folder


def _loads_sweep(file: Path) -> bool:
    """Load a sweep mutant: a located error or a sweep, nothing else."""
    import twin
    from datafiles import UserError

    try:
        twin.load_sweep(file)
    except UserError as exc:
        assert "error:" in str(exc)
        return False
    return True
