"""The indicators the page shows, as a planner reads them: the run with the page's levers and,
side by side, the scenario as written and the paired difference (one run each, on the same
random numbers: a difference, not an interval)."""

from __future__ import annotations

from twin.runs.intervals import Estimate
from twin.runs.readable import readable, readable_difference
from twin.runs.results import RunResult

SHOWN = (  # in order
    "eligible", "paid", "coverage", "exclusion_error", "inclusion_error", "amount_paid",
    "time_to_money_from_eligible_p50", "time_to_money_from_eligible_p95", "queued_for_review",
)  # fmt: skip


def indicator_table(result: RunResult, written: RunResult | None = None) -> str:
    """A Markdown table of the indicators; with ``written``: as written, with the levers, and
    the difference (levers minus as written)."""
    mine = result.summary["metrics"]
    if written is None:
        rows = ["| indicator | value |", "|---|---|"]
        rows += [f"| {k} | {_value(mine[k])} |" for k in SHOWN if k in mine]
        return "\n".join(rows)
    base = written.summary["metrics"]
    rows = ["| indicator | as written | with the levers | difference |", "|---|---|---|---|"]
    for k in SHOWN:
        if k in mine and k in base:
            rows.append(
                f"| {k} | {_value(base[k])} | {_value(mine[k])} | {_difference(base[k], mine[k])} |"
            )
    return "\n".join(rows)


def difference(written: dict, mine: dict) -> float | None:
    """The paired difference of one indicator: with the levers minus as written."""
    a, b = written.get("value"), mine.get("value")
    return None if a is None or b is None else float(b) - float(a)


def _value(figure: dict) -> str:
    text = readable(figure.get("value"), figure.get("unit"))
    unit = figure.get("unit") or ""
    return text if unit in ("share", "yuan", "s", "min", "h", "d") or not unit else f"{text} {unit}"


def _difference(written: dict, mine: dict) -> str:
    return readable_difference(Estimate(1, difference(written, mine)), mine.get("unit"))
