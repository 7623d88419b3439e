"""The calibration's figure: where the non-implausible set lies in each parameter's prior,
and each target's posterior-predictive interval beside the target and its tolerance."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

from twin.calibration.calibrate import Calibration
from twin.calibration.number import number
from twin.scoring.reach import UNITS


def calibration_figure(c: Calibration) -> Figure:
    """One panel per parameter (prior range as the axis, the set as a histogram, the central
    value marked), then one per target (runs, interval, target band), relative to the target."""
    names, targets = c.space.names, list(c.spec.targets)
    cols = max(len(names), len(targets))
    fig = Figure(figsize=(3.0 * cols, 5.6), layout="constrained")
    axes = fig.subplots(2, cols, squeeze=False)
    values = c.space.values(c.fit.pool) if len(c.fit.pool) else np.zeros((0, len(names)))
    for i, name in enumerate(names):
        _parameter(axes[0][i], c, i, name, values[:, i])
    for j, t in enumerate(targets):
        _target(axes[1][j], c, t)
    for ax in [*axes[0][len(names) :], *axes[1][len(targets) :]]:
        ax.set_axis_off()
    fig.suptitle(f"Calibration '{c.spec.name}': non-implausible parameters and their figures")
    return fig


def _parameter(ax, c: Calibration, i: int, name: str, values: np.ndarray) -> None:
    low, high, log = c.space.low[i], c.space.high[i], bool(c.space.log[i])
    bins = np.geomspace(low, high, 25) if log else np.linspace(low, high, 25)
    ax.hist(values, bins=bins, color="#4c72b0")
    if log:  # ticks at the prior's ends and its middle, in plain numbers
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(FixedLocator(np.geomspace(low, high, 3)))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: number(v)))
        ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlim(low, high)
    if len(c.fit.pool):
        ax.axvline(c.space.values(c.fit.central[None, :])[0, i], color="#c44e52", lw=2)
    ax.set_title(name, fontsize=8)
    ax.set_yticks([])
    ax.set_xlabel("prior range; red: central value", fontsize=7)


def _target(ax, c: Calibration, t: str) -> None:
    target = c.spec.targets[t]
    tol = target.tolerance
    ax.axhspan(-100 * tol, 100 * tol, color="#dddddd", label="tolerance")
    ax.axhline(0, color="black", lw=1)
    if t in c.predicted:
        low, mid, high = (100 * (v / target.value - 1) for v in c.predicted[t])
        ax.errorbar([0], [mid], yerr=[[mid - low], [high - mid]], fmt="o", color="#4c72b0",
                    capsize=4, label="predictive 90%")  # fmt: skip
    for x, runs in ((1, c.central), (2, c.predictive)):
        if runs is not None:
            ax.plot(np.full(len(runs), x), 100 * (runs.figures[t] / target.value - 1), "o",
                    color="#c44e52" if x == 1 else "#55a868", ms=4)  # fmt: skip
    ax.set_xticks([0, 1, 2], ["emulator", "central\nruns", "drawn\nruns"], fontsize=7)
    ax.set_xlim(-0.6, 2.6)
    ax.set_ylabel("% off the target", fontsize=7)
    ax.set_title(f"{t} ({UNITS.get(t, '')})", fontsize=8)
