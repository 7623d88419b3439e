"""A calibration file's faults are named by file, line and key before any run starts; a
calibration file given to another command is told apart (docs/calibration.md)."""

import pytest
import yaml

from tests.conftest import SCENARIOS
from twin.calibration.calibration_file import load_calibration
from twin.cli import main
from twin.scenario.loader import load_scenario

SHIPPED = SCENARIOS / "calibration" / "history.yaml"
REFOCUSED = SCENARIOS / "calibration" / "history-refocused.yaml"


def _with(tmp_path, change) -> str:
    data = yaml.safe_load(SHIPPED.read_text())
    data["scenario"] = str(SCENARIOS / "history.yaml")
    change(data)
    path = tmp_path / "cal.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return str(path)


def _refused(capsys, path: str, *words: str) -> str:
    assert main(["calibrate", path, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    for w in words:
        assert w in err, err
    return err


def test_the_shipped_calibration_loads_with_a_prior_and_a_reason_for_each_parameter():
    spec = load_calibration(SHIPPED)
    assert spec.holdout == "persons_paid" and len(spec.targets) == 5
    assert all(p.justification.strip() for p in spec.parameters.values())
    quick = spec.quick_mode()
    assert quick.base["duration"] == "92d" and quick.design.runs < spec.design.runs


def test_a_parameter_the_scenario_lacks_is_named(tmp_path, capsys):
    def change(d):
        d["parameters"]["behaviour.intercpt"] = {"range": [0, 1], "justification": "x"}

    _refused(capsys, _with(tmp_path, change), "behaviour.intercpt", "no key", "docs/scenarios.md")


def test_an_unknown_target_and_a_holdout_that_is_no_target_are_named(tmp_path, capsys):
    def change(d):
        d["targets"]["people_paid"] = {"value": 1, "source": "x"}
        d["holdout"] = "visitors"

    err = _refused(capsys, _with(tmp_path, change), "people_paid", "targets.people_paid")
    assert "holdout" in err and "visitors" in err


@pytest.mark.parametrize(
    ("where", "value", "words"),
    [
        (("parameters", "visits.per_query", "range"), [1.0, 0.5], ["below its high"]),
        (("parameters", "visits.per_query", "range"), [-1.0, 0.5], ["log-scale"]),
        (("parameters", "visits.per_query", "justification"), "", ["justification"]),
        (("targets", "visits", "tolerance"), 0, ["tolerance"]),
        (("design", "runs"), 2, ["design.runs"]),
    ],
)
def test_bad_values_are_located(tmp_path, capsys, where, value, words):
    def change(d):
        node = d
        for k in where[:-1]:
            node = node[k]
        node[where[-1]] = value

    err = _refused(capsys, _with(tmp_path, change), *words)
    assert "cal.yaml" in err


def test_a_calibration_file_given_to_twin_sweep_is_told_apart(capsys):
    assert main(["sweep", str(SHIPPED), "--quiet"]) == 2
    assert "twin calibrate" in capsys.readouterr().err


def test_a_refinement_not_above_the_waves_scale_is_refused_before_any_run(tmp_path, capsys):
    def change(d):
        d["design"]["refine"] = {"scale": 0.0005, "runs": 4}

    _refused(capsys, _with(tmp_path, change), "design.refine.scale", "not above", "0.0005")
    assert not list(tmp_path.glob("**/runs"))  # nothing ran


def test_the_refocused_stage_searches_inside_what_the_first_stage_allowed():
    """The second stage narrows the first's priors at the first's check scale; the levers it
    holds are fixed in the scenario at values the first stage's priors allow."""
    first, second = load_calibration(SHIPPED), load_calibration(REFOCUSED)
    assert first.design.refine is not None
    assert second.base["city.scale"] == first.design.refine.scale
    assert {t: v.value for t, v in second.targets.items()} == {
        t: v.value for t, v in first.targets.items()
    }
    for key, prior in second.parameters.items():
        low, high = first.parameters[key].range
        assert low <= prior.range[0] < prior.range[1] <= high, key
        assert prior.justification.strip(), key
    scenario = load_scenario(SCENARIOS / "history.yaml")
    held = {
        "catalogue.person_share": scenario.catalogue.person_share,
        "catalogue.delivery_from_version_2.auto": scenario.catalogue.delivery_from_version_2[
            "auto"
        ],
    }
    assert set(first.parameters) - set(second.parameters) == set(held)
    for key, value in held.items():
        low, high = first.parameters[key].range
        assert low <= value <= high, key
