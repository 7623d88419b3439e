"""Design points of a sweep: full factorial over levels, or SALib's Latin hypercube, Sobol
(Saltelli) and Morris samples over ranges, seeded so the same sweep draws the same points."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
from SALib.sample import latin, morris, sobol

from twin.core.rng import run_seed as run_seed  # re-exported: a sweep's seeds are named here
from twin.experiments.sweep_file import SweepFile


def problem(spec: SweepFile) -> dict:
    """The SALib problem of a sweep: its ranged parameters in file order."""
    names = list(spec.parameters)
    return {
        "num_vars": len(names),
        "names": names,
        "bounds": [list(spec.parameters[n].range) for n in names],
    }


def points(spec: SweepFile) -> list[dict[str, Any]]:
    """Every design point as {key path: value}, in a fixed order."""
    d, params = spec.design, spec.parameters
    if d.kind == "list":
        return [dict(p) for p in d.points]
    if d.kind == "factorial":
        names = list(params)
        grid = itertools.product(*(params[n].levels for n in names))
        return [dict(zip(names, values, strict=True)) for values in grid]
    prob = problem(spec)
    seed = spec.seed % 2**32
    if d.kind == "lhs":
        x = latin.sample(prob, d.samples, seed=seed)
    elif d.kind == "sobol":
        x = sobol.sample(prob, d.samples, calc_second_order=d.second_order, seed=seed)
    else:
        x = morris.sample(prob, d.samples, num_levels=d.levels, seed=seed)
    return [_point(spec, row) for row in np.asarray(x)]


def _point(spec: SweepFile, row: np.ndarray) -> dict[str, Any]:
    out = {}
    for name, value in zip(spec.parameters, row.tolist(), strict=True):
        out[name] = round(value) if spec.parameters[name].integer else value
    return out
