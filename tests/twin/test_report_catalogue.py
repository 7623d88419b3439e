"""A run of a catalogue (thousands of policies) stays readable: its summary lists the run's
figures alone, its report one table of the policies that paid most and a section for each of
the first few (docs/reports.md)."""

from pathlib import Path

from twin.report.contents import Variant, _detailed, _every_policy
from twin.runs.results import LISTED_POLICIES, format_summary, summary_rows


def _summary(n: int) -> dict:
    block = {
        "eligible": {"value": 10, "unit": "entities"},
        "paid": {"value": 5, "unit": "entities"},
        "coverage": {"value": 0.5, "unit": "share"},
        "exclusion_error": {"value": 0.1, "unit": "share"},
        "inclusion_error": {"value": 0.0, "unit": "share"},
        "time_to_money_from_eligible_p50": {"value": 3600.0, "unit": "s"},
    }
    return {
        "metrics": {"coverage": {"value": 0.5, "unit": "share"}},
        "policies": {
            f"p-{i:04d}": {**block, "amount_paid": {"value": float(i), "unit": "yuan"}}
            for i in range(n)
        },
    }


def test_a_few_policies_are_listed_one_by_one():
    rows = summary_rows(_summary(3))
    assert any(r[0] == "p-0002: coverage" for r in rows)
    assert _detailed(_summary(3)) == ["p-0000", "p-0001", "p-0002"]
    assert _every_policy(Variant("", Path("."), None, {}, _summary(3))).blocks == []


def test_a_catalogue_lists_the_runs_figures_and_the_policies_that_paid_most():
    summary = _summary(500)
    rows = summary_rows(summary)
    assert [r[0] for r in rows] == ["coverage"]
    assert "500 policies" in format_summary(summary).splitlines()[-1]
    detailed = _detailed(summary)
    assert len(detailed) == LISTED_POLICIES and detailed[0] == "p-0499"  # most money first
    table = _every_policy(Variant("", Path("."), None, {}, summary)).blocks[0]
    assert len(table.rows) == 100 and table.rows[0][0] == "p-0499"
    assert table.rows[0][4] == "499 yuan" and "500 policies ran" in table.note
