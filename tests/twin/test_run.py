"""The walking skeleton end to end: run folder, scores from the run, determinism, the CLI."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from scipy import stats

import twin
from tests.conftest import SKELETON
from twin.cli import main
from twin.scoring.metrics import METRICS

FILES = {
    "scenario.yaml",
    "summary.json",
    "daily.parquet",
    "matches.parquet",
    "payments.parquet",
    "alerts.parquet",
    "jobs.parquet",
    "incidents.parquet",
    "outages.parquet",
    "battery_warnings.parquet",
    "battery_deaths.parquet",
    "devices.parquet",
    "device_types.parquet",
    "witnesses.parquet",
    "workers.parquet",
    "notifications.parquet",
    "merges.parquet",
    "truth.parquet",
    "policies.parquet",
    "awareness.parquet",
    "persons.parquet",
    "enterprises.parquet",
    "review_queue.parquet",
    "reviews.parquet",
    "applications.parquet",
    "decisions.parquet",
    "calls.parquet",
    "actions.parquet",
    "staffing.parquet",
    "repairs.parquet",
    "technicians.parquet",
    "records.parquet",
    "missed.parquet",
    "reach.parquet",
    "overview.png",
    "manifest.json",
}


@pytest.fixture(scope="module")
def result():
    return twin.run(twin.load_scenario(SKELETON))


@pytest.fixture(scope="module")
def folder(result, tmp_path_factory):
    return result.write(tmp_path_factory.mktemp("run"))


def test_the_run_folder_holds_every_table_the_summary_and_a_figure(folder):
    assert {p.name for p in folder.iterdir()} == FILES
    assert pq.read_table(folder / "daily.parquet").num_rows == 30
    assert (folder / "overview.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_summary_has_every_metric_with_its_unit(folder):
    summary = json.loads((folder / "summary.json").read_text())
    person_only = {"fairness_age", "fairness_smartphone", "fairness_literacy"}
    for name, metric in METRICS.items():
        if metric.per_policy:
            pid = "graduate-living-subsidy" if name in person_only else "sme-relief"
            block = summary["policies"][pid]
        else:
            block = summary["metrics"]
        assert block[name]["unit"] == metric.unit
        if not name.startswith("fairness_"):  # a dimension may have one group here
            assert block[name]["value"] is not None, name
    assert set(summary["policies"]) == {"graduate-living-subsidy", "sme-relief"}


def test_the_resolved_scenario_reloads_to_the_same_scenario(result, folder):
    assert twin.load_scenario(folder / "scenario.yaml") == result.scenario


def test_summary_figures_agree_with_the_tables(result):
    t = result.tables
    paid = t["payments"].filter(pc.equal(t["payments"]["status"], "paid"))
    fired = t["alerts"].filter(pc.equal(t["alerts"]["kind"], "fired"))
    assert result.metric("paid") == paid.num_rows
    assert result.metric("amount_paid") == pc.sum(paid["amount_fen"]).as_py() / 100
    assert result.metric("alerts_fired") == fired.num_rows
    real = t["incidents"]["real"]  # false for truth that is not an incident: a household away
    assert result.metric("incidents") == pc.sum(real).as_py()  # or a kitchen's cooking fumes
    assert set(t["incidents"].filter(pc.invert(real))["kind"].to_pylist()) <= {
        "away",
        "cooking_fumes",
        "aerosol",
    }
    assert result.daily["alerts_fired"].to_numpy().sum() == fired.num_rows
    owed = t["truth"].select(["policy_id", "entity"])
    truly = t["matches"].join(owed, ["policy_id", "entity"], join_type="inner").num_rows
    assert result.metric("matched") - truly == round(
        result.metric("inclusion_error") * result.metric("matched")
    )


def test_nobody_is_paid_twice_for_one_policy(result):
    p = result.tables["payments"]
    keys = list(zip(p["policy_id"].to_pylist(), p["entity"].to_pylist(), strict=True))
    assert len(keys) == len(set(keys))


def test_docking_direct_route_processing_is_exponential_with_its_mean(result):
    """Auto-delivered payments on the direct route wait Exp(direct_processing) from match to
    money: the sample mean's 99% confidence interval holds the configured mean. Power: with a
    few hundred payments the half-width is about 10% of the mean, so this catches the wiring
    (a wrong setting, a missing step), not small errors; the route itself is docked to 1.3% in
    tests/agents/test_processes.py."""
    p = result.tables["payments"]
    auto = p.filter(pc.equal(p["policy_id"], "sme-relief"))
    wait = auto["settled_at"].to_numpy() - auto["started_at"].to_numpy()
    assert len(wait) > 300
    half = stats.norm.ppf(0.995) * wait.std(ddof=1) / np.sqrt(len(wait))
    assert wait.mean() == pytest.approx(result.scenario.treasury.direct_processing, abs=half)
    assert stats.kstest(wait / 600.0, "expon").pvalue > 0.001


def test_same_seed_same_bytes_different_seed_different_results(tmp_path):
    """Every room runs (a shorter, smaller skeleton): the same seed writes the same bytes."""
    small = {"duration": "8d", "city.scale": 0.0006}

    def written(name: str, **extra) -> Path:
        scenario = twin.load_scenario(SKELETON, {**small, **extra})
        return twin.run(scenario).write(tmp_path / name)

    first, again, other = written("first"), written("again"), written("other", seed=1)
    assert pq.read_table(first / "alerts.parquet").num_rows > 0
    assert pq.read_table(first / "payments.parquet").num_rows > 0
    for name in FILES - {"overview.png", "scenario.yaml"}:
        assert (again / name).read_bytes() == (first / name).read_bytes(), name
    assert (other / "summary.json").read_bytes() != (first / "summary.json").read_bytes()
    assert (other / "payments.parquet").read_bytes() != (first / "payments.parquet").read_bytes()


def test_cli_run_validate_and_bad_input(tmp_path, capsys):
    assert (
        main(
            ["run", str(SKELETON), "--set", "duration=3d", "--out", str(tmp_path / "r"), "--quiet"]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "coverage" in out and "3 days simulated" in out
    assert main(["validate", str(SKELETON)]) == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text(SKELETON.read_text().replace("tick: 5m", "tick: 5 minutes"))
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:" in err and "sensing.tick" in err and "Traceback" not in err


def test_validate_reports_broken_policy_files_it_names(tmp_path, capsys):
    policy = tmp_path / "p.yaml"
    policy.write_text(
        (SKELETON.parent / "policies/sme-relief.yaml")
        .read_text()
        .replace("employees >= 3", "employes >= 3")
    )
    assert main(["validate", str(SKELETON), "--set", f"policies=[{policy}]"]) == 2
    err = capsys.readouterr().err
    assert f"{policy}:" in err and "did you mean 'employees'?" in err


def test_console_script_exits_2_without_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nsede: 3\n")
    proc = subprocess.run(
        [sys.executable, "-m", "twin.cli", "run", str(bad)], capture_output=True, text=True
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "sede" in proc.stderr and "did you mean 'seed'?" in proc.stderr
    version = subprocess.run(
        [sys.executable, "-m", "twin.cli", "--version"], capture_output=True, text=True
    )
    assert version.stdout.startswith("citytwin ")
    usage = subprocess.run(
        [sys.executable, "-m", "twin.cli", "run"], capture_output=True, text=True
    )
    assert usage.returncode == 2 and "Traceback" not in usage.stderr


def test_the_population_can_be_inspected_as_a_table_or_as_mesa_agents():
    model = twin.build_model(twin.load_scenario(SKELETON, {"sensing.enabled": False}))
    frame = model.sample("person", 5, seed=1)
    assert len(frame) == 5 and {"birth_date", "degree", "digital_literacy"} <= set(frame.columns)
    agents = model.sample_agents("enterprise", 3)
    assert len(agents) == 3 and all(a.target == "enterprise" for a in agents)
    row = agents[0].row
    assert agents[0].employees == model.population["enterprise"].employees[row]


def test_daily_behaviour_totals_come_from_the_data_collector(result):
    daily = result.daily
    assert {"aware_total", "pushed_total", "acted_total"} <= set(daily.column_names)
    pushed = daily["pushed_total"].to_numpy()
    assert (np.diff(pushed) >= 0).all() and pushed[-1] > 0


def test_the_books_balance_and_budgets_hold():
    """Every payment of a run is in the double-entry ledger: money is conserved to the fen,
    beneficiaries' accounts hold what was paid, returns sit in suspense, and no policy pays
    beyond its budget (pro rata for SME relief, first come for the graduate subsidy)."""
    model = twin.build_model(twin.load_scenario(SKELETON, {"sensing.enabled": False}))
    model.run()
    ledger = model.ledger
    assert ledger.total() == 0
    payments = model.logs["payments"].to_arrow()
    paid = payments.filter(pc.equal(payments["status"], "paid"))
    returned = payments.filter(pc.equal(payments["status"], "returned"))
    banks = sum(
        b for name, b in zip(ledger.names, ledger._balance, strict=True) if name.startswith("bank:")
    )
    assert banks == pc.sum(paid["amount_fen"]).as_py()
    assert ledger.balance("suspense") == (pc.sum(returned["amount_fen"]).as_py() or 0)
    for policy in model.matcher.policies:
        budget = model.offices[policy.id].budget
        mine = payments.filter(pc.equal(payments["policy_id"], policy.id))
        moved = mine.filter(pc.is_in(mine["status"], pa.array(["paid", "returned"])))
        spent = pc.sum(moved["amount_fen"]).as_py() or 0
        assert ledger.balance(f"quota:{policy.id}") >= 0
        assert budget is None or spent <= budget.total_fen
    statuses = set(payments["status"].to_pylist())
    assert "budget_exhausted" in statuses  # the graduate subsidy ran out, first come


def test_pro_rata_scales_every_amount_to_fit_the_budget(tmp_path):
    policy = tmp_path / "sme-relief.yaml"
    policy.write_text(
        (SKELETON.parent / "policies/sme-relief.yaml")
        .read_text()
        .replace("total: 4000000000", "total: 200000000")
    )
    scenario = twin.load_scenario(SKELETON, {"policies": [str(policy)], "duration": "5d"})
    model = twin.build_model(scenario)
    model.run()
    budget = model.offices["sme-relief"].budget
    assert budget.rule == "pro_rata" and 0 < budget.factor < 1
    assert budget.committed <= budget.total_fen and model.ledger.total() == 0


def test_the_slow_lane_is_slower_than_the_fast_lane():
    result = twin.run(
        twin.load_scenario(SKELETON.parent / "treasury-routes.yaml", {"duration": "40d"})
    )
    fast = result.metric("time_to_money_from_eligible_p50", "sme-relief")
    slow = result.metric("time_to_money_from_eligible_p50", "hospitality-relief")
    assert slow > 5 * fast and slow > 7 * 86_400  # four levels of about three days each


def test_a_route_for_an_unknown_policy_is_an_error(capsys):
    assert main(["validate", str(SKELETON), "--set", "treasury.routes.sme-relif=layered"]) == 2
    assert "did you mean 'sme-relief'?" in capsys.readouterr().err


def test_more_operators_mean_fewer_callers_give_up():
    """Operators are the whole city's, staffed at the run's scale: 1 and 8 here."""
    base = {"duration": "12d", "city.scale": 0.001}
    peak = SKELETON.parent / "consultation-peak.yaml"
    few = twin.run(
        twin.load_scenario(peak, {**base, "desk.shifts": [{"from": "00:00", "operators": 1000}]})
    )
    many = twin.run(
        twin.load_scenario(peak, {**base, "desk.shifts": [{"from": "00:00", "operators": 8000}]})
    )
    assert few.metric("calls") > 50
    assert many.metric("desk_abandoned") < few.metric("desk_abandoned")


def test_a_payment_is_traceable_from_policy_to_bank():
    scenario = twin.load_scenario(SKELETON, {"duration": "10d", "sensing.enabled": False})
    model = twin.build_model(scenario)
    model.run()
    payments = model.logs["payments"].to_arrow()
    paid = payments.filter(pc.equal(payments["status"], "paid"))
    policy_id, row = paid["policy_id"][0].as_py(), paid["entity"][0].as_py()
    matches = model.logs["matches"].to_arrow()
    match = matches.filter(
        pc.and_(pc.equal(matches["policy_id"], policy_id), pc.equal(matches["entity"], row))
    )
    assert match.num_rows == 1  # policy -> match
    target = model.offices[policy_id].target
    entries = model.ledger.entries((policy_id, "run", f"{target}:{row}"))
    fen = paid["amount_fen"][0].as_py()
    # -> ledger -> bank (a policy without a budget is funded as it pays)
    assert entries[-1] == (f"quota:{policy_id}", f"bank:{target}:{row}", fen)
    assert model.ledger.balance(f"bank:{target}:{row}") == fen


def test_a_saved_run_is_scored_again_from_its_folder_alone(folder, capsys):
    """The summary recomputed from the run folder's tables is the one the run wrote, byte for
    byte: scoring reads nothing but the folder."""
    summary = twin.score(folder)
    assert json.dumps(summary, indent=2) + "\n" == (folder / "summary.json").read_text()
    assert main(["score", str(folder)]) == 0
    assert "same as" in capsys.readouterr().out
    assert main(["score", str(folder.parent)]) == 2
    assert "not a run folder" in capsys.readouterr().err


def test_the_summary_table_reads_in_real_units(result):
    """Shares as percentages, times in minutes to days, money in yuan or 万元: no raw seconds
    and no scientific notation."""
    text = result.summary_table()
    assert not re.search(r"\d[eE][+-]?\d", text)
    rows = {line.split()[0]: line for line in text.splitlines()[2:]}
    assert rows["coverage"].rstrip().endswith("%")
    assert re.search(r"\d (s|min|h|d)\s*$", rows["time_to_money_from_eligible_p50"])
    assert "万元" in rows["amount_paid"] or "yuan" in rows["amount_paid"]


def test_the_library_leaves_matplotlib_as_the_caller_set_it(tmp_path):
    """No backend switch, no pyplot state: a notebook's own figures keep showing after a run."""
    code = (
        "import sys, twin\n"
        "s = twin.load_scenario(sys.argv[1], {'duration': '2d'})\n"
        "r = twin.run(s)\n"
        "r.figure().savefig(sys.argv[2])\n"
        "import matplotlib\n"
        "print(matplotlib.get_backend(), 'matplotlib.pyplot' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(SKELETON), str(tmp_path / "f.png")],
        capture_output=True,
        text=True,
        env={**os.environ, "MPLBACKEND": "svg"},
        check=True,
    ).stdout.split()
    assert out == ["svg", "False"] and (tmp_path / "f.png").stat().st_size > 0
