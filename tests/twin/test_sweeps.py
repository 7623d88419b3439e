"""Sweeps: designs, seeds, bad input before any run, the store, 1 vs N workers, kill and
resume, retries."""

import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import twin.runs.runner
from datafiles import UserError
from tests.conftest import SCENARIOS
from twin.experiments import store
from twin.experiments.designs import points, run_seed
from twin.experiments.sweep import plan, run_sweep
from twin.experiments.sweep_file import load_sweep

SMOKE = SCENARIOS / "sweeps/smoke.yaml"


def sweep_file(write, design: str, parameters: str, extra: str = "") -> Path:
    return write(
        "sweep.yaml",
        f"""name: t
scenario: {SCENARIOS / "skeleton.yaml"}
base: {{city.scale: 0.0003, duration: 3d, sensing.enabled: false, life.enabled: false}}
seed: 11
design: {design}
parameters: {parameters}
outputs: [coverage]
{extra}""",
    )


def files(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((out / "runs").glob("*.parquet"))}


def test_the_smoke_sweep_plans_sixteen_runs_with_common_random_numbers():
    runs = plan(load_sweep(SMOKE))
    assert len(runs) == 16 and len({r.key for r in runs}) == 16
    by_rep = {}
    for r in runs:
        by_rep.setdefault(r.replication, set()).add(r.seed)
    assert all(len(s) == 1 for s in by_rep.values())  # replication r: one seed for every point
    assert len({s for v in by_rep.values() for s in v}) == 2
    assert run_seed(11, 0) == run_seed(11, 0) != run_seed(11, 1)


@pytest.mark.parametrize(
    ("kind", "count"), [("lhs", 6), ("sobol", 8 * (2 + 2)), ("morris", 3 * (2 + 1))]
)
def test_sampling_designs_are_seeded_and_within_their_ranges(write, kind, count):
    samples = {"lhs": 6, "sobol": 8, "morris": 3}[kind]
    path = sweep_file(
        write,
        f"{{kind: {kind}, samples: {samples}}}",
        "{behaviour.media_per_day: {range: [0.001, 0.05]},"
        " libraries.person.missing: {range: [0, 0.3]}}",
    )
    spec = load_sweep(path)
    first, again = points(spec), points(spec)
    assert first == again and len(first) == count
    media = np.array([p["behaviour.media_per_day"] for p in first])
    assert media.min() >= 0.001 and media.max() <= 0.05


@pytest.mark.parametrize(
    ("design", "parameters", "key"),
    [
        (
            "{kind: factorial}",
            "{behaviour.no_such_key: {levels: [1, 2]}}",
            "parameters.behaviour.no_such_key",
        ),
        ("{kind: lhs}", "{treasury.route: {range: [0, 1]}}", "parameters.treasury.route"),
        ("{kind: factorial}", "{city.scale: {range: [0.001, 0.002]}}", "parameters.city.scale"),
        ("{kind: list}", "{}", "design.points"),
        ("{kind: factorial}", "{city.scale: {levels: []}}", "parameters.city.scale"),
    ],
)
def test_bad_sweeps_fail_before_any_run_naming_the_key(write, tmp_path, design, parameters, key):
    path = sweep_file(write, design, parameters)
    with pytest.raises(UserError) as info:
        run_sweep(load_sweep(path), tmp_path / "out")
    assert any(p.key and p.key.startswith(key) for p in info.value.problems), info.value
    assert not (tmp_path / "out" / "runs").exists()


def test_one_or_two_workers_give_byte_identical_stores(tmp_path):
    spec = load_sweep(SMOKE)
    run_sweep(spec, tmp_path / "one", jobs=1)
    run_sweep(spec, tmp_path / "two", jobs=2)
    one, two = files(tmp_path / "one"), files(tmp_path / "two")
    assert len(one) == 16 and one == two


def test_a_dask_local_cluster_gives_the_same_store(tmp_path):
    spec = load_sweep(SMOKE)
    run_sweep(spec, tmp_path / "local", jobs=1)
    run_sweep(spec, tmp_path / "dask", dask=2)
    assert files(tmp_path / "dask") == files(tmp_path / "local")


def test_a_killed_sweep_resumes_with_only_what_is_missing_and_ends_identical(tmp_path, write):
    """The sweep is killed (SIGKILL, with its workers) while writing its fifth run: after the
    temporary file is written and before it is renamed into place."""
    spec = load_sweep(SMOKE)
    run_sweep(spec, tmp_path / "whole", jobs=1)
    out = tmp_path / "killed"
    args = ["sweep", str(SMOKE), "--out", str(out), "--quiet"]
    killer = write(
        "kill_at_fifth_write.py",
        "import os, signal, sys\n"
        "import twin.experiments.store\n"
        "from twin.cli import main\n"
        "rename, renamed = os.replace, []\n"
        "def replace(src, dst):\n"
        "    if str(dst).endswith('.parquet'):\n"
        "        renamed.append(dst)\n"
        "        if len(renamed) == 5:\n"
        "            os.killpg(os.getpgid(0), signal.SIGKILL)\n"
        "    rename(src, dst)\n"
        "if __name__ == '__main__':  # spawned workers import this file too\n"
        "    twin.experiments.store.os.replace = replace\n"
        f"    sys.exit(main({[*args, '--batch', '1']!r}))\n",
    )
    proc = subprocess.run([sys.executable, str(killer)], start_new_session=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL
    assert len(files(out)) == 4 and len(list((out / "runs").glob("*.tmp*"))) == 1
    cmd = [sys.executable, "-m", "twin.cli", *args]
    resumed = subprocess.run(cmd, capture_output=True, text=True, check=True)
    assert "4 already stored" in resumed.stdout
    assert files(out) == files(tmp_path / "whole")
    assert not list((out / "runs").glob("*.tmp*"))


def test_failed_runs_are_retried_then_recorded_and_the_sweep_goes_on(tmp_path, monkeypatch):
    real = twin.runs.runner.run
    calls = {"n": 0}

    def flaky(scenario, **kw):
        calls["n"] += 1
        if scenario.treasury.route == "layered" and scenario.libraries.person.missing > 0:
            raise RuntimeError("the bank is on fire")
        if calls["n"] == 1:
            raise RuntimeError("a passing fault")  # retried, then fine
        return real(scenario, **kw)

    monkeypatch.setattr(twin.runs.runner, "run", flaky)
    progress = run_sweep(load_sweep(SMOKE), tmp_path, jobs=1)
    assert progress.failed == 4 and progress.done == 12
    failed = store.query(tmp_path, "select run, attempts, error from failed order by run")
    assert len(failed) == 4 and (failed["attempts"] == 2).all()
    assert failed["error"].str.contains("the bank is on fire").all()


def test_the_store_is_queried_with_sql_and_nothing_else_and_compacts(tmp_path):
    run_sweep(load_sweep(SMOKE), tmp_path, jobs=1)
    frame = store.query(
        tmp_path, 'select "param:treasury.route" as route, avg(coverage) c from runs group by 1'
    )
    assert set(frame["route"]) == {"direct", "layered"}
    for sql in ("select * from read_parquet('/etc/passwd')", "copy runs to '/tmp/x.csv'"):
        with pytest.raises(Exception, match="disabled"):
            store.query(tmp_path, sql)
    before = store.read(tmp_path)
    store.compact(tmp_path)
    assert not list((tmp_path / "runs").glob("*.parquet"))
    assert store.read(tmp_path).equals(before) and len(store.done(tmp_path)) == 16
