"""What a sweep says: per-point means with confidence intervals across replications, and
global sensitivity (Sobol, Morris) through SALib, with a bar figure of the indices."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
from matplotlib.figure import Figure
from SALib.analyze import morris as morris_analysis
from SALib.analyze import sobol as sobol_analysis
from scipy import stats

from datafiles import UserError
from twin.experiments.designs import points, problem
from twin.experiments.sweep_file import SweepFile


def point_means(table: pa.Table, output: str, confidence: float = 0.95) -> pd.DataFrame:
    """Per design point: its parameters, the mean of ``output`` over replications, and the
    half-width of its confidence interval (Student t; NaN with one replication)."""
    frame = table.to_pandas()
    if output not in frame:
        raise UserError.one(f"the store has no output '{output}'", key="--output")
    params = [c for c in frame.columns if c.startswith("param:")]
    grouped = frame.groupby("point")
    out = grouped[params].first()
    out["mean"] = grouped[output].mean()
    out["n"] = grouped[output].count()
    sd = grouped[output].std(ddof=1)
    t = stats.t.ppf(0.5 + confidence / 2, np.maximum(out["n"] - 1, 1))
    out["ci"] = t * sd / np.sqrt(out["n"])
    return out.reset_index()


def readable_means(means: pd.DataFrame, output: str) -> pd.DataFrame:
    """Per-point means as a reader reads them: the parameters, then "mean ± half-width" in the
    output's unit (percentages, days, yuan)."""
    from twin.runs.readable import readable, scale_for
    from twin.scoring.summary import unit_of

    unit = unit_of(output)
    out = means[[c for c in means.columns if c.startswith("param:")]].copy()
    out.columns = [c.removeprefix("param:") for c in out.columns]
    cells = []
    for mean, ci in zip(means["mean"], means["ci"], strict=True):
        text = readable(float(mean), unit)
        if np.isfinite(ci):
            s = scale_for(unit, float(mean))
            text += f" ± {ci / s.divisor:,.{s.decimals}f}"
        cells.append(text)
    out[output] = cells
    out["replications"] = means["n"].to_numpy()
    return out


def sensitivity(spec: SweepFile, out, output: str) -> pd.DataFrame:
    """The sweep's sensitivity indices of ``output`` from its results store: Sobol for a sobol
    design, Morris for a morris one."""
    from twin.experiments import store

    table = store.read(out)
    if spec.design.kind == "sobol":
        return sobol(spec, table, output)
    if spec.design.kind == "morris":
        return morris(spec, table, output)
    raise UserError.one(
        f"a {spec.design.kind} design has no sensitivity indices",
        key="design.kind",
        hint="use a sobol or morris design",
    )


def _y(spec: SweepFile, table: pa.Table, output: str) -> np.ndarray:
    means = point_means(table, output)
    n_points = len(points(spec))
    if len(means) != n_points:
        raise UserError.one(
            f"the store holds {len(means)} of the sweep's {n_points} points",
            hint="finish the sweep (run the same 'twin sweep' command again) before analysing",
        )
    y = means.sort_values("point")["mean"].to_numpy(float)
    if np.isnan(y).any():
        raise UserError.one(f"'{output}' has no value at some points", key="--output")
    return y


def sobol(spec: SweepFile, table: pa.Table, output: str, confidence: float = 0.95) -> pd.DataFrame:
    """First-order and total Sobol indices with confidence intervals (bootstrap, seeded)."""
    if spec.design.kind != "sobol":
        raise UserError.one("Sobol indices need a sobol design", key="design.kind")
    res = sobol_analysis.analyze(
        problem(spec), _y(spec, table, output), calc_second_order=spec.design.second_order,
        conf_level=confidence, seed=spec.seed % 2**32,
    )  # fmt: skip
    return pd.DataFrame(
        {"S1": res["S1"], "S1_conf": res["S1_conf"], "ST": res["ST"], "ST_conf": res["ST_conf"]},
        index=pd.Index(problem(spec)["names"], name="parameter"),
    )


def morris(spec: SweepFile, table: pa.Table, output: str, confidence: float = 0.95) -> pd.DataFrame:
    """Morris elementary effects: mu* (with its confidence interval) and sigma."""
    if spec.design.kind != "morris":
        raise UserError.one("Morris indices need a morris design", key="design.kind")
    x = np.array([[p[k] for k in spec.parameters] for p in points(spec)], dtype=float)
    res = morris_analysis.analyze(
        problem(spec), x, _y(spec, table, output), conf_level=confidence,
        num_levels=spec.design.levels, seed=spec.seed % 2**32,
    )  # fmt: skip
    return pd.DataFrame(
        {"mu_star": res["mu_star"], "mu_star_conf": res["mu_star_conf"], "sigma": res["sigma"]},
        index=pd.Index(problem(spec)["names"], name="parameter"),
    )


def indices_figure(indices: pd.DataFrame, output: str) -> Figure:
    """A tornado of the indices: one horizontal bar per parameter, largest on top, with its
    confidence interval."""
    value, conf = ("ST", "ST_conf") if "ST" in indices else ("mu_star", "mu_star_conf")
    ordered = indices.sort_values(value)
    fig = Figure(figsize=(7, 0.5 + 0.45 * len(ordered)))
    ax = fig.subplots()
    ax.barh(ordered.index, ordered[value], xerr=ordered[conf], color="#4c78a8", capsize=3)
    ax.set_xlabel(f"{value} of {output}")
    fig.tight_layout()
    return fig
