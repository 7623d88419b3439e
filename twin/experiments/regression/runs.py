"""Runs of the suite's scenarios, in this process or spread over local worker processes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context

from datafiles import UserError
from twin.experiments.regression.figures import SummaryFigure, run_case

Run = tuple[str, str, dict]  # (label, scenario file, overrides)


def run_all(
    runs: Sequence[Run], jobs: int = 1, done: Callable[[str], None] | None = None
) -> list[dict[str, SummaryFigure]]:
    """Each run's flattened summary, in the order given; ``done(label)`` after each."""
    tick = done or (lambda _label: None)
    if jobs <= 1 or len(runs) <= 1:
        out = []
        for label, scenario, overrides in runs:
            out.append(_guarded(label, scenario, overrides))
            tick(label)
        return out
    results: list[dict[str, SummaryFigure] | None] = [None] * len(runs)
    with ProcessPoolExecutor(min(jobs, len(runs)), mp_context=get_context("spawn")) as pool:
        futures = {
            pool.submit(_guarded, label, scenario, overrides): i
            for i, (label, scenario, overrides) in enumerate(runs)
        }
        for future in as_completed(futures):
            i = futures[future]
            results[i] = future.result()
            tick(runs[i][0])
    return [r for r in results if r is not None]


def _guarded(label: str, scenario: str, overrides: dict) -> dict[str, SummaryFigure]:
    try:
        return run_case(scenario, overrides)
    except UserError:
        raise
    except Exception as exc:  # the model failed: say which run, keep the cause
        raise RuntimeError(f"regression run {label} ({scenario}) failed: {exc}") from exc
