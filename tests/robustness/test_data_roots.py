"""A file a data file names (extends, policies, rule files, a sweep's or suite's scenario) is read
only from the naming file's own folder tree, the shipped scenarios or CITYTWIN_DATA_ROOTS; a path
leading elsewhere is refused, located, and the foreign file's content is never echoed
(docs/robustness.md)."""

import shutil

import pytest

from datafiles import UserError
from datafiles.roots import ROOTS_VARIABLE
from tests.conftest import ROOT, SCENARIOS, SKELETON
from twin.cli import main
from twin.experiments.regression.suite import load_suite

SECRET = "owner_password: hunter2\n"
POLICY = SCENARIOS / "policies" / "sme-relief.yaml"


@pytest.fixture
def outside(tmp_path):
    """A folder beside the scenario's, holding a file nobody should see in an error."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "secret.yaml").write_text(SECRET)
    shutil.copy(POLICY, folder / "relief.yaml")
    (tmp_path / "project").mkdir()
    return folder


def _refused(args, capsys, file: str, key: str) -> str:
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "leads outside the folders a data file may read" in err, err
    assert file in err and key in err, err
    assert "hunter2" not in err and "owner_password" not in err
    assert ROOTS_VARIABLE in err  # the hint names the way to allow a folder
    return err


def test_extends_outside_the_tree_is_refused_without_reading_it(outside, tmp_path, capsys):
    scenario = tmp_path / "project" / "a.yaml"
    scenario.write_text("extends: ../elsewhere/secret.yaml\nname: a\n")
    _refused(["validate", str(scenario)], capsys, "a.yaml:1", "extends")


def test_a_policy_outside_the_tree_is_refused(outside, tmp_path, capsys):
    scenario = tmp_path / "project" / "a.yaml"
    scenario.write_text(f"extends: {SKELETON}\nname: a\npolicies: [../elsewhere/secret.yaml]\n")
    _refused(["validate", str(scenario)], capsys, "a.yaml:3", "policies[0]")


def test_a_link_inside_the_tree_to_a_file_outside_is_refused(outside, tmp_path, capsys):
    link = tmp_path / "project" / "policy.yaml"
    link.symlink_to(outside / "secret.yaml")
    scenario = tmp_path / "project" / "a.yaml"
    scenario.write_text(f"extends: {SKELETON}\nname: a\npolicies: [policy.yaml]\n")
    _refused(["validate", str(scenario)], capsys, "a.yaml:3", "policies[0]")


def test_a_folder_listed_in_the_variable_may_be_read(outside, tmp_path, capsys, monkeypatch):
    scenario = tmp_path / "project" / "a.yaml"
    scenario.write_text(f"extends: {SKELETON}\nname: a\npolicies: [../elsewhere/relief.yaml]\n")
    assert main(["validate", str(scenario)]) == 2
    capsys.readouterr()
    monkeypatch.setenv(ROOTS_VARIABLE, f"/nonexistent:{outside}")
    assert main(["validate", str(scenario)]) == 0, capsys.readouterr().err


def test_a_path_typed_at_the_shell_is_the_users_own_choice(outside, tmp_path, capsys):
    scenario = tmp_path / "project" / "a.yaml"
    scenario.write_text(f"extends: {SKELETON}\nname: a\n")
    typed = f"policies=[{outside / 'relief.yaml'}]"
    assert main(["validate", str(scenario), "--set", typed]) == 0, capsys.readouterr().err


def test_the_shipped_scenarios_name_only_files_they_may_read(capsys):
    for scenario in sorted(SCENARIOS.glob("*.yaml")):
        assert main(["validate", str(scenario)]) == 0, capsys.readouterr().err


def test_a_rule_tests_rule_file_outside_its_tree_is_refused(outside, tmp_path, capsys):
    tests = tmp_path / "project" / "edge-test.yml"
    source = ROOT / "tests" / "alerting" / "promtool" / "edge-test.yml"
    text = source.read_text().replace("[edge-rules.yml]", "[../elsewhere/secret.yaml]")
    tests.write_text(text)
    _refused(["rules", "test", str(tests)], capsys, "edge-test.yml:2", "rule_files[0]")


def test_a_sweeps_scenario_outside_its_tree_is_refused(outside, tmp_path, capsys):
    sweep = tmp_path / "project" / "sweep.yaml"
    text = (SCENARIOS / "sweeps" / "smoke.yaml").read_text()
    lines = [
        "scenario: ../elsewhere/secret.yaml" if line.startswith("scenario:") else line
        for line in text.splitlines()
    ]
    sweep.write_text("\n".join(lines) + "\n")
    args = ["sweep", str(sweep), "--out", str(tmp_path / "store"), "--quiet"]
    _refused(args, capsys, "sweep.yaml:", "scenario")
    assert not (tmp_path / "store").exists()


def test_a_regression_cases_scenario_outside_its_tree_is_refused(outside, tmp_path):
    suite = tmp_path / "project" / "suite.yaml"
    suite.write_text(
        "seed: 1\ncases:\n  leak:\n    scenario: ../elsewhere/secret.yaml\n"
        "    tolerances: {coverage: 0.01}\n"
    )
    with pytest.raises(UserError) as caught:
        load_suite(suite)
    text = str(caught.value)
    assert "leads outside" in text and "cases.leak.scenario" in text and "hunter2" not in text
