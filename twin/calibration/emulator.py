"""A Gaussian-process emulator of one figure over the unit cube of the parameters
(scikit-learn): it predicts, with its own uncertainty, what a run at untried values would give,
so that history matching can rule out regions of the priors without running them.

The figure is modelled on a log scale (counts and money span orders of magnitude and their
errors are relative); the kernel is a constant times an anisotropic Matern 5/2 (one length per
parameter: how fast the figure moves with it) plus white noise, which stands for the run-to-run
variation of a stochastic simulation at fixed parameters and so enters every prediction.

Runs at different city scales are not equally noisy: a run over ten times the population varies
about a tenth as much (the variance of a count over n entities goes as 1/n). Given each run's
``weight`` (its scale over the smallest), the emulator learns the noise of the weight-1 runs,
then fits the process with that noise divided by each run's weight, and predicts what a run at
the weight ``at`` would give (docs/calibration.md, "Refining at a larger scale").
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

FLOOR = 1.0  # a figure of zero is read as one before its logarithm


@dataclass
class Emulator:
    """The fitted emulator of one figure; a constant figure is emulated exactly. A weighted
    emulator (``noise`` set) holds the process alone, on log(figure) shifted by ``centre``
    and divided by ``spread``, and adds the run-to-run variance ``noise / at`` itself."""

    gp: GaussianProcessRegressor | None
    constant: float | None = None
    noise: float | None = None  # run-to-run variance of a weight-1 run (standardised)
    at: float = 1.0  # the weight of the runs it predicts
    centre: float = 0.0
    spread: float = 1.0

    def predict(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and standard deviation of log(figure) at points ``u`` (rows in [0, 1]^d)."""
        if self.gp is None:
            return np.full(len(u), self.constant), np.zeros(len(u))
        mean, sd = self.gp.predict(u, return_std=True)
        if self.noise is None:
            return mean, sd
        sd = np.sqrt(sd**2 + self.noise / self.at)
        return self.centre + self.spread * mean, self.spread * sd


def log_figure(y: np.ndarray) -> np.ndarray:
    return np.log(np.maximum(np.asarray(y, dtype=np.float64), FLOOR))


def fit(
    u: np.ndarray,
    y: np.ndarray,
    *,
    seed: int,
    weight: np.ndarray | None = None,
    at: float = 1.0,
) -> Emulator:
    """Fit the emulator of one figure to runs at points ``u`` with figures ``y``; ``weight``
    per run (1 for the noisiest), ``at`` the weight of the runs it is to predict."""
    z = log_figure(y)
    if np.ptp(z) < 1e-12:
        return Emulator(None, float(z[0]))
    if weight is None or (np.ptp(weight) == 0 and weight[0] == at):
        gp = _gp(_process(u.shape[1]) + WhiteKernel(1e-3, (1e-8, 1.0)), seed, normalize=True)
        _fit_quietly(gp, u, z)
        return Emulator(gp)
    return _weighted(u, z, np.asarray(weight, float), at, seed)


def _weighted(u: np.ndarray, z: np.ndarray, weight: np.ndarray, at: float, seed: int) -> Emulator:
    """Learn the weight-1 runs' noise from them alone, then fit the process to every run with
    that noise over each run's weight."""
    centre, spread = float(z.mean()), float(z.std()) or 1.0
    zs = (z - centre) / spread
    light = weight == weight.min()
    first = _gp(_process(u.shape[1]) + WhiteKernel(1e-3, (1e-8, 1.0)), seed, normalize=False)
    _fit_quietly(first, u[light], zs[light])
    noise = float(first.kernel_.k2.noise_level)
    gp = _gp(_process(u.shape[1]), seed, normalize=False, alpha=noise / (weight / weight.min()))
    _fit_quietly(gp, u, zs)
    return Emulator(gp, noise=noise, at=at / weight.min(), centre=centre, spread=spread)


def _process(d: int):
    """A constant times an anisotropic Matern 5/2: how the figure moves with the parameters."""
    return ConstantKernel(1.0, (1e-3, 1e3)) * Matern(
        length_scale=np.full(d, 0.5), length_scale_bounds=(1e-2, 1e2), nu=2.5
    )


def _gp(kernel, seed: int, *, normalize: bool, alpha=1e-10) -> GaussianProcessRegressor:
    return GaussianProcessRegressor(
        kernel, alpha=alpha, normalize_y=normalize, n_restarts_optimizer=4,
        random_state=seed % 2**32,
    )  # fmt: skip


def _fit_quietly(gp: GaussianProcessRegressor, u: np.ndarray, z: np.ndarray) -> None:
    with warnings.catch_warnings():  # a length at its bound says "flat in this parameter"
        warnings.simplefilter("ignore", ConvergenceWarning)
        gp.fit(u, z)


def leave_one_out(u: np.ndarray, y: np.ndarray, fitted: Emulator) -> np.ndarray:
    """Standardised errors of the emulator at each run when conditioned on the others (its
    fitted kernel kept: Bastos and O'Hagan's diagnostic): about 95% should lie within +-2 if
    the emulator is honest about its uncertainty."""
    z = log_figure(y)
    if fitted.gp is None:
        return np.zeros(len(z))
    weighted = fitted.noise is not None
    if weighted:
        z = (z - fitted.centre) / fitted.spread
    alpha = np.broadcast_to(fitted.gp.alpha, z.shape)
    out = np.empty(len(z))
    for i in range(len(z)):
        keep = np.arange(len(z)) != i
        gp = GaussianProcessRegressor(
            fitted.gp.kernel_, alpha=alpha[keep], optimizer=None, normalize_y=not weighted
        )
        gp.fit(u[keep], z[keep])
        mean, sd = gp.predict(u[i : i + 1], return_std=True)
        var = sd[0] ** 2 + (alpha[i] if weighted else 0.0)  # the left-out run's own noise
        out[i] = (z[i] - mean[0]) / max(np.sqrt(var), 1e-12)
    return out
