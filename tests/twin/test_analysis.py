"""Sweep analysis on outputs whose answer is known by hand."""

import numpy as np
import pyarrow as pa
import pytest

from twin.experiments import analysis
from twin.experiments.designs import points
from twin.experiments.sweep_file import SweepFile


def spec(kind: str, samples: int) -> SweepFile:
    return SweepFile.model_validate(
        {
            "name": "t",
            "scenario": "x.yaml",
            "seed": 3,
            "design": {"kind": kind, "samples": samples},
            "parameters": {"a": {"range": [0, 1]}, "b": {"range": [0, 1]}},
            "outputs": ["y"],
        }
    )


def table_of(s: SweepFile, f) -> pa.Table:
    rows = []
    for i, p in enumerate(points(s)):
        rows.append({"run": f"p{i:05d}-r000", "point": i, "param:a": p["a"], "param:b": p["b"],
                     "y": f(p["a"], p["b"])})  # fmt: skip
    return pa.Table.from_pylist(rows)


def test_point_means_and_their_confidence_interval_by_hand():
    t = pa.table({"point": [0, 0, 0, 1], "param:a": [1, 1, 1, 2], "y": [1.0, 2.0, 3.0, 5.0]})
    m = analysis.point_means(t, "y")
    assert m["mean"].tolist() == [2.0, 5.0] and m["n"].tolist() == [3, 1]
    # sd 1, n 3: t(0.975, 2) = 4.303 -> half-width 4.303 / sqrt(3)
    assert m["ci"][0] == pytest.approx(4.302653 / np.sqrt(3), rel=1e-5)


def test_sobol_finds_the_only_parameter_that_matters():
    s = spec("sobol", 256)
    idx = analysis.sobol(s, table_of(s, lambda a, b: 2 * a), "y")
    assert idx.loc["a", "S1"] == pytest.approx(1.0, abs=0.05)
    assert idx.loc["b", "ST"] == pytest.approx(0.0, abs=0.02)


def test_morris_elementary_effects_are_the_slopes():
    s = spec("morris", 20)
    idx = analysis.morris(s, table_of(s, lambda a, b: 2 * a - 0.5 * b), "y")
    assert idx.loc["a", "mu_star"] == pytest.approx(2.0)
    assert idx.loc["b", "mu_star"] == pytest.approx(0.5)
    assert idx.loc["a", "sigma"] == pytest.approx(0.0, abs=1e-9)  # linear: no interaction
    fig = analysis.indices_figure(idx, "y")
    assert len(fig.axes[0].patches) == 2
