"""The flagship's answers do not depend on the ``city.scale`` a user picks: every capacity
scales with the population it serves (docs/capacity.md), so a ten times larger city gives the
same indicators within their confidence intervals."""

import pytest

import twin
from tests.conftest import SCENARIOS
from twin.runs.compare import run_variants
from twin.runs.intervals import unpaired_difference

SANDBOX = SCENARIOS / "policy-sandbox.yaml"
POLICY = "elderly-care-allowance"
HEADLINE = (
    "coverage",
    "payout_rate",
    "precision",
    "fairness",
    "convenience",
    "awareness",
    "time_to_money_from_eligible_p50",
)
SCALES = {0.005: 10, 0.05: 3}  # city.scale: replications (a run at 0.05 takes ten times longer)
FAMILY_CONFIDENCE = 0.95  # for all comparisons together (Bonferroni)


@pytest.fixture(scope="module")
def by_scale():
    out = {}
    for scale, n in SCALES.items():
        scenario = twin.load_scenario(SANDBOX, {"city.scale": scale})
        out[scale] = {
            f.label: f for f in run_variants(scenario, replications=n).replicated().figures
        }
    return out


def test_the_flagship_gives_the_same_indicators_at_scale_0_005_and_0_05(by_scale):
    small, large = (by_scale[s] for s in SCALES)
    variants = list(small[f"{POLICY}: coverage"].values)
    comparisons = [(f"{POLICY}: {key}", v) for key in HEADLINE for v in variants]
    confidence = 1 - (1 - FAMILY_CONFIDENCE) / len(comparisons)
    apart = []
    for label, variant in comparisons:
        d = unpaired_difference(
            small[label].values[variant], large[label].values[variant], confidence
        )
        assert d.mean is not None, f"{label} ({variant}) is undefined at one scale"
        if d.covers_zero is False:
            apart.append(f"{label} ({variant}): {d.mean:+.4f} [{d.low:.4f}, {d.high:.4f}]")
    assert apart == []


def test_the_three_modes_keep_their_order_at_both_scales(by_scale):
    for figures in by_scale.values():
        coverage = figures[f"{POLICY}: coverage"]
        mean = {v: sum(x) / len(x) for v, x in coverage.values.items()}
        assert mean["apply"] < mean["push"] < mean["auto"]
