"""The results store survives interruption and damage: compaction never loses or doubles a
run, a damaged file is skipped and named (its run runs again), a query has a time budget."""

import shutil

import pytest

from tests.conftest import SCENARIOS
from twin.cli import main
from twin.experiments import store
from twin.experiments.sweep import run_sweep
from twin.experiments.sweep_file import load_sweep

SMOKE = SCENARIOS / "sweeps/smoke.yaml"


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    out = tmp_path_factory.mktemp("store")
    run_sweep(load_sweep(SMOKE), out, jobs=1)
    return out


@pytest.fixture
def copy(swept, tmp_path):
    shutil.copytree(swept, tmp_path / "s")
    return tmp_path / "s"


def test_a_compaction_killed_before_it_removed_the_files_counts_each_run_once(copy):
    before = store.read(copy)
    files = {p: p.read_bytes() for p in (copy / "runs").glob("*.parquet")}
    store.compact(copy)
    for p, data in files.items():  # as if killed between the rename and the removals
        p.write_bytes(data)
    assert store.read(copy).equals(before) and len(store.done(copy)) == 16


def test_a_run_written_while_compacting_is_kept(copy, monkeypatch):
    late = copy / "runs" / "late.parquet"
    real = store._read

    def read_then_a_sweep_writes(out):
        found = real(out)
        shutil.copy(next((copy / "runs").glob("*.parquet")), late)  # a sweep writes now
        return found

    monkeypatch.setattr(store, "_read", read_then_a_sweep_writes)
    store.compact(copy)
    assert late.exists()  # compaction removed only what it had folded


def test_damaged_files_are_skipped_named_and_run_again(copy, capsys):
    victim = sorted((copy / "runs").glob("*.parquet"))[0]
    victim.write_bytes(b"")  # an empty Parquet file
    (copy / "failed").mkdir(exist_ok=True)
    (copy / "failed" / "x.json").write_text('{"run": "x", "att')  # truncated
    frame = store.query(copy, "select count(*) as n from runs")
    assert frame["n"][0] == 15
    err = capsys.readouterr().err
    assert victim.name in err and "x.json" in err
    assert victim.stem not in store.done(copy)  # the resumed sweep runs it again


def test_the_commands_refuse_bad_sql_a_damaged_sweep_json_and_slow_queries(copy, capsys):
    assert main(["results", "query", str(copy), "  "]) == 2
    assert "no SQL given" in capsys.readouterr().err
    slow = "select count(*) from range(100000000000000)"
    assert main(["results", "query", str(copy), slow, "--timeout", "0.5"]) == 2
    assert "budget of 0.5 s" in capsys.readouterr().err
    (copy / "sweep.json").write_text('{"sweep": {"na')
    assert main(["results", "analyze", str(copy), "--output", "coverage"]) == 2
    assert "a damaged sweep.json" in capsys.readouterr().err
