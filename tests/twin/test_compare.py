"""Variants of a scenario with common random numbers, compared side by side."""

import json

import pytest

import twin
from datafiles import UserError
from tests.conftest import SCENARIOS
from twin.cli import main
from twin.runs.compare import run_variants, with_overrides

SANDBOX = SCENARIOS / "policy-sandbox.yaml"


@pytest.fixture(scope="module")
def comparison():
    scenario = twin.load_scenario(SANDBOX, {"duration": "30d", "city.scale": 0.001})
    return run_variants(scenario, replications=1)


def test_variants_share_the_city_and_differ_by_their_delivery(comparison):
    results = comparison.results
    assert list(results) == ["apply", "push", "auto"]
    eligible = {r.metric("eligible", "elderly-care-allowance") for r in results.values()}
    assert len(eligible) == 1  # common random numbers: the same people in every variant
    auto, apply = results["auto"], results["apply"]
    assert auto.metric("coverage", "elderly-care-allowance") > apply.metric(
        "coverage", "elderly-care-allowance"
    )
    ease = {k: r.metric("convenience", "elderly-care-allowance") for k, r in results.items()}
    assert ease["apply"] < ease["push"] < ease["auto"] == 1.0  # nothing asked of the auto-paid
    assert apply.metric("applications") > 0 and auto.metric("applications") == 0


def test_the_comparison_is_written_and_printed(comparison, tmp_path):
    out = comparison.write(tmp_path / "sandbox")
    files = {"apply", "push", "auto", "comparison.json", "replications.parquet", "comparison.png"}
    files |= {"variants.yaml", "manifest.json"}
    assert {p.name for p in out.iterdir()} == files
    table = json.loads((out / "comparison.json").read_text())["figures"]
    assert set(table["elderly-care-allowance: awareness"]["variants"]) == {"apply", "push", "auto"}
    assert "elderly-care-allowance: fairness" in comparison.table()


def test_a_bad_variant_is_a_clear_error(capsys):
    scenario = twin.load_scenario(SANDBOX)
    with pytest.raises(UserError, match=r"variants\.broken"):
        with_overrides(scenario, {"treasury.route": "teleport"}, "broken")
    assert main(["validate", str(SANDBOX)]) == 0
