"""Scoring a run against ground truth: metrics with their formulas and units, the summary and
the daily table."""
