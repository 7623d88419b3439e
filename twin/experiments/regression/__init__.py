"""Regression scenarios at two levels: exact snapshots and replicated statistics.

- *exact* (``twin regress``): each case runs once at its scenario's own seed, and every figure
  of its summary must equal the stored snapshot (numbers to 1e-9 relative). The same seed gives
  the same bytes, so any change to the model shows, as a diff of snapshot files in review.
- *statistical* (``twin regress --replications``): each case's key figures over replications,
  compared pairwise with the stored replications (same seeds: common random numbers), tell a
  move beyond the model's noise from one within it; the bands must be narrower than the
  tolerance a planner would care about, and every figure must respect its physical limits.
"""

from twin.experiments.regression.exact import Change, run_exact
from twin.experiments.regression.statistical import KpiResult, run_statistical
from twin.experiments.regression.suite import Suite, load_suite

__all__ = ["Change", "KpiResult", "Suite", "load_suite", "run_exact", "run_statistical"]
