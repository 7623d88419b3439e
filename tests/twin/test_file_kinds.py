"""A file given to the wrong command is named for what it is, with the command that reads it;
routing files are checked by ``twin rules check``."""

import pytest

from datafiles import read_yaml
from datafiles.kinds import kind_of
from tests.conftest import ROOT, SCENARIOS
from twin.cli import main

RULES = sorted((SCENARIOS / "rules").glob("*.yaml"))


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        (SCENARIOS / "skeleton.yaml", "scenario"),
        (SCENARIOS / "typhoon-flood.yaml", "scenario"),
        (SCENARIOS / "sweeps/smoke.yaml", "sweep"),
        (SCENARIOS / "rules/routing.yaml", "routing"),
        (SCENARIOS / "rules/gas.yaml", "rule"),
        (SCENARIOS / "policies/sme-relief.yaml", "policy"),
        (ROOT / "tests/alerting/promtool/gas-test.yml", "rule test"),
    ],
)
def test_every_shipped_kind_of_file_is_recognised(path, kind):
    assert kind_of(read_yaml(path)[0]) == kind


def test_rules_check_takes_the_shipped_rules_folder_routing_file_included(capsys):
    assert main(["rules", "check", *map(str, RULES)]) == 0
    out = capsys.readouterr().out
    assert f"ok: {len(RULES)} files" in out and "2 routes" in out


def test_a_bad_routing_file_gets_a_located_error(tmp_path, capsys):
    bad = tmp_path / "routing.yaml"
    bad.write_text("route:\n  receiver: township\n  group_wait: soon\n")
    assert main(["rules", "check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "routing.yaml:3" in err and "group_wait" in err


@pytest.mark.parametrize(
    ("command", "path", "hint"),
    [
        (["run"], "sweeps/smoke.yaml", "use twin sweep FILE"),
        (["validate"], "rules/routing.yaml", "use twin rules check FILE"),
        (["sweep"], "skeleton.yaml", "use twin run FILE"),
        (["rules", "check"], "skeleton.yaml", "use twin run FILE"),
        (["rules", "test"], "rules/gas.yaml", "use twin rules check FILE"),
        (["policy", "check"], "sweeps/smoke.yaml", "use twin sweep FILE"),
    ],
)
def test_a_file_of_another_kind_is_named_with_the_command_for_it(command, path, hint, capsys):
    assert main([*command, str(SCENARIOS / path)]) == 2
    err = capsys.readouterr().err
    assert "this is a" in err and hint in err and "unknown key" not in err
