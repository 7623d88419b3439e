"""A calibration's folder: ``calibration.json`` (every number), ``posterior.parquet`` (the
non-implausible set), ``calibration.md`` (for people) and ``calibration.png`` - each written to
a temporary name and renamed into place."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from twin.calibration.calibrate import QUANTILES, Calibration, inside
from twin.calibration.figure import calibration_figure
from twin.calibration.number import number
from twin.core.atomic import write_text_atomic
from twin.runs.readable import readable
from twin.scoring.reach import UNITS


def summary(c: Calibration) -> dict:
    """Every number of the calibration, in plain JSON."""
    values = c.space.values(c.fit.pool) if len(c.fit.pool) else np.zeros((0, len(c.space.names)))
    central = c.space.values(c.fit.central[None, :])[0] if len(c.fit.pool) else None
    params = {}
    for i, name in enumerate(c.space.names):
        q = np.quantile(values[:, i], QUANTILES).tolist() if len(values) else [None] * 3
        params[name] = {
            "prior": list(c.spec.parameters[name].range), "log": bool(c.space.log[i]),
            "central": None if central is None else float(central[i]),
            "q05": q[0], "q50": q[1], "q95": q[2],
            "min": float(values[:, i].min()) if len(values) else None,
            "max": float(values[:, i].max()) if len(values) else None,
        }  # fmt: skip
    return {
        "name": c.spec.name, "method": c.spec.method, "fitted": bool(len(c.fit.pool)),
        "runs": len(c.runs) + sum(len(r) for r in (c.central, c.predictive) if r is not None)
        + (len(c.holdout.get("runs", [])) if c.holdout else 0),
        "seconds": c.seconds, "run_seconds": c.run_seconds, "waves": c.waves,
        "non_implausible_share": c.fit.share,
        "check_scale": _check_scale(c),
        "parameters": params, "targets": _targets(c), "holdout": c.holdout,
        "emulator_loo_within_2sd": {t: float(np.mean(np.abs(v) <= 2)) for t, v in c.loo.items()},
    }  # fmt: skip


def _check_scale(c: Calibration) -> float | None:
    """The city scale of the runs at the central values and drawn from the set."""
    r = c.spec.design.refine
    if r is not None:
        return r.scale
    return c.waves[0]["scale"] if c.waves else None


def _targets(c: Calibration) -> dict:
    out = {}
    for t, target in c.spec.targets.items():
        central = c.central.figures[t] if c.central is not None else np.zeros(0)
        drawn = c.predictive.figures[t] if c.predictive is not None else np.zeros(0)
        band = c.predicted.get(t)
        mean = float(central.mean()) if len(central) else None
        out[t] = {
            "target": target.value, "tolerance": target.tolerance, "unit": UNITS.get(t),
            "central_runs": central.tolist(), "central_mean": mean,
            "central_error": None if mean is None else mean / target.value - 1.0,
            "drawn_runs": drawn.tolist(), "predictive": band,
            "inside": None if band is None else inside(target.value, band),
        }  # fmt: skip
    return out


def write(c: Calibration, out: Path) -> dict:
    """Write the calibration's files into ``out``; return its summary."""
    s = summary(c)
    write_text_atomic(out / "calibration.json", json.dumps(s, indent=1, default=float) + "\n")
    table = pa.table(
        {
            **{
                n: c.space.values(c.fit.pool)[:, i] if len(c.fit.pool) else np.zeros(0)
                for i, n in enumerate(c.space.names)
            },
            "implausibility": c.fit.worst,
        }
    )
    tmp = out / "posterior.parquet.tmp"
    pq.write_table(table, tmp)
    tmp.replace(out / "posterior.parquet")
    fig = calibration_figure(c)
    fig.savefig(out / "calibration.png.tmp.png", dpi=90)
    (out / "calibration.png.tmp.png").replace(out / "calibration.png")
    write_text_atomic(out / "calibration.md", "\n".join(lines(s)) + "\n")
    return s


def lines(s: dict) -> list[str]:
    """The calibration as a planner reads it."""
    out = [f"# Calibration '{s['name']}'", ""]
    if not s["fitted"]:
        out += ["**No parameter values within the priors reproduce every target** within its",
                "tolerance: widen the priors, add a lever, or revisit the model.", ""]  # fmt: skip
    out += _parameter_lines(s) + _target_lines(s) + _holdout_lines(s) + _diagnostic_lines(s)
    return out


def _parameter_lines(s: dict) -> list[str]:
    out = ["## Parameters (the non-implausible set)", ""]
    out += ["| parameter | prior | central | 5% | median | 95% |", "|---|---|---|---|---|---|"]
    for name, p in s["parameters"].items():
        cells = [p[k] for k in ("central", "q05", "q50", "q95")]
        shown = ["-" if v is None else number(v) for v in cells]
        prior = f"{number(p['prior'][0])} to {number(p['prior'][1])}" + (
            " (log)" if p["log"] else ""
        )
        out.append(f"| {name} | {prior} | " + " | ".join(shown) + " |")
    return [*out, ""]


def _target_lines(s: dict) -> list[str]:
    out = ["## Targets at Ningbo's size", "",
           "| figure | target | central runs (mean) | off by | predictive 90% | target inside |",
           "|---|---|---|---|---|---|"]  # fmt: skip
    if s.get("check_scale"):
        out[2:2] = [f"Runs at the central values and drawn from the set at city.scale "
                    f"{s['check_scale']:g}, scaled to Ningbo's size.", ""]  # fmt: skip
    for t, v in s["targets"].items():
        unit = v["unit"]
        band = v["predictive"]
        shown = "-" if band is None else f"{readable(band[0], unit)} to {readable(band[2], unit)}"
        err = "-" if v["central_error"] is None else f"{100 * v['central_error']:+.1f}%"
        inside = "-" if v["inside"] is None else ("yes" if v["inside"] else "no")
        out.append(f"| {t} | {readable(v['target'], unit)} | {readable(v['central_mean'], unit)}"
                   f" | {err} | {shown} | {inside} |")  # fmt: skip
    return [*out, ""]


def _holdout_lines(s: dict) -> list[str]:
    h = s["holdout"]
    if not h:
        return []
    head = ["## Out of sample", ""]
    if not h["found"]:
        return [
            *head,
            f"Fitted on {', '.join(h['fitted_on'])}: nothing within the priors fits.",
            "",
        ]
    unit = UNITS.get(h["figure"])
    low, _, high = h["emulated"]
    return [*head,
        f"Fitted on {', '.join(h['fitted_on'])} only, the calibration predicts "
        f"**{h['figure']}**: runs at that fit's central values give "
        f"{readable(h['run_mean'], unit)} against the target's {readable(h['target'], unit)} "
        f"(**{100 * h['error']:+.1f}%**); the emulator's 90% interval is "
        f"{readable(low, unit)} to {readable(high, unit)} "
        f"({'the target inside' if h['inside'] else 'the target outside'}).", ""]  # fmt: skip


def _diagnostic_lines(s: dict) -> list[str]:
    out = ["## Diagnostics", "",
           "| wave | fitted on | runs | city.scale | drawn from (share of the priors) |",
           "|---|---|---|---|---|"]  # fmt: skip
    for w in s["waves"]:
        out.append(f"| {w['wave']} | {', '.join(w['targets'])} | {w['runs']} | "
                   f"{w.get('scale', 0):g} | {_percent(w['share'])} |")  # fmt: skip
    out += [
        "",
        f"Non-implausible at the end: {_percent(s['non_implausible_share'])} of the "
        f"priors' box. Runs: {s['runs']}, {s['run_seconds'] / 3600:.1f} hours of runs "
        f"(this sitting: {s['seconds'] / 60:.1f} minutes of wall time).",
        "",
        "Emulator validation (leave one out): share of runs within two standard deviations",
        "of the emulator fitted without them (about 95% for an honest emulator):",
        "",
    ]
    out += [f"- {t}: {100 * v:.0f}%" for t, v in s["emulator_loo_within_2sd"].items()]
    return [*out, ""]


def _percent(share: float) -> str:
    """A share of the priors' box as a percentage with three significant digits (0.0155%)."""
    return "0%" if share == 0 else f"{100 * share:.3g}%"
