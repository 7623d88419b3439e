"""The calibration's procedure: waves of history matching on every target but the held-out
one, the held-out figure predicted out of sample, more waves on every target, then checks
at the central values and across the non-implausible set (docs/calibration.md)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from datafiles import UserError
from twin.calibration import emulator as em
from twin.calibration import history_matching as hm
from twin.calibration.calibration_file import CalibrationFile
from twin.calibration.runs import Runner, Runs

QUANTILES = (0.05, 0.5, 0.95)
MIN_POOL = 500  # points of the non-implausible set to draw waves and intervals from
MAX_BATCHES = 20  # batches of candidates tried to find them
DRAWS = 4000  # emulator draws behind a posterior-predictive interval


@dataclass
class Fit:
    """The non-implausible set under some targets: its points (unit cube), their worst
    implausibility, and the emulators it came from."""

    targets: list[str]
    emulators: dict[str, em.Emulator]
    pool: np.ndarray
    worst: np.ndarray
    share: float  # of the candidates (the priors' box) not ruled out

    @property
    def central(self) -> np.ndarray:
        """The least implausible point: the calibration's central values."""
        return self.pool[int(np.argmin(self.worst))]


@dataclass
class Calibration:
    """Everything a calibration found, for its report, figure and files."""

    spec: CalibrationFile
    space: hm.Space
    runs: Runs
    fit: Fit
    waves: list[dict] = field(default_factory=list)  # per wave: runs, share not ruled out
    holdout: dict | None = None
    central: Runs | None = None
    predictive: Runs | None = None
    predicted: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    loo: dict[str, np.ndarray] = field(default_factory=dict)
    seconds: float = 0.0  # this sitting's wall time
    run_seconds: float = 0.0  # every run's wall time, runs resumed from earlier sittings included


def calibrate(
    spec: CalibrationFile,
    out: Path,
    *,
    scale: float | None = None,
    jobs: int = 1,
    dask: str | int | None = None,
    on_run: Callable[[str, int, int], None] | None = None,
) -> Calibration:
    """Run the whole calibration into ``out`` (resuming what is stored there); ``scale`` is
    the runs' city.scale (read from the scenario when not given)."""
    started = time.perf_counter()
    if scale is None:
        from twin.scenario.loader import load_scenario

        scale = load_scenario(spec.scenario, spec.base).city.scale
    if spec.design.refine is not None:
        _larger(spec.design.refine.scale, scale)
    space = hm.Space.of(spec.parameters)
    runner = Runner(spec, space, scale, out, jobs, dask, on_run)
    first = [t for t in spec.targets if t != spec.holdout]
    runs, waves = _waves(spec, runner, first)
    holdout = None
    if spec.holdout is not None:
        holdout = _out_of_sample(spec, runner, runs, first)
        runs, more = _waves(spec, runner, list(spec.targets), runs=runs, first_wave=len(waves))
        waves += more
    d, predictive = spec.design, None
    check = None if d.refine is None else d.refine.scale  # the checks' scale
    if d.refine is not None:
        runs, more = _refine(spec, runner, runs, first_wave=len(waves))
        waves += more
    at = 1.0 if check is None else check / scale
    seed = spec.seed + len(waves)
    fit = _fit(spec, runs, list(spec.targets), seed=seed, at=at)
    runs, fit, central = central_checks(
        d.central_checks,
        runs,
        fit,
        run_check=lambda f, n: _central(spec, runner, f, len(waves), check, n),
        refit=lambda r, n: _fit(spec, r, list(spec.targets), seed=seed + n, at=at),
    )
    if len(fit.pool):
        drawn = hm.spread(fit.pool, d.check_runs, seed=spec.seed)
        predictive = runner.run(f"predictive-{_after(len(waves), check)}", drawn, scale=check)
    return Calibration(
        spec, space, runs, fit, waves, holdout, central, predictive,
        predicted=_predicted(fit, spec.seed), loo=_loo(runs, fit),
        seconds=time.perf_counter() - started, run_seconds=runner.run_seconds,
    )  # fmt: skip


def _waves(
    spec: CalibrationFile,
    runner: Runner,
    targets: list[str],
    *,
    runs: Runs | None = None,
    first_wave: int = 0,
) -> tuple[Runs, list[dict]]:
    """Waves on ``targets``: the first a Latin hypercube over the priors, each next one spread
    over the set the runs so far have not ruled out. Phase two (``runs`` given) runs
    ``final_waves`` waves.
    Each wave records the share of the priors' box it was drawn from."""
    d, space = spec.design, runner.space
    count = d.waves if runs is None else d.final_waves
    runs = runs if runs is not None else Runs.none(len(space.names), spec.targets)
    waves: list[dict] = []
    for w in range(first_wave, first_wave + count):
        if len(runs) == 0:
            u, share = hm.latin(len(space.names), d.runs, seed=spec.seed), 1.0
        else:
            fit = _fit(spec, runs, targets, seed=spec.seed + w)
            u, share = hm.spread(fit.pool, d.runs, seed=spec.seed + w), fit.share
        waves.append({"wave": w + 1, "targets": targets, "runs": len(u), "share": share,
                      "scale": runner.scale})  # fmt: skip
        if not len(u):
            break  # the runs so far rule out every value: the report says so
        runs = runs + runner.run(f"wave-{w + 1}", u)
    return runs, waves


def _refine(
    spec: CalibrationFile, runner: Runner, runs: Runs, *, first_wave: int
) -> tuple[Runs, list[dict]]:
    """Waves at the larger scale of ``design.refine``, on every target, each spread over the
    set not ruled out for a run at that scale (whose run-to-run noise is smaller)."""
    r = spec.design.refine
    assert r is not None
    targets, waves, at = list(spec.targets), [], r.scale / runner.scale
    last = first_wave + r.waves - 1
    for w in range(first_wave, last + 1):
        fit = _fit(spec, runs, targets, seed=spec.seed + w, at=at)
        u = hm.spread(fit.pool, r.runs, seed=spec.seed + w)
        waves.append({"wave": w + 1, "targets": targets, "runs": len(u), "share": fit.share,
                      "scale": r.scale})  # fmt: skip
        if not len(u):
            break
        runs = runs + runner.run(f"wave-{w + 1}-at-{r.scale:g}", u, scale=r.scale)
        if w < last:  # the wave's own central check teaches the next wave where it missed
            fit = _fit(spec, runs, targets, seed=spec.seed + w + 1, at=at)
            checked = _central(spec, runner, fit, w + 1, r.scale) if len(fit.pool) else None
            runs = runs if checked is None else runs + checked
    return runs, waves


def central_checks(
    checks: int,
    runs: Runs,
    fit: Fit,
    *,
    run_check: Callable[[Fit, int], Runs],
    refit: Callable[[Runs, int], Fit],
) -> tuple[Runs, Fit, Runs | None]:
    """Up to ``checks`` checks at the central values, each after the first refitted with the
    last one's runs: the runs, the last fit and the runs of the last check not yet fitted
    (None when a refit ruled out every value, so that no run is counted twice)."""
    central = None
    for n in range(1, checks + 1):
        if not len(fit.pool):
            break
        central = run_check(fit, n)
        if n < checks:  # the check teaches the emulators where the fit missed
            runs, central = runs + central, None
            fit = refit(runs, n)
    return runs, fit, central


def _central(
    spec: CalibrationFile, runner: Runner, fit: Fit, waves: int, check: float | None, n: int = 1
) -> Runs:
    """Runs at the fit's least implausible point (``central_runs`` replications); the ``n``th
    check after the same wave is named for its number."""
    again = "" if n == 1 else f"-check-{n}"
    return runner.run(f"central-{_after(waves, check)}{again}", fit.central[None, :],
                      replications=spec.design.central_runs, scale=check)  # fmt: skip


def _after(waves: int, check: float | None) -> str:
    """A check's stage name: after which wave, and at a refined scale its scale (more waves
    later check their own fit)."""
    return f"after-wave-{waves}" + ("" if check is None else f"-at-{check:g}")


def _larger(refine: float, scale: float) -> None:
    """A refinement runs at a larger scale than the waves before it, or it refines nothing."""
    if refine <= scale:
        raise UserError.one(
            f"design.refine.scale {refine:g} is not above the calibration's city.scale {scale:g}",
            key="design.refine.scale",
            expected=f"a city scale above {scale:g}",
            hint="refining runs fewer, larger runs: e.g. ten times the waves' scale",
        )


def _fit(
    spec: CalibrationFile, runs: Runs, targets: list[str], *, seed: int, at: float = 1.0
) -> Fit:
    """Emulators of every target from ``runs``, predicting runs of weight ``at``; the
    candidates not ruled out on ``targets`` (more batches of candidates while the set holds
    fewer than ``MIN_POOL`` points)."""
    d = spec.design
    emulators = {
        t: em.fit(runs.u, runs.figures[t], seed=seed, weight=runs.weight, at=at)
        for t in spec.targets
    }
    value = {t: spec.targets[t].value for t in targets}
    tol = {t: spec.targets[t].tolerance for t in targets}
    pools, worsts, tried = [], [], 0
    for batch in range(MAX_BATCHES):
        cand = hm.latin(runs.u.shape[1], d.candidates, seed=seed + 7919 * (batch + 1),
                        spread=False)  # fmt: skip
        worst = hm.worst(hm.implausibility(emulators, value, tol, cand, d.cutoff), targets)
        keep = worst <= d.cutoff
        pools.append(cand[keep])
        worsts.append(worst[keep])
        tried += len(cand)
        if sum(len(p) for p in pools) >= MIN_POOL:
            break
    pool = np.vstack(pools)
    return Fit(targets, emulators, pool, np.concatenate(worsts), len(pool) / tried)


def _out_of_sample(spec: CalibrationFile, runner: Runner, runs: Runs, first: list[str]) -> dict:
    """Fitted without the held-out figure: what the emulator and runs at the central values
    say it is, against its target."""
    h = spec.holdout
    fit = _fit(spec, runs, first, seed=spec.seed + 104729)
    if not len(fit.pool):
        return {"figure": h, "fitted_on": first, "found": False}
    check = runner.run("holdout", fit.central[None, :], replications=spec.design.central_runs)
    low, mid, high = _band(fit.emulators[h], fit.pool, spec.seed)
    actual = float(np.mean(check.figures[h]))
    target = spec.targets[h].value
    return {
        "figure": h, "fitted_on": first, "found": True, "target": target,
        "emulated": (low, mid, high), "runs": check.figures[h].tolist(), "run_mean": actual,
        "error": actual / target - 1.0, "inside": inside(target, (low, mid, high)),
    }  # fmt: skip


def _band(emulator: em.Emulator, pool: np.ndarray, seed: int) -> tuple[float, float, float]:
    """The posterior-predictive 5%, 50% and 95% of a figure: over the non-implausible set,
    draws from the emulator's prediction at its points (its run-to-run noise included)."""
    mean, sd = emulator.predict(pool)
    rng = np.random.default_rng(seed)
    at = rng.integers(len(pool), size=DRAWS)
    draws = np.exp(mean[at] + sd[at] * rng.standard_normal(DRAWS))
    low, mid, high = np.quantile(draws, QUANTILES)
    return float(low), float(mid), float(high)


def _predicted(fit: Fit, seed: int) -> dict[str, tuple[float, float, float]]:
    if not len(fit.pool):
        return {}
    return {t: _band(e, fit.pool, seed) for t, e in fit.emulators.items()}


def _loo(runs: Runs, fit: Fit) -> dict[str, np.ndarray]:
    return {t: em.leave_one_out(runs.u, runs.figures[t], e) for t, e in fit.emulators.items()}


def inside(value: float, band: tuple[float, float, float]) -> bool:
    """Whether ``value`` lies in the interval (a figure that never moves: equal to it)."""
    return band[0] * (1 - 1e-9) <= value <= band[2] * (1 + 1e-9)
